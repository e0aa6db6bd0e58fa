"""A report signed "as of" a past moment (finding N13). The system replaces spreadsheets, so a
past period's facts are typed in now: signed as of its conference day, as the README's example
did, the report froze zeros for good. A past `as_of` is refused 422 when nothing of the period
was known by then, and 409 when facts recorded since would stand in its `differences` from the
start, unless the caller acknowledges them; a past `as_of` that sees what now sees, and a
signing as of now, are signed as before. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, date, datetime
from typing import Any

from docx import Document
from sqlalchemy import func, select

from services.reporting.adapters.tables import unit_successions
from services.reporting.domain.events import ReportFinalised, registry
from shared.envelope import utcnow
from shared.eventstore import events_table
from tests.integration.helpers import event_count, publish, wait_until
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import QUAN_TOAN, TIEN_LANG_TOWN, Events, two_quarter_scenario

FINALISE = "/api/v1/reports/2023-6m/finalise"
REPORT = "/api/v1/reports/2023-6m"
#: The README's former example: the 6-month conference of 2023, after its cut-off (14/06).
CONFERENCE = "2023-06-20T10:00:00+07:00"
#: When the late facts below were typed in: long after the conference, to the microsecond,
#: so that a refusal's moment is rounded up to the second that sees them.
TYPED_IN = datetime(2025, 3, 4, 2, 30, 15, 250000, tzinfo=UTC)


def _typed_in_later(reporting: Reporting) -> None:
    """The examiner's reproduction: a site of 05/01/2023 and its lodging of 01/02/2023, both
    typed in long after 2023-6m's conference (the dossier a minute after the site)."""
    e = Events()
    e.site("TL-A", TIEN_LANG_TOWN, date(2023, 1, 5), recorded=TYPED_IN)
    e.dossier("LandDossierLodged", "TL-A", TIEN_LANG_TOWN, date(2023, 2, 1), "lodged",
              recorded=TYPED_IN.replace(minute=31))
    reporting.feed(e)


def _late_certificate(reporting: Reporting) -> None:
    """The two quarters, typed in day by day, and a certificate of 01/03/2023 typed in long
    after the conference: the 6-month report as of the conference lacks it."""
    reporting.feed(two_quarter_scenario())
    late = Events()
    late.certificate("S3", QUAN_TOAN, date(2023, 3, 1), "CS 09999", recorded=TYPED_IN)
    reporting.publish(late.items)


def _refused(reporting: Reporting, body: dict[str, Any], status: int, code: str
             ) -> dict[str, Any]:
    written = event_count(reporting.client)
    refused = reporting.client.post(FINALISE, json=body)
    assert refused.status_code == status, refused.text
    error: dict[str, Any] = refused.json()["error"]
    assert error["code"] == code, error
    assert not error["message"].isascii(), "a Vietnamese message"
    assert event_count(reporting.client) == written, "nothing written"
    return error


def test_a_past_as_of_before_any_fact_of_the_period_was_recorded_is_refused(
    reporting: Reporting,
) -> None:
    """The examiner's reproduction: 422 AS_OF_BEFORE_FIRST_FACTS, naming the first moment that
    sees a fact of the period, acknowledged or not (a report of zeros is no report); that
    moment is accepted, and the report is not signed meanwhile."""
    _typed_in_later(reporting)
    for acknowledged in (False, True):
        error = _refused(reporting, {"scope": "31", "as_of": CONFERENCE,
                                     "acknowledge_later_facts": acknowledged},
                         422, "AS_OF_BEFORE_FIRST_FACTS")
        # The details in the API's one form of a moment (UTC), the message in Vietnam's time.
        assert error["details"]["first_as_of"] == "2025-03-04T02:30:16+00:00", error
        assert error["details"]["as_of"] == "2023-06-20T03:00:00+00:00", error
        assert "09:30:16 ngày 04/03/2025" in error["message"], error["message"]
        assert "15/12/2022" in error["message"] and "14/06/2023" in error["message"]
    assert reporting.client.get(REPORT).json()["finalised"] is None
    # As of that moment the site is known, the lodging typed in a minute later is not.
    refused = _refused(reporting, {"scope": "31", "as_of": error["details"]["first_as_of"]},
                       409, "LATER_FACTS_NOT_ACKNOWLEDGED")
    assert refused["details"]["first_as_of"] == "2025-03-04T02:31:16+00:00", refused
    assert refused["details"]["as_of"] == "2025-03-04T02:30:16+00:00", refused


