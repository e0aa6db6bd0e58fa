"""The events of the other services, as docs/events.md describes them, and a publisher that
puts them on the source streams the reporting service consumes.

The two-quarter scenario of 2023 (Hai Phong, real units). Every event is recorded the day
after its business date at 09:00 Vietnamese time, so "as of" a past day sees what was known.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.clock import VN_TZ
from shared.envelope import EventEnvelope
from tools.published import as_published

TIEN_LANG = "315"  # Huyện Tiên Lãng
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng
DAI_THANG = "11758"  # Xã Đại Thắng, huyện Tiên Lãng
HONG_BANG = "303"  # Quận Hồng Bàng
QUAN_TOAN = "11296"  # Phường Quán Toan, quận Hồng Bàng
TIEN_LANG_COMMUNES = 21  # in 2023; 19 after the January 2025 rearrangement
HAI_PHONG_COMMUNES = 217  # the communes of 2023 (0.5.0), not the 167 of January 2025


def recorded_after(on: date) -> datetime:
    return datetime(on.year, on.month, on.day, 9, tzinfo=VN_TZ).astimezone(UTC) + timedelta(
        days=1
    )


@dataclass
class Events:
    """Builds envelopes with consecutive versions per aggregate."""

    items: list[EventEnvelope] = field(default_factory=list)
    versions: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(
        self, service: str, aggregate: str, aggregate_id: str, event_type: str, on: date,
        payload: dict[str, Any], unit: str | None = None, recorded: datetime | None = None,
    ) -> EventEnvelope:
        key = (service, aggregate, aggregate_id)
        self.versions[key] += 1
        envelope = EventEnvelope(
            event_id=uuid4(), event_type=event_type, schema_version=1, service=service,
            aggregate_type=aggregate, aggregate_id=aggregate_id,
            aggregate_version=self.versions[key],
            occurred_at=datetime(on.year, on.month, on.day, tzinfo=UTC),
            recorded_at=recorded or recorded_after(on), actor="tester",
            payload=as_published(service, event_type, 1, payload, on),
            unit_code=unit,
        )
        self.items.append(envelope)
        return envelope

    def count(self, service: str) -> int:
        return sum(1 for e in self.items if e.service == service)

    # religion ---------------------------------------------------------------------------
    def site(self, code: str, commune: str, on: date, recorded: datetime | None = None) -> None:
        self.add("religion", "site", code, "SiteRegistered", on, {
            "code": code, "name": f"Chùa {code}", "religion": "Phật giáo",
            "commune_code": commune, "district_code": None, "address": "Thôn Đông",
            "land_area_m2": 1200.0, "land_use_origin": "Tự tạo lập",
        }, commune, recorded)

    def dossier(self, event_type: str, site: str, commune: str, on: date, state: str,
                recorded: datetime | None = None) -> None:
        self.add("religion", "dossier", site, event_type, on, {
            "site_code": site, "state": state, "note": "", "document_refs": [],
        }, commune, recorded)

    def certificate(self, site: str, commune: str, on: date, number: str,
                    recorded: datetime | None = None) -> None:
        self.add("religion", "certificate", site, "CertificateIssued", on, {
            "site_code": site, "certificate_number": number, "issued_on": on.isoformat(),
            "issuing_authority": "UBND thành phố Hải Phòng", "certified_area_m2": 1100.0,
        }, commune, recorded)

    # dialogue ---------------------------------------------------------------------------
    def head(self, head_id: str, unit: str, role: str, on: date) -> None:
        self.add("dialogue", "head", head_id, "HeadTookOffice", on, {
            "head_id": head_id, "unit_code": unit, "role": role,
            "full_name": "Người đứng đầu", "from_date": on.isoformat(),
        }, unit)

    def held(self, session: str, unit: str, heads: list[str], on: date) -> None:
        self.add("dialogue", "session", session, "SessionHeld", on, {
            "session_id": session, "unit_code": unit, "head_ids": heads,
            "held_on": on.isoformat(),
        }, unit)

    def held_corrected(
        self, session: str, unit: str, previous: tuple[date, list[str]],
        held: tuple[date, list[str]] | None, recorded: datetime,
    ) -> EventEnvelope:
        """A `SessionHeldCorrected` recorded at `recorded`: held on another day or by other
        heads, or (`held` None) not at all."""
        on = held[0] if held else previous[0]
        return self.add("dialogue", "session", session, "SessionHeldCorrected", on, {
            "session_id": session, "unit_code": unit, "corrects": str(uuid4()),
            "corrected_version": 2, "reason": "Ghi nhầm", "void": held is None,
            "held_on": held[0].isoformat() if held else None,
            "head_ids": held[1] if held else [], "previous_held_on": previous[0].isoformat(),
            "previous_head_ids": previous[1]}, unit, recorded)

    def took_office_corrected(
        self, head_id: str, unit: str, role: str, previous: date, from_date: date,
        recorded: datetime,
    ) -> EventEnvelope:
        """A `HeadTookOfficeCorrected` recorded at `recorded`."""
        return self.add("dialogue", "head", head_id, "HeadTookOfficeCorrected", from_date, {
            "head_id": head_id, "unit_code": unit, "role": role, "corrects": str(uuid4()),
            "corrected_version": 1, "reason": "Nhập nhầm ngày", "void": False,
            "full_name": "Người đứng đầu", "from_date": from_date.isoformat(),
            "level": "commune", "previous_from_date": previous.isoformat()}, unit, recorded)

    def left_office(self, head_id: str, unit: str, role: str, on: date) -> None:
        self.add("dialogue", "head", head_id, "HeadLeftOffice", on, {
            "head_id": head_id, "unit_code": unit, "role": role, "to_date": on.isoformat(),
            "reason": "Nghỉ hưu"}, unit)

    def left_office_corrected(
        self, head_id: str, unit: str, role: str, previous: date, to_date: date,
        recorded: datetime,
    ) -> EventEnvelope:
        """A `HeadLeftOfficeCorrected` recorded at `recorded`."""
        return self.add("dialogue", "head", head_id, "HeadLeftOfficeCorrected", to_date, {
            "head_id": head_id, "unit_code": unit, "role": role, "corrects": str(uuid4()),
            "corrected_version": 2, "reason": "Nhập nhầm ngày", "void": False,
            "to_date": to_date.isoformat(), "leave_reason": "Nghỉ hưu",
            "successor_head_id": None, "previous_to_date": previous.isoformat()}, unit, recorded)

    def commitment(self, cid: str, session: str, unit: str, on: date, due: date) -> None:
        self.add("dialogue", "commitment", cid, "CommitmentMade", on, {
            "commitment_id": cid, "session_id": session, "unit_code": unit,
            "responsible_agency": "UBND huyện Tiên Lãng", "due_on": due.isoformat(),
            "text": "Sửa đường liên xã",
        }, unit)

    # indicators -------------------------------------------------------------------------
    def model(self, model_id: str, unit: str, field_name: str, on: date) -> None:
        self.add("indicators", "model", model_id, "ModelRegistered", on, {
            "model_id": model_id, "unit_code": unit, "field": field_name,
            "title": f"Mô hình {model_id}", "started_on": on.isoformat(),
            "recognition_level": "district", "status": "building",
        }, unit)


def two_quarter_scenario() -> Events:
    e = Events()
    d = date
    # Religious sites: three known in Q1, a fourth registered in Q2.
    e.site("S1", TIEN_LANG_TOWN, d(2022, 6, 1))
    e.site("S2", TIEN_LANG_TOWN, d(2023, 1, 10))
    e.site("S3", QUAN_TOAN, d(2023, 2, 1))
    e.site("S4", DAI_THANG, d(2023, 4, 20))
    e.dossier("LandDossierLodged", "S1", TIEN_LANG_TOWN, d(2023, 1, 5), "lodged")
    e.dossier("LandDossierLodged", "S3", QUAN_TOAN, d(2023, 2, 10), "lodged")
    # Lodged after the Q1 cut-off (14/03): counts from the 6-month report on.
    e.dossier("LandDossierLodged", "S2", TIEN_LANG_TOWN, d(2023, 3, 20), "lodged")
    e.dossier("DossierWithdrawn", "S3", QUAN_TOAN, d(2023, 5, 2), "withdrawn")
    e.certificate("S1", TIEN_LANG_TOWN, d(2023, 6, 1), "CS 01234")
    e.add("religion", "compliance", "C1", "ComplianceCaseOpened", d(2023, 2, 15), {
        "case_id": "C1", "site_code": "S3", "commune_code": QUAN_TOAN,
        "violation_type": "construction_without_permit", "description": "Xây dựng không phép",
    }, QUAN_TOAN)
    e.add("religion", "compliance", "C1", "ComplianceCaseResolved", d(2023, 5, 10), {
        "case_id": "C1", "state": "resolved"}, QUAN_TOAN)
    # Dialogue: three heads; the district's needs two sessions a year, a commune's one.
    e.head("H1", TIEN_LANG, "party_secretary", d(2020, 10, 1))
    e.head("H2", TIEN_LANG_TOWN, "people_committee_chair", d(2021, 7, 1))
    e.head("H3", QUAN_TOAN, "party_secretary", d(2022, 1, 1))
    e.add("dialogue", "rule", "district", "DialogueRuleSet", d(2023, 1, 1), {
        "level": "district", "min_sessions_per_year": 2, "effective_from": "2023-01-01"})
    e.add("dialogue", "rule", "commune", "DialogueRuleSet", d(2023, 1, 1), {
        "level": "commune", "min_sessions_per_year": 1, "effective_from": "2023-01-01"})
    e.add("dialogue", "session", "SES1", "SessionPlanned", d(2023, 2, 1), {
        "session_id": "SES1", "unit_code": TIEN_LANG_TOWN, "head_ids": ["H2"],
        "planned_on": "2023-02-20", "topic": "Giải phóng mặt bằng", "place": "Hội trường",
        "co_organiser": "UBMTTQ"}, TIEN_LANG_TOWN)
    e.held("SES1", TIEN_LANG_TOWN, ["H2"], d(2023, 2, 20))
    e.add("dialogue", "session", "SES1", "SessionReportFiled", d(2023, 2, 22), {
        "session_id": "SES1", "attendance": 120, "organisations": ["UBMTTQ"],
        "summary": "Nhân dân đồng thuận"}, TIEN_LANG_TOWN)
    for issue, handling in (("IS1", "answered_on_spot"), ("IS2", "assigned")):
        e.add("dialogue", "issue", issue, "IssueRaised", d(2023, 2, 20), {
            "issue_id": issue, "session_id": "SES1", "unit_code": TIEN_LANG_TOWN,
            "category": "land_and_site_clearance", "text": "Kiến nghị", "handling": handling,
            "assigned_agency": "UBND huyện"}, TIEN_LANG_TOWN)
    e.commitment("K1", "SES1", TIEN_LANG_TOWN, d(2023, 2, 20), d(2023, 4, 30))
    e.commitment("K2", "SES1", TIEN_LANG_TOWN, d(2023, 2, 20), d(2023, 3, 10))
    e.add("dialogue", "commitment", "K1", "CommitmentCompleted", d(2023, 5, 15), {
        "commitment_id": "K1", "completed_on": "2023-05-15"}, TIEN_LANG_TOWN)
    e.held("SES2", TIEN_LANG, ["H1"], d(2023, 5, 5))
    e.held("SES3", TIEN_LANG, ["H1"], d(2023, 6, 10))
    # "Dân vận khéo" models: digital transformation does not count for I1.
    e.model("M1", TIEN_LANG_TOWN, "new_rural", d(2023, 1, 15))
    e.model("M2", QUAN_TOAN, "digital_transformation", d(2023, 2, 1))
    e.model("M3", QUAN_TOAN, "urban", d(2023, 5, 20))
    # The indicators service set I3's denominator to the sites of this scenario.
    e.add("indicators", "indicator", "I3-2023", "IndicatorDefined", d(2023, 1, 3), {
        "indicator_id": "I3", "year": 2023, "name": "Cơ sở tôn giáo có hồ sơ đăng ký đất đai",
        "comparator": "ge", "target": 40, "denominator_fixed": 4})
    return e

