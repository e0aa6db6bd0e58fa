"""Corrections in reports (G18): a `SessionHeldCorrected` counts as if the right holding had
been recorded (sessions held per chunk and period, I2's heads), from the facts and from the
chunk figures alike and after a rebuild; a report as of before it, and a finalised report,
do not change."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.reporting.application import projections
from services.reporting.application.figures import compute_fresh, compute_from_chunks
from services.reporting.application.projections import FactRule
from services.reporting.application.reports import load_period
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import (
    DAI_THANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    two_quarter_scenario,
)

D = date


def _figures(reporting: Reporting, period: str, **params: str) -> dict[str, int]:
    response = reporting.client.get(f"/api/v1/reports/{period}", params=params)
    assert response.status_code == 200, response.text
    return figure_values(response.json())


def _i2(figures: dict[str, Any]) -> tuple[int, int, int]:
    return figures["sessions_held"], figures["heads_in_office"], figures["heads_meeting_rule"]


def test_a_corrected_holding_counts_where_it_really_was(reporting: Reporting) -> None:
    scenario = two_quarter_scenario()
    reporting.feed(scenario)
    # Tiên Lãng's secretary H1 held SES2 (05/05) and SES3 (10/06): by 14/06 the district's
    # two a year owe one; H2 (SES1, 20/02) and H3 owe less than a half (nothing yet).
    assert _i2(_figures(reporting, "2023-6m")) == (3, 3, 3)
    assert _figures(reporting, "2023-9m")["sessions_held"] == 3
    finalised = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    before = utcnow().isoformat()

    # SES3 was held on 20/06 (after the 6-month cut-off), and SES2 never took place.
    moved = two_quarter_scenario()
    moved.items.clear()
    moved.held_corrected("SES3", TIEN_LANG, (D(2023, 6, 10), ["H1"]), (D(2023, 6, 20), ["H1"]),
                         utcnow())
    moved.held_corrected("SES2", TIEN_LANG, (D(2023, 5, 5), ["H1"]), None, utcnow())
    reporting.publish(moved.items)

    now = utcnow().isoformat()
    # H1 held nothing by 14/06: no longer meets the rule; one session left in the period.
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (1, 3, 2)
    # SES3 counts in the 9-month period still, SES2 nowhere.
    assert _figures(reporting, "2023-9m")["sessions_held"] == 2
    # As known before the corrections, and as finalised: unchanged.
    assert _i2(_figures(reporting, "2023-6m", as_of=before)) == (3, 3, 3)
    signed = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert signed["content_hash"] == finalised.json()["content_hash"]
    assert _i2(figure_values(signed)) == (3, 3, 3)

    # The chunk figures and the facts agree, and so does a rebuild.
    runtime = reporting.runtime
    with runtime.engine.connect() as conn:
        for pid in ("2023-6m", "2023-9m"):
            at = utcnow()
            period = load_period(conn, runtime.store, pid, at)
            fast = compute_from_chunks(reporting.state, conn, period, "31", at)
            slow = compute_fresh(conn, period, "31", at)
            assert fast.content() == slow.content(), pid
    rebuild_and_wait(reporting.client)
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (1, 3, 2)
    assert _figures(reporting, "2023-9m")["sessions_held"] == 2


def test_a_holding_corrected_back_and_forth_counts_once(reporting: Reporting) -> None:
    """Held again after being un-held, then moved back: one session, at its last day."""
    scenario = two_quarter_scenario()
    reporting.feed(scenario)
    later = two_quarter_scenario()
    later.items.clear()
    later.held_corrected("SES3", TIEN_LANG, (D(2023, 6, 10), ["H1"]), (D(2023, 7, 1), ["H1"]),
                         utcnow())
    later.held_corrected("SES3", TIEN_LANG, (D(2023, 7, 1), ["H1"]), (D(2023, 6, 10), ["H1"]),
                         utcnow())
    reporting.publish(later.items)
    assert _i2(_figures(reporting, "2023-6m")) == (3, 3, 3)
    assert _figures(reporting, "2023-9m")["sessions_held"] == 3


def test_a_corrected_from_date_puts_the_head_in_office_on_the_right_days(
    reporting: Reporting,
) -> None:
    reporting.feed(two_quarter_scenario())
    assert _i2(_figures(reporting, "2023-6m")) == (3, 3, 3)
    before = utcnow().isoformat()
    # H3 (Quán Toan) took office on 01/07/2023, not on 01/01/2022: not in office by 14/06.
    late = two_quarter_scenario()
    late.items.clear()
    late.took_office_corrected("H3", QUAN_TOAN, "party_secretary", D(2022, 1, 1),
                               D(2023, 7, 1), utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (3, 2, 2)
    assert _i2(_figures(reporting, "2023-9m"))[1] == 3
    assert _i2(_figures(reporting, "2023-6m", as_of=before)) == (3, 3, 3)
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, reporting.runtime.store, "2023-6m", at)
        assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
            compute_fresh(conn, period, "31", at).content())
    rebuild_and_wait(reporting.client)
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (3, 2, 2)


def test_a_corrected_leaving_keeps_the_head_in_office_to_the_right_day(
    reporting: Reporting,
) -> None:
    """Finding L2: a `HeadLeftOfficeCorrected` counts as if the right leaving had been
    recorded, from the facts and the chunks and after a rebuild; a report as of before it
    and a signed one keep their figures, the signed one listing the change."""
    scenario = two_quarter_scenario()
    # H3 (Quán Toan) recorded as leaving on 14/12/2022: not in office in 2023's window
    # (15/12/2022 -> cut-off).
    scenario.left_office("H3", QUAN_TOAN, "party_secretary", D(2022, 12, 14))
    reporting.feed(scenario)
    assert _i2(_figures(reporting, "2023-6m")) == (3, 2, 2)
    finalised = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={"scope": "31"})
    assert finalised.status_code == 201, finalised.text
    before = utcnow().isoformat()
    # H3 left on 30/06/2023: in office through the 6-month cut-off, owing nothing yet.
    late = two_quarter_scenario()
    late.items.clear()
    late.left_office_corrected("H3", QUAN_TOAN, "party_secretary", D(2022, 12, 14),
                               D(2023, 6, 30), utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (3, 3, 3)
    assert _i2(_figures(reporting, "2023-6m", as_of=before)) == (3, 2, 2)
    signed = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert signed["content_hash"] == finalised.json()["content_hash"]
    assert _i2(figure_values(signed)) == (3, 2, 2)
    assert {(d["unit_code"], d["figure"], d["frozen"], d["current"])
            for d in signed["differences"] if d["unit_code"] == QUAN_TOAN} >= {
        (QUAN_TOAN, "heads_in_office", 0, 1)}
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, reporting.runtime.store, "2023-6m", at)
        assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
            compute_fresh(conn, period, "31", at).content())
    rebuild_and_wait(reporting.client)
    assert _i2(_figures(reporting, "2023-6m", as_of=now)) == (3, 3, 3)


def test_a_model_registered_in_the_wrong_commune_counts_in_the_right_one(
    reporting: Reporting,
) -> None:
    scenario = two_quarter_scenario()
    reporting.feed(scenario)
    registered = next(e for e in scenario.items if e.event_type == "ModelRegistered"
                      and e.payload["model_id"] == "M1")

    def models(**params: str) -> dict[str, int]:
        view = reporting.client.get("/api/v1/reports/2023-6m/units",
                                    params=params)
        assert view.status_code == 200, view.text
        communes = (TIEN_LANG_TOWN, DAI_THANG)
        return {u["code"]: u["figures"]["models_active"] for u in view.json()["units"]
                if u["code"] in communes and u["figures"].get("models_active")}

    assert models() == {TIEN_LANG_TOWN: 1}
    before = utcnow().isoformat()
    # M1 (new-style rural, 15/01/2023) is Đại Thắng's.
    late = two_quarter_scenario()
    late.items.clear()
    late.add("indicators", "model", "M1", "ModelRegisteredCorrected", D(2023, 1, 15), {
        **registered.payload, "unit_code": DAI_THANG, "corrects": str(registered.event_id),
        "corrected_version": 1, "reason": "Nhập nhầm xã", "void": False,
        "previous_unit_code": TIEN_LANG_TOWN, "previous_started_on": "2023-01-15"},
        DAI_THANG, utcnow())
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert models(as_of=now) == {DAI_THANG: 1}
    assert models(as_of=before) == {TIEN_LANG_TOWN: 1}
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, reporting.runtime.store, "2023-6m", at)
        assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
            compute_fresh(conn, period, "31", at).content())
    rebuild_and_wait(reporting.client)
    assert models(as_of=now) == {DAI_THANG: 1}


def test_a_models_recognitions_follow_the_correction_of_its_commune(
    reporting: Reporting,
) -> None:
    """A recognition recorded while the model stood in the wrong commune counts, once the
    registration is corrected, in the right one (it counted in the commune first recorded,
    while the model itself moved): live, from the chunk figures and the facts alike, after a
    rebuild (the whole store in one batch); as of before the correction, where it was."""
    scenario = two_quarter_scenario()
    registered = next(e for e in scenario.items if e.event_type == "ModelRegistered"
                      and e.payload["model_id"] == "M1")
    scenario.add("indicators", "model", "M1", "ModelRecognised", D(2023, 4, 1), {
        "model_id": "M1", "recognition_level": "city", "recognised_on": "2023-04-01"},
        TIEN_LANG_TOWN)
    reporting.feed(scenario)

    def models(**params: str) -> dict[str, dict[str, int]]:
        view = reporting.client.get("/api/v1/reports/2023-6m/units", params=params)
        assert view.status_code == 200, view.text
        return {u["code"]: {name: u["figures"][name] for name in
                            ("models_registered", "models_recognised")
                            if u["figures"].get(name)}
                for u in view.json()["units"] if u["code"] in (TIEN_LANG_TOWN, DAI_THANG)}

    both = {"models_registered": 1, "models_recognised": 1}
    assert models() == {TIEN_LANG_TOWN: both, DAI_THANG: {}}
    before = utcnow().isoformat()
    late = two_quarter_scenario()
    late.items.clear()
    late.versions[("indicators", "model", "M1")] = 2
    late.add("indicators", "model", "M1", "ModelRegisteredCorrected", D(2023, 1, 15), {
        **registered.payload, "unit_code": DAI_THANG, "corrects": str(registered.event_id),
        "corrected_version": 1, "reason": "Nhập nhầm xã", "void": False,
        "previous_unit_code": TIEN_LANG_TOWN, "previous_started_on": "2023-01-15"},
        DAI_THANG, utcnow())
    # The correction's row, and the recognition's row in the right commune.
    reporting.published["indicators"] += 1
    reporting.publish(late.items)
    now = utcnow().isoformat()
    assert models(as_of=now) == {TIEN_LANG_TOWN: {}, DAI_THANG: both}
    assert models(as_of=before) == {TIEN_LANG_TOWN: both, DAI_THANG: {}}
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, reporting.runtime.store, "2023-6m", at)
        assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
            compute_fresh(conn, period, "31", at).content())
    rebuild_and_wait(reporting.client)
    assert models(as_of=now) == {TIEN_LANG_TOWN: {}, DAI_THANG: both}
    assert models(as_of=before) == {TIEN_LANG_TOWN: both, DAI_THANG: {}}


def test_a_models_contest_entries_follow_the_correction_of_its_commune(
    reporting: Reporting,
) -> None:
    """A contest entry submitted while the model stood in the wrong commune counts, once the
    registration is corrected, in the right one, as the model's recognitions do (it stayed
    in the commune of the submission): live, from the chunk figures and the facts alike,
    after a rebuild (the whole store in one batch); as of before the correction, where it
    was. A second correction takes it on again."""
    scenario = two_quarter_scenario()
    registered = next(e for e in scenario.items if e.event_type == "ModelRegistered"
                      and e.payload["model_id"] == "M1")
    scenario.add("indicators", "contest", "E-M1", "ContestEntrySubmitted", D(2023, 4, 1), {
        "entry_id": "E-M1", "model_id": "M1", "contest_year": 2023, "title": "Bài dự thi",
        "unit_code": TIEN_LANG_TOWN, "submitted_on": "2023-04-01", "author": ""},
        TIEN_LANG_TOWN)
    reporting.feed(scenario)

    def entries(**params: str) -> dict[str, int]:
        view = reporting.client.get("/api/v1/reports/2023-6m/units", params=params)
        assert view.status_code == 200, view.text
        return {u["code"]: u["figures"].get("contest_entries", 0) for u in view.json()["units"]
                if u["code"] in (TIEN_LANG_TOWN, DAI_THANG, QUAN_TOAN)}

    assert entries() == {TIEN_LANG_TOWN: 1, DAI_THANG: 0, QUAN_TOAN: 0}
    before = utcnow().isoformat()

    def correct(corrects: Any, previous: str, unit: str) -> Any:
        late = two_quarter_scenario()
        late.items.clear()
        late.versions[("indicators", "model", "M1")] = corrects.aggregate_version
        made = late.add("indicators", "model", "M1", "ModelRegisteredCorrected",
                        D(2023, 1, 15), {
            **registered.payload, "unit_code": unit, "corrects": str(corrects.event_id),
            "corrected_version": corrects.aggregate_version, "reason": "Nhập nhầm xã",
            "void": False, "previous_unit_code": previous,
            "previous_started_on": "2023-01-15"}, unit, utcnow())
        # The correction's row, and the entry's row in the right commune.
        reporting.published["indicators"] += 1
        reporting.publish(late.items)
        return made

    first = correct(registered, TIEN_LANG_TOWN, DAI_THANG)
    now = utcnow().isoformat()
    assert entries(as_of=now) == {TIEN_LANG_TOWN: 0, DAI_THANG: 1, QUAN_TOAN: 0}
    assert entries(as_of=before) == {TIEN_LANG_TOWN: 1, DAI_THANG: 0, QUAN_TOAN: 0}
    with reporting.runtime.engine.connect() as conn:
        at = utcnow()
        period = load_period(conn, reporting.runtime.store, "2023-6m", at)
        assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
            compute_fresh(conn, period, "31", at).content())
    rebuild_and_wait(reporting.client)
    assert entries(as_of=now) == {TIEN_LANG_TOWN: 0, DAI_THANG: 1, QUAN_TOAN: 0}
    assert entries(as_of=before) == {TIEN_LANG_TOWN: 1, DAI_THANG: 0, QUAN_TOAN: 0}
    correct(first, DAI_THANG, QUAN_TOAN)
    assert entries() == {TIEN_LANG_TOWN: 0, DAI_THANG: 0, QUAN_TOAN: 1}
    assert entries(as_of=now) == {TIEN_LANG_TOWN: 0, DAI_THANG: 1, QUAN_TOAN: 0}
    rebuild_and_wait(reporting.client)
    assert entries() == {TIEN_LANG_TOWN: 0, DAI_THANG: 0, QUAN_TOAN: 1}
    assert entries(as_of=before) == {TIEN_LANG_TOWN: 1, DAI_THANG: 0, QUAN_TOAN: 0}


def test_a_models_recognition_follows_every_later_correction_once(
    reporting: Reporting,
) -> None:
    """A recognition restated in the right commune by a registration correction (Đại
    Thắng) is restated again, not counted twice, when a later correction puts the model
    back in Tiên Lãng's town: per commune and in the district, once, as known at every
    moment (before the first correction, between them, after the second), from the chunk
    figures and the facts alike, live and replayed in one batch (a rebuild)."""
    scenario = two_quarter_scenario()
    registered = next(e for e in scenario.items if e.event_type == "ModelRegistered"
                      and e.payload["model_id"] == "M1")
    scenario.add("indicators", "model", "M1", "ModelRecognised", D(2023, 4, 1), {
        "model_id": "M1", "recognition_level": "city", "recognised_on": "2023-04-01"},
        TIEN_LANG_TOWN)
    reporting.feed(scenario)

    def recognised(**params: str) -> dict[str, int]:
        view = reporting.client.get("/api/v1/reports/2023-6m/units", params=params)
        assert view.status_code == 200, view.text
        return {u["code"]: u["figures"]["models_recognised"] for u in view.json()["units"]
                if u["code"] in (TIEN_LANG, TIEN_LANG_TOWN, DAI_THANG)}

    in_town = {TIEN_LANG: 1, TIEN_LANG_TOWN: 1, DAI_THANG: 0}
    in_dai_thang = {TIEN_LANG: 1, TIEN_LANG_TOWN: 0, DAI_THANG: 1}
    assert recognised() == in_town
    moments = [utcnow().isoformat()]
    late = two_quarter_scenario()
    late.items.clear()
    late.versions[("indicators", "model", "M1")] = 2
    corrects, previous = registered, TIEN_LANG_TOWN
    for unit in (DAI_THANG, TIEN_LANG_TOWN):
        correction = late.add(
            "indicators", "model", "M1", "ModelRegisteredCorrected", D(2023, 1, 15), {
                **registered.payload, "unit_code": unit, "corrects": str(corrects.event_id),
                "corrected_version": corrects.aggregate_version, "reason": "Nhập nhầm xã",
                "void": False, "previous_unit_code": previous,
                "previous_started_on": "2023-01-15"}, unit, utcnow())
        reporting.publish([correction])
        moments.append(utcnow().isoformat())
        corrects, previous = correction, unit
    # Each correction's row, and the recognition's row where it puts the model.
    reporting.published["indicators"] += 2

    def every_moment() -> None:
        for moment, expected in zip(moments, (in_town, in_dai_thang, in_town), strict=True):
            assert recognised(as_of=moment) == expected, moment
        with reporting.runtime.engine.connect() as conn:
            at = utcnow()
            period = load_period(conn, reporting.runtime.store, "2023-6m", at)
            assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
                compute_fresh(conn, period, "31", at).content())

    every_moment()
    rebuild_and_wait(reporting.client)
    every_moment()


@pytest.fixture
def recognition_corrections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reporting reading a correction of a model's recognition by the rule every correction
    has (a row of the corrected fact's kind in its place): no service writes one yet (the
    indicators service corrects a registration only), so the test gives the projection that
    rule before the service starts."""
    monkeypatch.setitem(projections._INDICATORS_RULES, "ModelRecognisedCorrected", FactRule(
        "model", "model_id", projections._model_recognised,
        projections._as_kind("ModelRecognised")))