def test_a_past_as_of_whose_figures_later_facts_change_needs_their_acknowledgement(
    reporting: Reporting,
) -> None:
    """409 LATER_FACTS_NOT_ACKNOWLEDGED with the number of figures that would differ and the
    first moment that sees the late facts; with `acknowledge_later_facts` the report is signed
    as of the conference, born with exactly those differences."""
    _late_certificate(reporting)
    error = _refused(reporting, {"scope": "31", "as_of": CONFERENCE},
                     409, "LATER_FACTS_NOT_ACKNOWLEDGED")
    details = error["details"]
    # Both moments in the form the API answers `as_of` in (the 201 below): UTC.
    assert details["first_as_of"] == "2025-03-04T02:30:16+00:00", details
    assert details["as_of"] == "2023-06-20T03:00:00+00:00", details
    assert details["acknowledge_field"] == "acknowledge_later_facts"
    count = details["figures_differing"]
    assert count > 0 and f" {count} số liệu" in error["message"], error["message"]
    assert "09:30:16 ngày 04/03/2025" in error["message"]
    signed = reporting.client.post(FINALISE, json={
        "scope": "31", "as_of": CONFERENCE, "acknowledge_later_facts": True})
    assert signed.status_code == 201, signed.text
    assert signed.json()["as_of"] == "2023-06-20T03:00:00+00:00"
    assert signed.json()["later_facts_acknowledged"] is True
    report = reporting.client.get(REPORT).json()
    assert report["figures_finalised"] is True
    assert len(report["differences"]) == count, report["differences"]
    # The acknowledgement is the event's, for good: read back from the store.
    assert report["finalised"]["later_facts_acknowledged"] is True, report["finalised"]
    assert _finalised_payloads(reporting)[-1]["later_facts_acknowledged"] is True
    # And every output that shows the signing says so, with the moment signed as of.
    said = "đã ghi nhận đến 10:00"
    page = reporting.client.get("/", params={"period": "2023-6m"}).text
    assert f"{said} 20/06/2023, khi đã biết có số liệu được ghi nhận sau đó" in page, page
    assert f"{said} ngày 20/06/2023; khi chốt đã biết" in _docx_text(reporting, REPORT)


def test_the_first_as_of_a_refusal_names_is_signed_without_acknowledgement(
    reporting: Reporting,
) -> None:
    """The moment the 409 names sees every late fact: signed there, nothing to acknowledge,
    no difference."""
    _late_certificate(reporting)
    error = _refused(reporting, {"scope": "31", "as_of": CONFERENCE},
                     409, "LATER_FACTS_NOT_ACKNOWLEDGED")
    signed = reporting.client.post(FINALISE, json={
        "scope": "31", "as_of": error["details"]["first_as_of"]})
    assert signed.status_code == 201, signed.text
    report = reporting.client.get(REPORT).json()
    assert report["differences"] == []
    assert report["finalised"]["later_facts_acknowledged"] is False
    assert "khi chốt đã biết" not in _docx_text(reporting, REPORT)


def test_a_past_as_of_that_sees_what_now_sees_is_signed_without_acknowledgement(
    reporting: Reporting,
) -> None:
    """The legitimate use: the period's facts typed in as they happened, signed as of the
    conference; nothing recorded since changes a figure."""
    reporting.feed(two_quarter_scenario())
    # An acknowledgement sent with nothing to acknowledge is not recorded as one.
    signed = reporting.client.post(FINALISE, json={"scope": "31", "as_of": CONFERENCE,
                                                   "acknowledge_later_facts": True})
    assert signed.status_code == 201, signed.text
    report = reporting.client.get(REPORT).json()
    assert report["figures_finalised"] is True and report["differences"] == []
    assert report["finalised"]["later_facts_acknowledged"] is False
    assert _finalised_payloads(reporting)[-1]["later_facts_acknowledged"] is False


def test_signing_as_of_now_is_unaffected(reporting: Reporting) -> None:
    """Without `as_of` the report is of now, which sees every fact typed in: signed, with or
    without the late facts, no acknowledgement asked."""
    _typed_in_later(reporting)
    signed = reporting.client.post(FINALISE, json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    assert datetime.fromisoformat(signed.json()["as_of"]) <= utcnow()
    report = reporting.client.get(REPORT).json()
    assert report["differences"] == []
    figures = {f["key"]: f["value"] for s in report["sections"] for f in s["figures"]}
    assert figures["dossiers_lodged"] == 1, figures


def test_a_successor_recorded_since_a_past_as_of_needs_its_acknowledgement(
    reporting: Reporting,
) -> None:
    """A successor recorded after the `as_of` moves figures as a late fact does (J15): 409,
    and the moment the refusal names is the recording's, which signs without differences. A
    site of 11788 Xã Bạch Đằng (merged on 01/01/2025), typed in as it happened; 11791 Xã Tân
    Minh recorded as its successor after 2025-6m's conference."""
    bach_dang, tan_minh = "11788", "11791"
    events = Events()
    events.site("S1", bach_dang, date(2023, 1, 5))
    reporting.feed(events)
    recorded = datetime(2025, 8, 1, 3, 0, 0, 500000, tzinfo=UTC)
    succession = Events().add(
        "indicators", "unit_succession", bach_dang, "UnitSuccessionRecorded",
        date(2025, 1, 1), {"predecessor_code": bach_dang, "predecessor_name": "Xã Bạch Đằng",
                           "successor_code": tan_minh, "successor_name": "Xã Tân Minh",
                           "effective": "2025-01-01", "legal_basis": "Nghị quyết 1232"},
        tan_minh, recorded)
    asyncio.run(publish(reporting.nats_url, reporting.root, [succession]))
    wait_until(lambda: _recorded_successions(reporting) == 1, timeout=30)
    url = "/api/v1/reports/2025-6m/finalise"
    refused = reporting.client.post(url, json={"scope": "31",
                                               "as_of": "2025-06-20T10:00:00+07:00"})
    assert refused.status_code == 409, refused.text
    details = refused.json()["error"]["details"]
    assert details["first_as_of"] == "2025-08-01T03:00:01+00:00", details
    signed = reporting.client.post(url, json={"scope": "31", "as_of": details["first_as_of"]})
    assert signed.status_code == 201, signed.text
    assert reporting.client.get("/api/v1/reports/2025-6m").json()["differences"] == []


def _recorded_successions(reporting: Reporting) -> int:
    with reporting.runtime.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(unit_successions))
                   .scalar_one())


