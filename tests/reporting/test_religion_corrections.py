"""Corrections of religion facts in the reports (G18): a `<Fact>Corrected` counts in place of
the fact it names, from its recording time on, so every figure is as if the right fact had
been recorded; a report "as of" an earlier moment, and a finalised report, stay what they
were. The chunk figures, the facts and a replay agree, whether a correction arrives with its
fact or later."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.reporting.domain.periods import period_id
from shared.envelope import EventEnvelope
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting, figure_values
from tests.reporting.scenario import Events, recorded_after, two_quarter_scenario
from tests.reporting.test_chunk_figures import PERIODS, _chunk_rows, _same_both_ways

# Every correction is recorded on 10/01/2024, after every fact of the scenario.
CORRECTED_AT = recorded_after(date(2024, 1, 10))
FIGURES = ("sites", "sites_with_dossier", "dossiers_lodged", "dossiers_rejected_or_withdrawn",
           "certificates_issued", "sites_with_certificate")


def _original(events: Events, event_type: str, subject: str) -> EventEnvelope:
    return next(e for e in events.items if e.event_type == event_type
                and e.aggregate_id == subject)


def correct(events: Events, current: EventEnvelope, on: date | None, *,
            void: bool = False, **values: Any) -> EventEnvelope:
    """A correction of `current` (the fact as it stands: the original or its last correction)
    as the religion service records it: the whole fact as it should have been."""
    kind = {"site": "SiteRegisteredCorrected", "dossier": "DossierStepCorrected",
            "certificate": "CertificateIssuedCorrected"}[current.aggregate_type]
    payload = {**current.payload, **values, "corrects": str(current.event_id),
               "corrected_version": current.aggregate_version, "reason": "Gõ nhầm", "void": void}
    if kind == "DossierStepCorrected" and "corrected_type" not in payload:
        payload["corrected_type"] = current.event_type
    day = on or current.occurred_at.date()
    return events.add("religion", current.aggregate_type, current.aggregate_id, kind, day,
                      payload, current.unit_code, CORRECTED_AT)


def corrections(events: Events) -> list[EventEnvelope]:
    """S2's lodging of 20/03 was on 05/03 (corrected twice: a chain), S4 was registered on
    01/03 (not 20/04), S3's withdrawal never happened, S1's certificate was issued on 01/07."""
    start = len(events.items)
    lodged = correct(events, _original(events, "LandDossierLodged", "S2"), date(2023, 3, 1))
    correct(events, lodged, date(2023, 3, 5))
    correct(events, _original(events, "SiteRegistered", "S4"), date(2023, 3, 1),
            registered_on="2023-03-01")
    correct(events, _original(events, "DossierWithdrawn", "S3"), None, void=True)
    correct(events, _original(events, "CertificateIssued", "S1"), date(2023, 7, 1),
            issued_on="2023-07-01", certificate_number="CS 01243")
    return events.items[start:]


def _figures(reporting: Reporting, pid: str, **params: str) -> dict[str, int]:
    view = reporting.client.get(f"/api/v1/reports/{pid}", params=params)
    assert view.status_code == 200, view.text
    values = figure_values(view.json())
    return {key: values[key] for key in FIGURES}


# The figures of FIGURES (flows from 15/12/2022 to each cut-off, Decree 09/2019).
AS_RECORDED = {
    "2023-3m": (3, 2, 2, 0, 0, 0), "2023-6m": (4, 2, 3, 1, 1, 1), "2023-9m": (4, 2, 3, 1, 1, 1)}
AS_CORRECTED = {
    "2023-3m": (4, 3, 3, 0, 0, 0), "2023-6m": (4, 3, 3, 0, 0, 0), "2023-9m": (4, 3, 3, 0, 1, 1)}


def _all(reporting: Reporting, **params: str) -> dict[str, tuple[int, ...]]:
    return {pid: tuple(_figures(reporting, pid, **params).values()) for pid in AS_RECORDED}


@pytest.mark.parametrize("arrival", ["later", "with_the_facts"])
def test_figures_count_the_corrected_facts_both_ways_and_after_a_replay(
    reporting: Reporting, arrival: str,
) -> None:
    scenario = two_quarter_scenario()
    fixes = corrections(scenario)
    if arrival == "later":  # live: the corrected facts are stored, then corrected
        reporting.publish([e for e in scenario.items if e not in fixes])
        assert _all(reporting) == AS_RECORDED
        reporting.publish(fixes)
    else:  # in one batch, each correction after its fact (as a replay brings them)
        reporting.publish(scenario.items)
    assert _all(reporting) == AS_CORRECTED
    periods = [*PERIODS, period_id(2023, 9)]
    _same_both_ways(reporting, periods, ("31",))
    _same_both_ways(reporting, [period_id(2023, 6)], ("VN",))
    # As of a moment before the corrections were recorded: what was known then.
    before = recorded_after(date(2024, 1, 5)).isoformat()
    assert _all(reporting, as_of=before) == AS_RECORDED

    live = _chunk_rows(reporting)
    rebuild_and_wait(reporting.client)
    assert _chunk_rows(reporting) == live
    assert _all(reporting) == AS_CORRECTED
    assert _all(reporting, as_of=before) == AS_RECORDED


def test_a_finalised_report_keeps_the_figures_it_was_signed_with(reporting: Reporting) -> None:
    scenario = two_quarter_scenario()
    fixes = corrections(scenario)
    reporting.publish([e for e in scenario.items if e not in fixes])
    finalised = reporting.client.post(
        "/api/v1/reports/2023-6m/finalise", json={"scope": "31"}, headers={"x-actor": "vp"})
    assert finalised.status_code == 201, finalised.text
    reporting.publish(fixes)

    shown = reporting.client.get("/api/v1/reports/2023-6m").json()
    assert shown["content_hash"] == finalised.json()["content_hash"]
    values = figure_values(shown)
    assert tuple(values[key] for key in FIGURES) == AS_RECORDED["2023-6m"]
    # What changed since it was signed is listed beside it, not written into it.
    changed = {(d["unit_code"], d["figure"]) for d in shown["differences"]}
    assert {("31", "sites_with_certificate"), ("31", "sites_with_dossier")} <= changed