@pytest.mark.parametrize("void", [False, True])
def test_a_correction_of_a_recognition_that_followed_its_model_replaces_its_restatement(
    recognition_corrections: None, reporting: Reporting, void: bool,
) -> None:
    """A recognition restated in Đại Thắng by the correction of its model's commune, then
    itself corrected (re-dated 02/05) or voided: it counts once in Đại Thắng (not also as
    the correction's own row) or nowhere, as known at every moment, from the chunk figures
    and the facts alike, live and replayed in one batch (a rebuild)."""
    scenario = two_quarter_scenario()
    registered = next(e for e in scenario.items if e.event_type == "ModelRegistered"
                      and e.payload["model_id"] == "M1")
    recognition = scenario.add(
        "indicators", "model", "M1", "ModelRecognised", D(2023, 4, 1), {
            "model_id": "M1", "recognition_level": "city", "recognised_on": "2023-04-01"},
        TIEN_LANG_TOWN)
    reporting.feed(scenario)

    def recognised(**params: str) -> dict[str, int]:
        view = reporting.client.get("/api/v1/reports/2023-6m/units", params=params)
        assert view.status_code == 200, view.text
        return {u["code"]: u["figures"]["models_recognised"] for u in view.json()["units"]
                if u["code"] in (TIEN_LANG, TIEN_LANG_TOWN, DAI_THANG)}

    moments = [utcnow().isoformat()]
    late = two_quarter_scenario()
    late.items.clear()
    late.versions[("indicators", "model", "M1")] = 2
    late.add("indicators", "model", "M1", "ModelRegisteredCorrected", D(2023, 1, 15), {
        **registered.payload, "unit_code": DAI_THANG, "corrects": str(registered.event_id),
        "corrected_version": 1, "reason": "Nhập nhầm xã", "void": False,
        "previous_unit_code": TIEN_LANG_TOWN, "previous_started_on": "2023-01-15"},
        DAI_THANG, utcnow())
    reporting.publish(late.items[-1:])
    moments.append(utcnow().isoformat())
    late.add("indicators", "model", "M1", "ModelRecognisedCorrected", D(2023, 5, 2), {
        **recognition.payload, "recognised_on": "2023-05-02",
        "corrects": str(recognition.event_id), "corrected_version": 2, "reason": "Gõ nhầm",
        "void": void}, DAI_THANG, utcnow())
    reporting.publish(late.items[-1:])
    moments.append(utcnow().isoformat())
    # The first correction's recognition restated in Đại Thắng.
    reporting.published["indicators"] += 1

    expected = (
        {TIEN_LANG: 1, TIEN_LANG_TOWN: 1, DAI_THANG: 0},
        {TIEN_LANG: 1, TIEN_LANG_TOWN: 0, DAI_THANG: 1},
        {TIEN_LANG: 0 if void else 1, TIEN_LANG_TOWN: 0, DAI_THANG: 0 if void else 1},
    )

    def every_moment() -> None:
        for moment, counted in zip(moments, expected, strict=True):
            assert recognised(as_of=moment) == counted, moment
        with reporting.runtime.engine.connect() as conn:
            at = utcnow()
            period = load_period(conn, reporting.runtime.store, "2023-6m", at)
            assert compute_from_chunks(reporting.state, conn, period, "31", at).content() == (
                compute_fresh(conn, period, "31", at).content())

    every_moment()
    rebuild_and_wait(reporting.client)
    every_moment()