def test_a_report_finalised_before_the_acknowledgement_was_recorded_reads_none() -> None:
    """`later_facts_acknowledged` was added to ReportFinalised without a new version: an event
    stored before it (no such field) replays as a signing without acknowledgement."""
    old = {"report_id": "2023-6m@31", "period_id": "2023-6m", "scope": "31",
           "as_of": "2023-06-20T03:00:00+00:00", "data_from": "2022-12-15",
           "cutoff_on": "2023-06-14", "content_hash": "0" * 64, "figure_count": 3}
    event = registry.decode_payload("ReportFinalised", 1, old)
    assert isinstance(event, ReportFinalised) and event.later_facts_acknowledged is False


def _finalised_payloads(reporting: Reporting) -> list[dict[str, Any]]:
    """The stored ReportFinalised payloads, in order."""
    with reporting.runtime.engine.connect() as conn:
        rows = conn.execute(select(events_table.c.payload).where(
            events_table.c.event_type == "ReportFinalised").order_by(events_table.c.position))
        return [json.loads(payload) for payload in rows.scalars()]


def _docx_text(reporting: Reporting, report: str) -> str:
    """The paragraphs of a report's Word document."""
    response = reporting.client.get(f"{report}/report.docx")
    assert response.status_code == 200, response.text
    return "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)


#: The indicators service defines the plan's I1-I4 of 2023 at its first start (dated the
#: plan year's first day), long before the period's data are typed in; its status
#: announcements and a regulation amended within the window are no data of the period either.
INSTALLED = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)


def test_the_plans_definitions_and_statuses_are_no_facts_of_the_period(
    reporting: Reporting,
) -> None:
    """Known at the conference: only the plan's definitions recorded at install, a status they
    announced and a rule of the regulation effective in the window. The report as known then
    is still one of zeros, refused 422 AS_OF_BEFORE_FIRST_FACTS, acknowledged or not
    (examiner-figures, Medium): the check counted every fact dated in the window, so on any
    installed system (the seed defines 2023's indicators at first start) it never refused,
    and an acknowledged past `as_of` froze zeros."""
    seed = Events()
    seed.add("indicators", "indicator", "I3-2023", "IndicatorDefined", date(2023, 1, 1), {
        "indicator_id": "I3", "year": 2023, "name": "Hồ sơ đăng ký đất đai",
        "comparator": "ge", "target": 40, "denominator_fixed": 239,
        "method": "sites_with_dossier"}, "31", recorded=INSTALLED)
    seed.add("indicators", "indicator", "I3-2023@31", "IndicatorStatusChanged",
             date(2023, 6, 14), {
                 "indicator_id": "I3", "year": 2023, "unit_code": "31", "status": "co_nguy_co",
                 "previous_status": None, "numerator": 0, "denominator": 239, "value": 0.0,
                 "target": 40.0, "evaluated_on": "2023-06-14", "cause": "IndicatorDefined"},
             "31", recorded=INSTALLED)
    seed.add("dialogue", "rule", "commune", "DialogueRuleSet", date(2023, 3, 1), {
        "level": "commune", "min_sessions_per_year": 4, "effective_from": "2023-03-01",
        "legal_basis": "Quyết định sửa đổi"}, recorded=INSTALLED)
    reporting.feed(seed)
    _typed_in_later(reporting)
    as_of = "2025-03-02T10:00:00+07:00"  # installed, nothing of the period typed in yet
    for acknowledged in (False, True):
        error = _refused(reporting, {"scope": "31", "as_of": as_of,
                                     "acknowledge_later_facts": acknowledged},
                         422, "AS_OF_BEFORE_FIRST_FACTS")
        assert error["details"]["first_as_of"] == "2025-03-04T02:30:16+00:00", error
