"""Facts counted under a code that is no unit on a report's cut-off day (merged, successor
unknown) are on the unit above: its children's rows must add up to it with the line "not
attributed to a current unit", the same by both compute paths and in a finalised report."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.reports import load_period
from services.reporting.domain.metrics import METRIC_KEYS
from shared.adminunits import NOT_CURRENT_UNIT
from shared.envelope import utcnow
from tests.reporting.conftest import Reporting
from tests.reporting.lines import finalised_without, get_json, rendered_without, shown_everywhere
from tests.reporting.scenario import HONG_BANG, QUAN_TOAN, Events

MERGED_2025 = "11764"  # a commune of 2022 that is no unit after the 2025 reform
MERGED_EARLY_2025 = "11308"  # merged in January 2025 (under 303), its successor unknown


def _adds_up(document: dict[str, Any], parent: str) -> dict[str, int]:
    """The parent's figures less its children's rows: what the line must carry."""
    units = {row["code"]: row for row in document["units"]}
    children = [row for row in document["units"] if row["parent"] == parent]
    return {key: units[parent]["figures"][key] - sum(c["figures"][key] for c in children)
            for key in METRIC_KEYS if key != "communes"}


def _line(document: dict[str, Any], parent: str) -> dict[str, int] | None:
    for row in document["unattributed"]:
        if row["parent"] == parent:
            assert row["label"] == NOT_CURRENT_UNIT
            figures: dict[str, int] = row["figures"]
            return figures
    return None


def test_the_rows_of_a_report_add_up_with_the_line_of_codes_that_are_no_unit(
    reporting: Reporting,
) -> None:
    e = Events()
    e.site("S1", MERGED_2025, date(2022, 5, 1))
    e.dossier("LandDossierLodged", "S1", MERGED_2025, date(2023, 2, 1), "lodged")
    e.site("S2", MERGED_EARLY_2025, date(2022, 6, 1))
    e.site("S3", QUAN_TOAN, date(2022, 6, 1))
    reporting.feed(e)

    after = get_json(reporting, "/api/v1/reports/2025-9m/units")
    missing = _adds_up(after, "31")
    assert missing["sites"] >= 1, "the probe: the city counts a site no commune row holds"
    line = _line(after, "31")
    assert line is not None
    assert {k: v for k, v in line.items() if k != "communes"} == missing

    before = get_json(reporting, "/api/v1/reports/2025-3m/units")
    line = _line(before, HONG_BANG)
    assert line is not None and line["sites"] == 1  # 11308, counted in 303 alone
    assert {k: v for k, v in line.items() if k != "communes"} == _adds_up(before, HONG_BANG)
    assert _line(before, "31") is None  # the districts' rows add up to the city

    view = get_json(reporting, "/api/v1/reports/2025-3m?unit=303")
    assert view["children_unattributed"]["label"] == NOT_CURRENT_UNIT
    assert view["children_unattributed"]["figures"]["sites"] == 1
    assert get_json(reporting, "/api/v1/reports/2025-3m?unit=31")["children_unattributed"] is None

    # Both compute paths carry the same line (it is part of the hashed content).
    runtime = reporting.runtime
    as_of = utcnow()
    with runtime.engine.connect() as conn:
        for pid in ("2025-3m", "2025-9m"):
            period = load_period(conn, runtime.store, pid, as_of)
            fast = compute_from_chunks(reporting.state, conn, period, "31", as_of)
            slow = compute_fresh(conn, period, "31", as_of)
            assert fast.unattributed == slow.unattributed != {}
            assert fast.content() == slow.content()


def test_a_finalised_report_shows_the_line_it_was_frozen_with(reporting: Reporting) -> None:
    e = Events()
    e.site("S2", MERGED_EARLY_2025, date(2022, 6, 1))
    reporting.feed(e)
    live = get_json(reporting, "/api/v1/reports/2025-3m?unit=303")
    finalised = reporting.client.post(
        "/api/v1/reports/2025-3m/finalise", json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    shown = get_json(reporting, "/api/v1/reports/2025-3m?unit=303")
    assert shown["finalised"] is not None
    assert shown["children_unattributed"] == live["children_unattributed"] is not None
    units = get_json(reporting, "/api/v1/reports/2025-3m/units")
    assert _line(units, HONG_BANG) == live["children_unattributed"]["figures"]


def test_the_dashboard_word_and_excel_show_the_line(reporting: Reporting) -> None:
    e = Events()
    e.site("S2", MERGED_EARLY_2025, date(2022, 6, 1))
    reporting.feed(e)
    shown_everywhere(reporting, "2025-3m", HONG_BANG, NOT_CURRENT_UNIT)


def test_a_report_frozen_before_the_line_existed_still_renders_as_frozen(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    e = Events()
    e.site("S2", MERGED_EARLY_2025, date(2022, 6, 1))
    reporting.feed(e)
    # Finalised by the code before the line: its frozen content has no "unattributed".
    signed = finalised_without(reporting, monkeypatch, "unattributed",
                               lambda tree, strays: {}, "2025-3m", "31")
    shown = get_json(reporting, "/api/v1/reports/2025-3m?unit=303")
    assert shown["content_hash"] == signed
    assert shown["children_unattributed"] is None  # as it was signed
    assert shown["differences"] == []  # the line is no figure of a unit
    assert get_json(reporting, "/api/v1/reports/2025-3m/units")["unattributed"] == []
    rendered_without(reporting, "2025-3m", HONG_BANG, NOT_CURRENT_UNIT)
