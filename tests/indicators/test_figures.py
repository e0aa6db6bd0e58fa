"""Each indicator, computed from a scenario of events, equals the figure worked out by hand.

The events go through the projection handlers straight into the fact tables (no NATS here;
the wiring through JetStream is tested in test_service.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from services.indicators.adapters.definitions import load_definitions
from services.indicators.application.compute import compute, scope_tree
from services.indicators.application.lifecycle import sweep_statuses
from services.indicators.application.queries import restated_view
from services.indicators.domain import figures as figures_module
from services.indicators.domain.definitions import plan_2023_definitions
from services.indicators.domain.facts import HeadTerm, RuleFact
from services.indicators.domain.figures import (
    IndicatorFigures,
    required_sessions,
    unit_statuses,
)
from services.indicators.domain.model import Indicator
from shared.aggregate import CommandContext
from shared.eventstore import events_table
from shared.runtime import ServiceRuntime
from tests.indicators.conftest import apply, status_events_in
from tests.indicators.scenario import (
    DAI_THANG,
    HAI_PHONG,
    HONG_BANG,
    HONG_BANG_2025,
    HUNG_VUONG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    after_the_2025_reform,
    dialogue_2023,
    models_2023,
    religion_2023,
)

YEAR_END = date(2023, 12, 31)
NOW = datetime(2030, 1, 1, tzinfo=UTC)  # "as of" later than anything recorded


def figures(
    runtime: ServiceRuntime, indicator: str, on: date = YEAR_END, as_of: datetime = NOW
) -> IndicatorFigures:
    with runtime.engine.connect() as conn:
        definition = load_definitions(conn)[(indicator, 2023)]
        return compute(conn, definition, on, as_of)


def pairs(result: IndicatorFigures, *codes: str) -> dict[str, tuple[int, int]]:
    return {c: (result.figures[c].numerator, result.figures[c].denominator) for c in codes}


def test_i3_and_i4_from_religion_events(runtime: ServiceRuntime) -> None:
    apply(runtime, religion_2023(Events()))

    i3 = figures(runtime, "I3")
    assert pairs(i3, TIEN_LANG_TOWN, DAI_THANG, TIEN_LANG, QUAN_TOAN, HUNG_VUONG, HONG_BANG,
                 HAI_PHONG) == {
        TIEN_LANG_TOWN: (2, 3),  # S1 and S7; S2 withdrew its dossier
        DAI_THANG: (1, 1),  # S3: rejected, then resubmitted
        TIEN_LANG: (3, 4),
        QUAN_TOAN: (1, 2),  # S5 yes, S4 no dossier
        HUNG_VUONG: (0, 0),  # S6 closed: no longer a site using land
        HONG_BANG: (1, 2),
        HAI_PHONG: (4, 239),  # the plan's fixed denominator at the city
    }
    assert i3.figures[HAI_PHONG].status == "chua_dat"  # 1.67 % of a 40 % target, year over
    assert i3.figures[TIEN_LANG].status == "dat"  # 75 %
    assert i3.figures[HUNG_VUONG].status is None
    assert sorted(i.key for i in i3.evidence_under(TIEN_LANG) if i.counts) == ["S1", "S3", "S7"]

    i4 = figures(runtime, "I4")
    assert pairs(i4, TIEN_LANG_TOWN, QUAN_TOAN, HONG_BANG, HAI_PHONG) == {
        TIEN_LANG_TOWN: (0, 3),  # S7's certificate was revoked
        QUAN_TOAN: (1, 2),  # S5
        HONG_BANG: (1, 2),
        HAI_PHONG: (1, 239),
    }
    [s5] = [i for i in i4.evidence if i.counts]
    assert s5.key == "S5" and s5.detail["certificate_number"] == "GCN-01"

    # On 15/04/2023: S2 still had its dossier, S6 was open, S3 had not lodged yet.
    april = figures(runtime, "I3", on=date(2023, 4, 15))
    assert pairs(april, TIEN_LANG_TOWN, DAI_THANG, HUNG_VUONG, HONG_BANG, HAI_PHONG) == {
        TIEN_LANG_TOWN: (3, 3), DAI_THANG: (0, 1), HUNG_VUONG: (1, 1), HONG_BANG: (2, 3),
        HAI_PHONG: (5, 239),
    }
    # 2.1 % against a pace of 40 % x 105/365 = 11.5 %: behind, at risk.
    assert april.figures[HAI_PHONG].status == "co_nguy_co"
    assert figures(runtime, "I4", on=date(2023, 4, 15)).figures[HAI_PHONG].numerator == 0

    # As known on 01/01/2024, before S1's March lodging was recorded (February 2024).
    before = figures(runtime, "I3", as_of=datetime(2024, 1, 1, tzinfo=UTC))
    assert pairs(before, TIEN_LANG_TOWN, HAI_PHONG) == {TIEN_LANG_TOWN: (1, 3),
                                                         HAI_PHONG: (3, 239)}


def test_i2_from_dialogue_events(runtime: ServiceRuntime) -> None:
    apply(runtime, dialogue_2023(Events()))

    i2 = figures(runtime, "I2")
    # Each head's requirement by the rule of shared/dialoguerule.py over I2's window of 2023,
    # the year's data window 15/12/2022 -> 14/12/2023 (365 days; finding O14): once a year
    # everywhere since 27/01/2015, communes twice from 01/07/2023.
    assert pairs(i2, TIEN_LANG_TOWN, TIEN_LANG, QUAN_TOAN, HONG_BANG, HAI_PHONG) == {
        TIEN_LANG_TOWN: (2, 2),  # H1 held 3 (needed 1), H2 1 of 1
        TIEN_LANG: (3, 3),  # + H3, the district's own head, held 1 of 1
        QUAN_TOAN: (2, 2),  # H4 owed nothing for his 107 days; H5 held 1 of 1 (P5 cancelled)
        HONG_BANG: (2, 2),
        HAI_PHONG: (5, 6),  # + H6, the city's head, 0 of 1 (P6 is 2024's); H7 took office
    }                       # only in 2024
    assert i2.figures[TIEN_LANG].own_numerator == 1 and i2.figures[TIEN_LANG].own_denominator == 1
    heads = {i.key: i.detail for i in i2.evidence}
    # 1 a year until 30/06 then 2 a year: (17 + 181 + 2 x 167)/365 = 532/365 = 1.46 -> 1.
    assert heads["H1"]["required_sessions"] == 1 and heads["H1"]["sessions_held"] == 3
    assert heads["H2"]["required_sessions"] == 1 and heads["H2"]["sessions_held"] == 1
    assert heads["H4"]["required_sessions"] == 0  # 15/12-31/3, 107 days: 0.29 -> 0
    # 1/4-30/6 at 1 a year, 1/7-14/12 at 2: (91 + 2 x 167)/365 = 425/365 = 1.16 -> 1.
    assert heads["H5"]["required_sessions"] == 1
    assert heads["H5"]["sessions_held"] == 1
    assert heads["H3"]["required_sessions"] == 1  # district, all year at 1: 365/365 = 1
    assert heads["H6"]["required_sessions"] == 1  # province, the same
    assert heads["H6"]["sessions_held"] == 0  # P6 of 20/12/2023 is judged by 2024's I2
    # P7 of 20/12/2022 is in 2023's data window: the 2023 reports count it held, and judge it.
    assert [s["session_id"] for s in heads["H1"]["sessions"]] == ["P7", "P1", "P2"]
    assert "H7" not in heads
    assert i2.figures[HAI_PHONG].status == "chua_dat"  # 83.3 % of 100 %, the year is over

    # On 30/06 each head owes what the rule asks for their days in office in the window up to
    # that day (DOMAIN.md, I2), not the whole year's: at 1 a year everywhere until then,
    # 198/365 = 0.54 -> 1 for the heads in office since before 15/12/2022 (H1, H2, H3, H6),
    # 107 days (H4) and 91 days (H5) 0. All but H6 have held one: 5 of 6, at or above the
    # pace of 100 % x 181/365 (the share of the plan year from 1 January): not yet met.
    june = figures(runtime, "I2", on=date(2023, 6, 30))
    assert pairs(june, HAI_PHONG) == {HAI_PHONG: (5, 6)}
    assert june.figures[HAI_PHONG].status == "chua_dat"
    # On 14/09 (274 days of the window): a commune head in office all along owes
    # 1 x 198/365 + 2 x 76/365 = 350/365 = 0.96 -> 1, the district and city heads
    # 274/365 = 0.75 -> 1; H4 still 0, H5 1 x 91/365 + 2 x 76/365 = 243/365 = 0.67 -> 1.
    # Held by then: H1 3 (P7, P1, P2), H2 1, H3 1, H4 0, H5 0 (P4 is in October), H6 0:
    # 4 of 6 = 66.67 % against a pace of 100 % x 257/365 = 70.41 %: at risk.
    september = figures(runtime, "I2", on=date(2023, 9, 14))
    owed = {i.key: i.detail["required_sessions"] for i in september.evidence}
    assert owed == {"H1": 1, "H2": 1, "H3": 1, "H4": 0, "H5": 1, "H6": 1}
    assert pairs(september, HAI_PHONG) == {HAI_PHONG: (4, 6)}
    assert september.figures[HAI_PHONG].status == "co_nguy_co"

    # With no version of the rule in force nothing is owed (no default of 1 a year): without
    # the 2015 versions, a district head in office all 2023 owes 0, a commune head
    # 2 x 184/365 = 1.01 -> 1 from the July amendment alone.
    year_terms = [HeadTerm("X", TIEN_LANG, "party_secretary", "X", date(2020, 1, 1))]
    july_only = [RuleFact("commune", 2, date(2023, 7, 1))]
    assert required_sessions(year_terms, july_only, "district", date(2023, 1, 1), YEAR_END) == 0
    assert required_sessions(year_terms, july_only, "commune", date(2023, 1, 1), YEAR_END) == 1


def test_i1_from_the_model_register(runtime: ServiceRuntime) -> None:
    apply(runtime, models_2023(Events()))

    i1 = figures(runtime, "I1")
    assert pairs(i1, TIEN_LANG_TOWN, DAI_THANG, TIEN_LANG, QUAN_TOAN, HONG_BANG, HAI_PHONG) == {
        TIEN_LANG_TOWN: (1, 1),  # M1, exemplary new-style rural commune
        DAI_THANG: (0, 1),  # M3 is digital transformation: not a field of I1
        TIEN_LANG: (1, 21),  # M5 is the district's own model: communes are counted (2023: 21)
        QUAN_TOAN: (0, 1),  # M4 closed in November
        HONG_BANG: (0, 9),
        HAI_PHONG: (1, 217),  # the 217 communes of 2023, not the 167 of January 2025
    }
    evidence = {i.key: i.counts for i in i1.evidence_under(TIEN_LANG)}
    assert evidence == {"M1": True, "M2": False, "M3": False, "M5": False}

    june = figures(runtime, "I1", on=date(2023, 6, 30))
    assert pairs(june, HONG_BANG, HAI_PHONG) == {HONG_BANG: (1, 9), HAI_PHONG: (2, 217)}


def _status_rows(runtime: ServiceRuntime) -> list[tuple[str, str, str | None]]:
    return [(e["key"], e["status"], e["causation_id"]) for e in status_events_in(runtime)]


def test_status_changes_are_announced_once_and_replay_announces_nothing(
    runtime: ServiceRuntime,
) -> None:
    initial = _status_rows(runtime)  # from the definitions: every unit's first status
    assert {status for _, status, _ in initial} == {"chua_dat"}
    events = [*religion_2023(Events()), *dialogue_2023(Events()), *models_2023(Events())]
    apply(runtime, events)
    announced = _status_rows(runtime)
    assert len(announced) > len(initial), "status changes were announced"
    last: dict[str, str] = {}
    for key, status, _ in initial:
        last[key] = status
    for key, status, causation in announced[len(initial):]:
        assert last.get(key) != status, f"{key} announced {status} twice in a row"
        assert causation in {str(e.event_id) for e in events}
        last[key] = status
    for indicator in ("I1", "I2", "I3", "I4"):
        result = figures(runtime, indicator)
        for code, figure in result.figures.items():
            key = f"{indicator}-2023@{code}"
            if figure.status is not None:  # nothing to measure any more: nothing announced
                assert last.get(key) == figure.status, key

    before = {i: figures(runtime, i).figures for i in ("I1", "I2", "I3", "I4")}
    with runtime.engine.begin() as conn:
        for consumer in runtime.consumers:
            consumer.projection.reset(conn)
    apply(runtime, events)  # the replay of a rebuild
    assert _status_rows(runtime) == announced
    assert {i: figures(runtime, i).figures for i in ("I1", "I2", "I3", "I4")} == before


def test_a_2025_merge_leaves_the_2023_figures_and_the_restated_view_sums(
    runtime: ServiceRuntime,
) -> None:
    ev = Events()
    apply(runtime, [*religion_2023(ev), *dialogue_2023(ev), *models_2023(ev)])
    before = {i: figures(runtime, i) for i in ("I1", "I2", "I3", "I4")}
    restated_before = restated_view(before["I3"], date(2025, 8, 1))
    with runtime.engine.connect() as conn:
        announced = conn.execute(select(func.count()).select_from(events_table)).scalar_one()

    apply(runtime, after_the_2025_reform(ev))
    for indicator, result in before.items():
        after = figures(runtime, indicator)
        assert after.figures == result.figures, indicator
        assert after.evidence == result.evidence, indicator
    assert restated_view(figures(runtime, "I3"), date(2025, 8, 1)) == restated_before
    with runtime.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(events_table)).scalar_one()
    assert total == announced, "facts dated after 2023 move no 2023 status"

    view = restated_before
    units = {u["unit_code"]: (u["numerator"], u["denominator"]) for u in view["units"]}
    assert units[TIEN_LANG_TOWN] == (2, 3)  # Thị trấn Tiên Lãng carried to Xã Tiên Lãng
    assert view["units"][0]["unit_name"]  # named as of 2025
    assert DAI_THANG in view["not_carried"]["communes"]  # no succession record for it
    assert QUAN_TOAN in view["not_carried"]["communes"]
    own_total = sum(f.own_numerator for f in before["I3"].figures.values()), sum(
        f.own_denominator for c, f in before["I3"].figures.items() if c != HAI_PHONG
    )
    assert (view["sum"]["numerator"], view["sum"]["denominator"]) == own_total == (4, 6)

    i2 = restated_view(before["I2"], date(2025, 8, 1))
    # H3 (district) met the rule, H6 (city) did not over 2023's window.
    assert (i2["above_commune"]["numerator"], i2["above_commune"]["denominator"]) == (1, 2)
    assert (i2["sum"]["numerator"], i2["sum"]["denominator"]) == (5, 6)


def test_a_2025_figure_places_2023_facts_on_the_units_of_2025() -> None:
    tree = scope_tree((HAI_PHONG,), date(2025, 12, 31))
    assert len(tree.communes) == 114 and TIEN_LANG not in tree.units
    assert tree.place(TIEN_LANG_TOWN, date(2023, 1, 10)) == TIEN_LANG_TOWN
    assert tree.place(DAI_THANG, date(2023, 1, 12)) == HAI_PHONG  # no successor known
    assert tree.place(TIEN_LANG, date(2023, 1, 1)) == HAI_PHONG  # spread over communes
    assert tree.place(HONG_BANG_2025, date(2025, 8, 1)) == HONG_BANG_2025
    assert tree.place("01", date(2023, 1, 1)) is None  # Hà Nội: outside the scope


def test_a_commune_merged_away_without_a_known_successor_counts_in_its_district() -> None:
    """Xã Bạch Đằng (11788) of Tiên Lãng ended on 01/01/2025, its successor unrecorded: in a
    figure of March 2025 its sites belong to Tiên Lãng, still a district (reporting keeps them
    under it); they counted at the city, in no district, so the drill-down did not add up."""
    tree = scope_tree((HAI_PHONG,), date(2025, 3, 14))
    assert TIEN_LANG in tree.units and "11788" not in tree.units
    assert tree.place("11788", date(2023, 5, 1)) == TIEN_LANG
    # After the districts ended, where no district is left: the city, as before.
    assert scope_tree((HAI_PHONG,), date(2025, 12, 31)).place("11788",
                                                                date(2023, 5, 1)) == HAI_PHONG


def test_the_sweep_announces_what_the_passing_of_time_changed_once(
    runtime: ServiceRuntime,
) -> None:
    apply(runtime, religion_2023(Events()))
    x3 = replace(plan_2023_definitions()[2], indicator_id="X3")
    with runtime.uow(CommandContext(actor="test")) as uow:
        indicator = uow.load(Indicator, x3.key)
        indicator.define(x3, date(2023, 1, 1))
        uow.save(indicator)
        uow.commit()

    def x3_statuses() -> list[tuple[str, str]]:
        return [(key, status) for key, status, _ in _status_rows(runtime)
                if key.startswith("X3-2023@")]

    assert sweep_statuses(runtime, today=date(2023, 4, 15)) > 0
    april = dict(x3_statuses())
    assert april[f"X3-2023@{HAI_PHONG}"] == "co_nguy_co"  # 5/239 behind the pace
    assert april[f"X3-2023@{HONG_BANG}"] == "dat"  # 2 of 3 sites
    assert sweep_statuses(runtime, today=date(2023, 4, 15)) == 0, "nothing new: no repeat"

    sweep_statuses(runtime, today=date(2024, 1, 3))  # the year is over: final statuses
    final = dict(x3_statuses())
    assert final[f"X3-2023@{HAI_PHONG}"] == "chua_dat"
    assert final[f"X3-2023@{HONG_BANG}"] == "dat"  # 1 of 2 at year end: still 50 %
    assert len(x3_statuses()) == len(april) + 1 + 1  # the city and Đại Thắng (0/1 -> 1/1)
    assert sweep_statuses(runtime, today=date(2024, 1, 3)) == 0
    assert sweep_statuses(runtime, today=date(2024, 3, 1)) == 0  # past the grace: not swept


def test_a_heads_term_ends_with_its_unit(runtime: ServiceRuntime) -> None:
    """Huyện Tiên Lãng ceased on 01/07/2025 (two levels): its head, who never left, is in
    office until 30/06/2025 and not after, as the dialogue service and reporting count it.
    Thị trấn Tiên Lãng's code lives on in the new Xã Tiên Lãng, which the catalogue records
    as merged that day: its old head's term ends on 30/06/2025 too, the new head counts."""
    ev = Events()
    apply(runtime, [
        ev.rule("district", 2, date(2015, 1, 27)), ev.rule("commune", 2, date(2015, 1, 27)),
        ev.head("HD", TIEN_LANG, date(2023, 1, 1)),
        ev.head("HC", TIEN_LANG_TOWN, date(2023, 1, 1)),
        ev.head("HN", TIEN_LANG_TOWN, date(2025, 7, 1)),
        ev.session("SD", TIEN_LANG, ["HD"], date(2025, 3, 1)),
    ])
    with runtime.engine.connect() as conn:
        base = load_definitions(conn)[("I2", 2023)]

        def heads_in(year: int, on: date) -> dict[str, dict[str, object]]:
            definition = replace(base, year=year, period_start=date(year, 1, 1),
                                 period_end=date(year, 12, 31))
            return {i.key: i.detail for i in compute(conn, definition, on, NOW).evidence}

        # 1/1-30/6/2025, 181 days at 2 a year: 362/365 = 0.99 -> 1, held; counted to the
        # cut-off instead, 2 x 348/365 = 1.91 -> 2 and the head would fall short.
        year_2025 = heads_in(2025, date(2025, 12, 14))
        assert year_2025["HD"]["required_sessions"] == 1
        assert year_2025["HD"]["sessions_held"] == 1
        assert set(heads_in(2026, date(2026, 6, 14))) == {"HN"}


def test_a_units_status_is_judged_once_per_counts_and_anew_when_they_move(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The live evaluation asks the status of every unit each event moves: counts met before
    are not judged again, counts that moved are."""
    definition = next(d for d in plan_2023_definitions() if d.method == "sites_with_dossier")
    judged: list[tuple[int, int]] = []
    original = figures_module._status

    def counting(rule: Any, numerator: int, denominator: int, on: date, due: bool) -> Any:
        judged.append((numerator, denominator))
        return original(rule, numerator, denominator, on, due)

    monkeypatch.setattr(figures_module, "_status", counting)
    tree = SimpleNamespace(on=date(2023, 6, 30), roots=("31",))
    sums = {"31": [9, 20, 0], "11755": [1, 4, 0], "11758": [1, 4, 0]}
    status = unit_statuses(definition, tree, sums)  # type: ignore[arg-type]
    assert status("11755") == status("11758") == original(
        figures_module._rule(definition), 1, 4, tree.on, True)
    sums["11755"][0] = 3  # a dossier lodged twice there since
    assert status("11755") == original(figures_module._rule(definition), 3, 4, tree.on, True)
    assert judged == [(1, 4), (3, 4)]
