"""Figures recorded for a unit itself (a district's own heads and sessions, a model of the city
as a whole) count in the unit's total and in none of its children's rows: with the line
"recorded for the unit itself" and the line "not attributed to a current unit", the children's
rows add up to every parent, for every figure, period and level, by both compute paths, live
and finalised."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.reporting.application.figures import (
    Figures,
    compute_fresh,
    compute_from_chunks,
)
from services.reporting.application.reports import load_period
from services.reporting.domain.metrics import METRIC_KEYS
from services.reporting.domain.periods import MONTHS, period_id
from shared.adminunits import HAI_PHONG, NOT_CURRENT_UNIT, OWN_UNIT_RECORDS
from shared.envelope import utcnow
from tests.reporting.conftest import Reporting
from tests.reporting.lines import finalised_without, get_json, rendered_without, shown_everywhere
from tests.reporting.scenario import TIEN_LANG, two_quarter_scenario

MERGED_2025 = "11764"  # a commune of 2023 that is no unit after the 2025 reform
MERGED_EARLY_2025 = "11308"  # merged in January 2025 (under 303), its successor unknown
PERIODS = [period_id(year, month) for year in (2023, 2024, 2025) for month in MONTHS]


def _scenario(reporting: Reporting) -> None:
    e = two_quarter_scenario()  # H1 of Tiên Lãng (315) and its sessions SES2, SES3
    e.model("M9", TIEN_LANG, "new_rural", date(2023, 3, 1))  # a district's own model
    e.model("M10", HAI_PHONG, "urban", date(2023, 3, 1))  # the city's own
    e.site("S8", MERGED_2025, date(2022, 5, 1))
    e.site("S9", MERGED_EARLY_2025, date(2022, 6, 1))
    reporting.feed(e)


def _lines(document: dict[str, Any], kind: str, label: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for row in document[kind]:
        assert row["label"] == label and row["kind"] == kind
        found[row["parent"]] = row["figures"]
    return found


def _gaps(document: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per parent, every figure's total less its children's rows and both lines: all 0."""
    own = _lines(document, "own", OWN_UNIT_RECORDS)
    unattributed = _lines(document, "unattributed", NOT_CURRENT_UNIT)
    units = document["units"]
    gaps = {}
    for parent in units:
        children = [row for row in units if row["parent"] == parent["code"]]
        if not children:
            continue
        lines = [line for line in (own.get(parent["code"]), unattributed.get(parent["code"]))
                 if line is not None]
        gaps[parent["code"]] = {
            key: parent["figures"][key] - sum(c["figures"][key] for c in children)
            - sum(line[key] for line in lines)
            for key in METRIC_KEYS}
    return gaps


def _figures_gaps(figures: Figures) -> dict[str, dict[str, int]]:
    """`_gaps` of computed figures: the parents whose figures do not add up, and by what."""
    gaps = {}
    for node in figures.tree.nodes.values():
        if not node.children:
            continue
        lines = [figures.own.get(node.code, {}), figures.unattributed.get(node.code, {})]
        gap = {key: figures.values[node.code][key]
               - sum(figures.values[child][key] for child in node.children)
               - sum(line.get(key, 0) for line in lines) for key in METRIC_KEYS}
        if any(gap.values()):
            gaps[node.code] = {key: value for key, value in gap.items() if value}
    return gaps


def test_children_rows_and_both_lines_add_up_to_every_parent(reporting: Reporting) -> None:
    _scenario(reporting)
    shown = {}
    for pid in PERIODS:
        document = get_json(reporting, f"/api/v1/reports/{pid}/units")
        gaps = _gaps(document)
        assert gaps, pid
        assert all(not any(gap.values()) for gap in gaps.values()), (pid, {
            code: {k: v for k, v in gap.items() if v} for code, gap in gaps.items()
            if any(gap.values())})
        shown[pid] = document
    # The probes: the lines hold what the scenario recorded at the parents themselves.
    own_2023 = _lines(shown["2023-6m"], "own", OWN_UNIT_RECORDS)
    assert own_2023[TIEN_LANG]["heads_in_office"] == 1  # H1
    assert own_2023[TIEN_LANG]["sessions_held"] == 2  # SES2, SES3
    assert own_2023[TIEN_LANG]["models_active"] == 1  # M9
    assert own_2023[HAI_PHONG]["models_active"] == 1  # M10
    assert "communes" not in {k for line in own_2023.values() for k, v in line.items() if v}
    assert shown["2023-6m"]["unattributed"] == []  # every unit of 2023 is in the tree
    assert _lines(shown["2025-9m"], "unattributed", NOT_CURRENT_UNIT)[HAI_PHONG]["sites"] >= 2

    # Both compute paths give the same lines (they are in the hashed content).
    runtime = reporting.runtime
    as_of = utcnow()
    with runtime.engine.connect() as conn:
        for pid in PERIODS:
            period = load_period(conn, runtime.store, pid, as_of)
            fast = compute_from_chunks(reporting.state, conn, period, HAI_PHONG, as_of)
            slow = compute_fresh(conn, period, HAI_PHONG, as_of)
            assert fast.own == slow.own, pid
            assert fast.content() == slow.content(), pid
        # The national tree (this service serves the city alone over HTTP) adds the level of
        # provinces: the rule holds from the nation down.
        for pid in ("2023-6m", "2025-9m"):
            period = load_period(conn, runtime.store, pid, as_of)
            fast = compute_from_chunks(reporting.state, conn, period, "VN", as_of)
            slow = compute_fresh(conn, period, "VN", as_of)
            assert fast.content() == slow.content(), pid
            assert _figures_gaps(slow) == {}, pid
            assert slow.own[TIEN_LANG if pid == "2023-6m" else HAI_PHONG]

    # Finalised, the report shows the lines it was frozen with, its hash the live one's.
    finalised = reporting.client.post(
        "/api/v1/reports/2023-6m/finalise", json={"scope": HAI_PHONG},
        headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    reporting.state.figures.clear()
    frozen = get_json(reporting, "/api/v1/reports/2023-6m/units")
    assert frozen["finalised"] is not None
    assert frozen["content_hash"] == finalised.json()["content_hash"]
    assert frozen["own"] == shown["2023-6m"]["own"]
    view = get_json(reporting, f"/api/v1/reports/2023-6m?unit={TIEN_LANG}")
    assert view["children_own"]["label"] == OWN_UNIT_RECORDS
    assert view["children_own"]["figures"]["sessions_held"] == 2


def test_the_dashboard_word_and_excel_show_the_own_line(reporting: Reporting) -> None:
    _scenario(reporting)
    shown_everywhere(reporting, "2023-6m", TIEN_LANG, OWN_UNIT_RECORDS)


def test_a_report_frozen_before_the_own_line_still_renders_as_frozen(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _scenario(reporting)
    # Finalised by the code before the line: its frozen content has no "own".
    signed = finalised_without(reporting, monkeypatch, "own_records",
                               lambda tree, direct, strays: {}, "2023-6m", HAI_PHONG)
    shown = get_json(reporting, f"/api/v1/reports/2023-6m?unit={TIEN_LANG}")
    assert shown["content_hash"] == signed
    assert shown["children_own"] is None  # as it was signed
    assert shown["differences"] == []  # the line is no figure of a unit
    assert get_json(reporting, "/api/v1/reports/2023-6m/units")["own"] == []
    rendered_without(reporting, "2023-6m", TIEN_LANG, OWN_UNIT_RECORDS)
