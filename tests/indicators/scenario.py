"""Envelopes of the religion and dialogue services as docs/events.md describes them, and the
2023 scenario whose figures the tests compute by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from shared.envelope import EventEnvelope, as_business_time
from tools.published import as_published


@dataclass
class Events:
    """Builds the envelopes another service (religion, dialogue) would publish."""

    versions: dict[tuple[str, str, str], int] = field(default_factory=dict)
    published: list[EventEnvelope] = field(default_factory=list)

    def event(
        self,
        service: str,
        aggregate_type: str,
        aggregate_id: str,
        event_type: str,
        payload: dict[str, Any],
        on: date,
        unit_code: str | None = None,
        recorded_at: datetime | None = None,
    ) -> EventEnvelope:
        key = (service, aggregate_type, aggregate_id)
        self.versions[key] = self.versions.get(key, 0) + 1
        envelope = EventEnvelope(
            event_id=uuid4(), event_type=event_type, schema_version=1, service=service,
            aggregate_type=aggregate_type, aggregate_id=aggregate_id,
            aggregate_version=self.versions[key], occurred_at=as_business_time(on),
            # Typed in the evening of the day it happened unless said otherwise.
            recorded_at=recorded_at or as_business_time(on) + timedelta(hours=12),
            actor=f"{service}-desk",
            payload=as_published(service, event_type, 1, payload, on), unit_code=unit_code,
            correlation_id=uuid4().hex,
        )
        self.published.append(envelope)
        return envelope

    # -- religion ---------------------------------------------------------------------------

    def site(self, code: str, commune: str, on: date, name: str = "") -> EventEnvelope:
        return self.event("religion", "site", code, "SiteRegistered", {
            "code": code, "name": name or f"Chùa {code}", "religion": "Phật giáo",
            "commune_code": commune, "district_code": None, "address": "Thôn Đông",
            "land_area_m2": 1200.0, "land_use_origin": "Đất do cơ sở tự tạo lập",
        }, on, commune)

    def site_moved(self, code: str, commune: str, on: date) -> EventEnvelope:
        return self.event("religion", "site", code, "SiteAmended", {
            "code": code, "changes": {"commune_code": commune}, "commune_code": commune,
        }, on, commune)

    def site_closed(self, code: str, on: date) -> EventEnvelope:
        return self.event("religion", "site", code, "SiteClosed",
                          {"code": code, "reason": "Giải thể"}, on)

    def dossier(self, site: str, event_type: str, on: date,
                recorded_at: datetime | None = None) -> EventEnvelope:
        states = {"LandDossierLodged": "lodged", "DossierWithdrawn": "withdrawn",
                  "DossierRejected": "rejected", "DossierResubmitted": "lodged"}
        return self.event("religion", "dossier", site, event_type, {
            "site_code": site, "state": states[event_type], "note": "",
            "document_refs": ["Đơn đăng ký đất đai mẫu 04a/ĐK"],
        }, on, recorded_at=recorded_at)

    def certificate(self, site: str, number: str, on: date, revoked: bool = False,
                    ) -> EventEnvelope:
        if revoked:
            return self.event("religion", "certificate", site, "CertificateRevoked", {
                "site_code": site, "certificate_number": number,
                "revoked_on": on.isoformat(), "reason": "Cấp sai diện tích",
            }, on)
        return self.event("religion", "certificate", site, "CertificateIssued", {
            "site_code": site, "certificate_number": number, "issued_on": on.isoformat(),
            "issuing_authority": "Sở Tài nguyên và Môi trường Hải Phòng",
            "certified_area_m2": 1150.0,
        }, on)

    # -- dialogue ---------------------------------------------------------------------------

    def head(self, head_id: str, unit: str, on: date, role: str = "party_secretary",
             ) -> EventEnvelope:
        return self.event("dialogue", "head", head_id, "HeadTookOffice", {
            "head_id": head_id, "unit_code": unit, "role": role,
            "full_name": f"Đồng chí {head_id}", "from_date": on.isoformat(),
        }, on, unit)

    def head_left(self, head_id: str, unit: str, on: date) -> EventEnvelope:
        return self.event("dialogue", "head", head_id, "HeadLeftOffice", {
            "head_id": head_id, "unit_code": unit, "role": "party_secretary",
            "to_date": on.isoformat(),
        }, on, unit)

    def session(self, session_id: str, unit: str, heads: list[str], on: date) -> EventEnvelope:
        return self.event("dialogue", "session", session_id, "SessionHeld", {
            "session_id": session_id, "unit_code": unit, "head_ids": heads,
            "held_on": on.isoformat(),
        }, on, unit)

    def session_cancelled(self, session_id: str, on: date) -> EventEnvelope:
        return self.event("dialogue", "session", session_id, "SessionCancelled", {
            "session_id": session_id, "reason": "Ghi nhầm",
        }, on)

    def session_corrected(
        self, session_id: str, unit: str, previous: tuple[date, list[str]],
        held: tuple[date, list[str]] | None, recorded_at: datetime,
    ) -> EventEnvelope:
        """A `SessionHeldCorrected`: held on another day or by other heads, or not at all."""
        return self.event("dialogue", "session", session_id, "SessionHeldCorrected", {
            "session_id": session_id, "unit_code": unit, "corrects": str(uuid4()),
            "corrected_version": 2, "reason": "Ghi nhầm khi nhập", "void": held is None,
            "held_on": held[0].isoformat() if held else None,
            "head_ids": held[1] if held else [], "previous_held_on": previous[0].isoformat(),
            "previous_head_ids": previous[1],
        }, held[0] if held else previous[0], unit, recorded_at)

    def took_office_corrected(
        self, head_id: str, unit: str, previous: date, from_date: date, recorded_at: datetime,
    ) -> EventEnvelope:
        """A `HeadTookOfficeCorrected`: the head took office on `from_date`."""
        return self.event("dialogue", "head", head_id, "HeadTookOfficeCorrected", {
            "head_id": head_id, "unit_code": unit, "role": "party_secretary",
            "corrects": str(uuid4()), "corrected_version": 1, "reason": "Nhập nhầm ngày",
            "void": False, "full_name": f"Đồng chí {head_id}", "from_date": from_date.isoformat(),
            "level": "commune", "previous_from_date": previous.isoformat(),
        }, from_date, unit, recorded_at)

    def left_office_corrected(
        self, head_id: str, unit: str, previous: date, to_date: date, recorded_at: datetime,
    ) -> EventEnvelope:
        """A `HeadLeftOfficeCorrected`: the head's last day in office was `to_date`."""
        return self.event("dialogue", "head", head_id, "HeadLeftOfficeCorrected", {
            "head_id": head_id, "unit_code": unit, "role": "party_secretary",
            "corrects": str(uuid4()), "corrected_version": 2, "reason": "Nhập nhầm ngày",
            "void": False, "to_date": to_date.isoformat(), "leave_reason": "",
            "successor_head_id": None, "previous_to_date": previous.isoformat(),
        }, to_date, unit, recorded_at)

    def rule(self, level: str, per_year: int, effective: date) -> EventEnvelope:
        return self.event("dialogue", "rule", level, "DialogueRuleSet", {
            "level": level, "min_sessions_per_year": per_year,
            "effective_from": effective.isoformat(),
        }, effective)

    # -- the indicators service's own model register -------------------------------------------

    def model(self, model_id: str, unit: str, field_: str, on: date) -> EventEnvelope:
        return self.event("indicators", "model", model_id, "ModelRegistered", {
            "model_id": model_id, "unit_code": unit, "field": field_,
            "title": f"Mô hình {model_id}", "started_on": on.isoformat(),
            "recognition_level": "none", "status": "building",
        }, on, unit)

    def model_closed(self, model_id: str, on: date) -> EventEnvelope:
        return self.event("indicators", "model", model_id, "ModelClosed", {
            "model_id": model_id, "closed_on": on.isoformat(), "reason": "Hết kinh phí",
        }, on)


