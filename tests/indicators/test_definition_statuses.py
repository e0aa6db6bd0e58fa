"""A definition recorded for a year whose period has ended announces the statuses it gives
(examiner-figures). The live evaluation re-evaluated the definitions whose period ends on or
after the event's business date, and a definition is dated the day it is recorded: the
Commission's 2024 targets recorded in 2026, or 2023's target corrected after the year,
announced nothing, so the status history and IndicatorStatusChanged kept the old status
(or none) while every read of the figure judged it by the new definition. A definition is now
evaluated from its period's first day. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

from services.indicators.domain.definitions import Definition, plan_2023_definitions
from services.indicators.domain.model import Indicator
from shared.aggregate import CommandContext, UnitOfWork
from shared.clock import today_vn
from shared.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import apply, status_events_in
from tests.indicators.scenario import Events

TIEN_LANG_TOWN = "11755"


def _last(runtime: ServiceRuntime, key: str) -> tuple[str | None, str, str | None] | None:
    events = [e for e in status_events_in(runtime) if e["key"] == key]
    if not events:
        return None
    return events[-1]["previous_status"], events[-1]["status"], events[-1]["causation_id"]


def _define(runtime: ServiceRuntime, definition: Definition) -> EventEnvelope:
    """What POST /indicators records (a definition, or a redefinition), dated today as the
    route dates it; the service then consumes it from its own stream."""
    def define(uow: UnitOfWork) -> list[EventEnvelope]:
        indicator = uow.load(Indicator, definition.key)
        indicator.define(definition, today_vn())
        return uow.save(indicator)

    stored = runtime.execute(CommandContext(actor="ban-dan-van"), define)
    apply(runtime, stored)
    return stored[-1]


def _plan_i3() -> Definition:
    return next(d for d in plan_2023_definitions() if d.indicator_id == "I3")


def test_a_past_year_redefined_announces_the_statuses_it_moves(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [ev.site("S1", TIEN_LANG_TOWN, date(2023, 1, 5)),
                    ev.dossier("S1", "LandDossierLodged", date(2023, 5, 1))])
    # 1 of the plan's 239 sites at the end of 2023: «chưa đạt» against 40 %.
    before = _last(runtime, "I3-2023@31")
    assert before is not None and before[1] == "chua_dat"

    # The Commission corrects 2023's target to 0.4 %: 1/239 = 0.42 % meets it.
    redefined = _define(runtime, replace(_plan_i3(), target_percent=Fraction(2, 5)))
    assert _last(runtime, "I3-2023@31") == ("chua_dat", "dat", str(redefined.event_id))


def test_a_definition_of_an_ended_year_announces_its_statuses(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [ev.site("S1", TIEN_LANG_TOWN, date(2023, 1, 5)),
                    ev.dossier("S1", "LandDossierLodged", date(2023, 5, 1))])
    # 2024's I3, recorded after 2024 ended, against the register (no base): the town's one
    # site has its dossier, 100 % ≥ 40 %.
    defined = _define(runtime, replace(
        _plan_i3(), year=2024, denominator_fixed=None,
        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31)))
    assert defined.occurred_at.year > 2024  # dated the day it is recorded
    assert _last(runtime, f"I3-2024@{TIEN_LANG_TOWN}") == (None, "dat", str(defined.event_id))
