"""The reporting service's process state: one object per runtime, handed down, never a module
global; what it keeps never leaks out to be changed; I1-I4 measured by name."""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from services.reporting.adapters.tables import frozen_figures, metadata
from services.reporting.app import create_runtime
from services.reporting.application.canonical import canonical_json
from services.reporting.application.lru import Lru
from services.reporting.application.reports import _frozen_content
from services.reporting.application.roll_up import UnitRatios, _indicators, roll_up
from services.reporting.application.state import ReportingState, state_of
from services.reporting.application.unittree import unit_tree
from services.reporting.domain.indicators import (
    CORE_INDICATORS,
    MEASURED_BY,
    PLAN_TARGETS,
)
from services.reporting.domain.metrics import METRIC_KEYS
from shared.adminunits import HAI_PHONG
from shared.db import create_db_engine
from shared.errors import NotFound
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import two_quarter_scenario


def test_each_runtime_holds_its_own_state(settings_factory: Callable[..., Settings]) -> None:
    first = create_runtime(settings_factory("reporting"))
    second = create_runtime(settings_factory("reporting"))
    try:
        assert isinstance(state_of(first), ReportingState)
        assert state_of(first) is not state_of(second)
        assert state_of(first).figures is not state_of(second).figures
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_a_runtime_not_made_by_the_service_has_no_reporting_state() -> None:
    plain = object.__new__(ServiceRuntime)
    with pytest.raises(TypeError):
        state_of(plain)


def test_the_lru_keeps_the_values_used_last() -> None:
    kept: Lru[str, int] = Lru(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # "a" used last: "b" goes first
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)
    assert len(kept) == 2
    kept.clear()
    assert kept.get("a") is None


def test_forget_drops_everything_the_state_keeps() -> None:
    state = ReportingState()
    state.frozen.put("x", "{}")
    state.owed.put(("g", 1, 1, datetime.now(UTC).date(), datetime.now(UTC).date()), [])
    state.copies.table("religion")
    state.tails.put(("religion", ("g", 1), None, -1), {})
    state.forget()
    assert len(state.frozen) == len(state.owed) == len(state.tails) == 0
    assert state.copies.tables == {}


def test_frozen_figures_are_verified_once_and_handed_out_as_a_fresh_copy(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'frozen.db'}")
    metadata.create_all(engine, tables=[frozen_figures])
    content = {"period_id": "2023-6m", "units": {"31": {"figures": {"sites": 3}}}}
    text = canonical_json(content)
    digest = hashlib.sha256(text.encode()).hexdigest()
    state = ReportingState()
    try:
        with engine.begin() as conn:
            conn.execute(insert(frozen_figures), {
                "content_hash": digest, "figures": text, "stored_at": datetime.now(UTC)})
            first = _frozen_content(state, conn, "r", digest)
            assert first == content
            first["units"]["31"]["figures"]["sites"] = 99  # a caller changing its copy
            # Changed in the database after it was verified: the kept text is the one
            # hashed, and a fresh state checks it again.
            conn.execute(update(frozen_figures).values(figures=text.replace("3", "30")))
            again = _frozen_content(state, conn, "r", digest)
            assert again == content and again is not first
            with pytest.raises(NotFound) as refused:
                _frozen_content(ReportingState(), conn, "r", digest)
            assert refused.value.code == "FROZEN_FIGURES_TAMPERED"
    finally:
        engine.dispose()


def test_each_indicator_is_measured_by_its_named_figures() -> None:
    assert tuple(MEASURED_BY) == CORE_INDICATORS
    assert {name for pair in MEASURED_BY.values() for name in pair} <= set(METRIC_KEYS)
    # Distinct numbers in every figure: a figure wired to the wrong indicator shows.
    tree = unit_tree("31", datetime(2023, 6, 30).date())
    unit = {key: 0 for key in METRIC_KEYS} | {
        "communes_with_model": 1, "communes": 2, "heads_meeting_rule": 3,
        "heads_in_office": 5, "sites_with_dossier": 7, "sites_with_certificate": 11,
        "sites": 13, "heads_owing": 1}
    key = UnitRatios.of("31", tree, unit)
    assert key.city_of_plan and key.heads_owing
    figures = _indicators(key, dict(PLAN_TARGETS), 2023, datetime(2023, 6, 30).date())
    found = {i: (f.numerator, f.denominator, f.register) for i, f in figures.items()}
    base = PLAN_TARGETS["I3"].denominator_fixed
    assert base is not None
    assert found == {"I1": (1, 2, None), "I2": (3, 5, None), "I3": (7, base, 13),
                     "I4": (11, base, 13)}
    assert list(figures) == list(CORE_INDICATORS)


def test_the_roll_up_sums_every_unit_with_its_children() -> None:
    tree = unit_tree(HAI_PHONG, datetime(2023, 6, 30).date())
    communes = [node.code for node in tree.nodes.values() if node.level == "commune"][:2]
    direct = {code: Counter({"sites": 2}) for code in communes}
    values = roll_up(tree, direct)
    assert values[HAI_PHONG]["sites"] == 4
    assert all(values[code]["sites"] == 2 for code in communes)


def test_a_report_leaves_the_garbage_collector_alone(
    monkeypatch: pytest.MonkeyPatch, reporting: Reporting,
) -> None:
    # Reports once turned cyclic collection off for the whole process while any computed;
    # overlapping requests could keep it off. The heap set aside at warm-up made it moot.
    reporting.feed(two_quarter_scenario())

    def refused() -> None:
        raise AssertionError("a report turned the process's garbage collector off")

    monkeypatch.setattr(gc, "disable", refused)
    response = reporting.client.get("/api/v1/reports/2023-6m")
    assert response.status_code == 200, response.text
    assert gc.isenabled()