# Real Hai Phong units of 2023 (vietnam-provinces 0.6).
HAI_PHONG = "31"
TIEN_LANG = "315"  # Huyện Tiên Lãng, 19 communes
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng -> Xã Tiên Lãng in 2025 (same code)
DAI_THANG = "11758"  # Xã Đại Thắng, Tiên Lãng: merged in 2025 with no succession record
HONG_BANG = "303"  # Quận Hồng Bàng, 10 communes
QUAN_TOAN = "11296"  # Phường Quán Toan, Hồng Bàng
HUNG_VUONG = "11299"  # Phường Hùng Vương, Hồng Bàng
HONG_BANG_2025 = "11311"  # Phường Hồng Bàng of the 2025 structure (was Phường Minh Khai)

LATE = datetime(2024, 2, 1, 3, 0, tzinfo=UTC)  # when S1's lodging was finally recorded


def religion_2023(ev: Events) -> list[EventEnvelope]:
    """Seven sites. On 31/12/2023: I3 4/239 (S1, S3, S5, S7), I4 1/239 (S5)."""
    d = date
    return [
        ev.site("S1", TIEN_LANG_TOWN, d(2023, 1, 10)),
        ev.site("S2", TIEN_LANG_TOWN, d(2023, 1, 10)),
        ev.site("S7", TIEN_LANG_TOWN, d(2023, 1, 10)),
        ev.site("S3", DAI_THANG, d(2023, 1, 12)),
        ev.site("S4", QUAN_TOAN, d(2023, 1, 15)),
        ev.site("S5", QUAN_TOAN, d(2023, 1, 15)),
        ev.site("S6", HUNG_VUONG, d(2023, 1, 15)),
        ev.dossier("S5", "LandDossierLodged", d(2023, 2, 1)),
        ev.dossier("S6", "LandDossierLodged", d(2023, 2, 10)),
        ev.dossier("S7", "LandDossierLodged", d(2023, 2, 15)),
        ev.dossier("S2", "LandDossierLodged", d(2023, 4, 1)),
        ev.dossier("S2", "DossierWithdrawn", d(2023, 5, 1)),
        ev.certificate("S7", "GCN-02", d(2023, 5, 1)),
        ev.site_closed("S6", d(2023, 6, 1)),
        ev.dossier("S3", "LandDossierLodged", d(2023, 6, 1)),
        ev.dossier("S3", "DossierRejected", d(2023, 7, 1)),
        ev.dossier("S3", "DossierResubmitted", d(2023, 8, 1)),
        ev.certificate("S5", "GCN-01", d(2023, 9, 1)),
        ev.certificate("S7", "GCN-02", d(2023, 10, 1), revoked=True),
        # Lodged in March, typed in only in February 2024.
        ev.dossier("S1", "LandDossierLodged", d(2023, 3, 1), recorded_at=LATE),
    ]


def dialogue_2023(ev: Events) -> list[EventEnvelope]:
    """Seven heads; on 31/12/2023 I2 is 5/6 (all but H6 met the rule over 2023's window,
    15/12/2022 -> 14/12/2023: P7 of 20/12/2022 is 2023's, P6 of 20/12/2023 2024's)."""
    d = date
    return [
        # The versions in force since Quyết định 1738-QĐ/TU (27/01/2015): once a year at every
        # level in this scenario. The dialogue service always records its versions as events
        # (its seed on first start), and with none in force nothing would be owed.
        *(ev.rule(level, 1, d(2015, 1, 27)) for level in ("province", "district", "commune")),
        ev.head("H1", TIEN_LANG_TOWN, d(2020, 6, 1)),
        ev.head("H2", TIEN_LANG_TOWN, d(2021, 7, 1), role="people_committee_chair"),
        ev.head("H3", TIEN_LANG, d(2020, 10, 1)),
        ev.head("H4", QUAN_TOAN, d(2019, 5, 1)),
        ev.head("H6", HAI_PHONG, d(2021, 6, 1), role="people_committee_chair"),
        ev.session("P7", TIEN_LANG_TOWN, ["H1"], d(2022, 12, 20)),
        ev.session("P1", TIEN_LANG_TOWN, ["H1", "H2"], d(2023, 3, 10)),
        ev.head_left("H4", QUAN_TOAN, d(2023, 3, 31)),
        ev.head("H5", QUAN_TOAN, d(2023, 4, 1)),
        ev.session("P3", TIEN_LANG, ["H3"], d(2023, 5, 5)),
        # Communes must hold 2 a year from 1 July (the amended regulation).
        ev.rule("commune", 2, d(2023, 7, 1)),
        ev.session("P2", TIEN_LANG_TOWN, ["H1"], d(2023, 9, 10)),
        ev.session("P4", QUAN_TOAN, ["H5"], d(2023, 10, 1)),
        ev.session("P5", QUAN_TOAN, ["H5"], d(2023, 11, 1)),
        ev.session_cancelled("P5", d(2023, 11, 2)),
        ev.session("P6", HAI_PHONG, ["H6"], d(2023, 12, 20)),
        ev.head("H7", DAI_THANG, d(2024, 2, 1)),
    ]


def models_2023(ev: Events) -> list[EventEnvelope]:
    """On 31/12/2023 only Tiên Lãng town has a qualifying model: I1 is 1/217 (2023 communes)."""
    d = date
    return [
        ev.model("M1", TIEN_LANG_TOWN, "exemplary_rural", d(2023, 2, 1)),
        ev.model("M2", TIEN_LANG_TOWN, "digital_transformation", d(2023, 2, 1)),
        ev.model("M3", DAI_THANG, "digital_transformation", d(2023, 3, 1)),
        ev.model("M4", QUAN_TOAN, "urban", d(2023, 3, 1)),
        ev.model("M5", TIEN_LANG, "new_rural", d(2023, 1, 15)),
        ev.model_closed("M4", d(2023, 11, 1)),
        ev.model("M6", HUNG_VUONG, "new_rural", d(2024, 1, 5)),
    ]


def after_the_2025_reform(ev: Events) -> list[EventEnvelope]:
    """Facts of the two-level structure: none of them may move a 2023 figure."""
    d = date
    return [
        ev.site_moved("S4", HONG_BANG_2025, d(2025, 8, 1)),
        ev.site("S8", HONG_BANG_2025, d(2025, 8, 5)),
        ev.dossier("S8", "LandDossierLodged", d(2025, 9, 1)),
        ev.certificate("S5", "GCN-01", d(2025, 9, 15), revoked=True),
        ev.head("H8", HONG_BANG_2025, d(2025, 7, 1)),
        ev.session("P8", HONG_BANG_2025, ["H8"], d(2025, 8, 1)),
        ev.model("M7", HONG_BANG_2025, "urban", d(2025, 8, 1)),
        ev.model_closed("M1", d(2025, 9, 1)),
    ]
