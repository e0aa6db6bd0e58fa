"""Projections of the reporting service: every relevant event becomes one fact row.

One projection per source stream (religion, dialogue, indicators). A handler only maps the
event to a row, with no reads (apart from the rare event that names no unit), so replaying a
million events stays cheap. What the figures mean is decided at query time
(`application/figures.py`), never at projection time, which keeps reports reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from services.reporting.adapters.tables import dialogue_facts, indicators_facts, religion_facts
from services.reporting.adapters.units import NO_UNITS, EventUnits, units_of
from services.reporting.application.figures import forget_cached_figures
from shared.clock import VN_TZ
from shared.consumer import Handler, Projection
from shared.envelope import EventEnvelope

# What a handler extracts from one event; everything else of the row comes from the envelope.
Extract = Callable[[dict[str, Any]], dict[str, Any]]


def business_date(envelope: EventEnvelope) -> date:
    """The business date in Vietnam (a date stored as midnight UTC stays that date)."""
    return envelope.occurred_at.astimezone(VN_TZ).date()


@dataclass(frozen=True)
class FactRule:
    """How one event type becomes a fact row."""

    family: str
    subject_field: str
    extract: Extract


# Units of subjects seen earlier in the same batch, for events that name no unit.
Seen = dict[tuple[str, str], EventUnits]


def _fact_row(
    conn: Connection, table: Table, rule: FactRule, envelope: EventEnvelope, seen: Seen
) -> dict[str, Any]:
    payload = envelope.payload
    values = rule.extract(payload)
    subject = str(values.pop("subject", None) or payload.get(rule.subject_field) or
                  envelope.aggregate_id)[:160]
    on = business_date(envelope)
    explicit = values.pop("unit", None)
    hint = explicit or envelope.unit_code
    if hint:
        units = units_of(hint, on)
    elif explicit == "":  # about no unit at all (e.g. a city-wide target)
        units = NO_UNITS
    else:
        units = seen.get((rule.family, subject)) or _earlier_units(
            conn, table, rule.family, subject)
    if units.unit_code is not None:
        seen[(rule.family, subject)] = units
    data = values.pop("data", None)
    return {
        "event_id": str(envelope.event_id),
        "family": rule.family,
        "kind": envelope.event_type,
        "subject": subject,
        "effect": values.get("effect"),
        "state": _short(values.get("state")),
        "amount": _number(values.get("amount")),
        "due_on": _date(values.get("due_on")),
        "business_on": on,
        "recorded_at": envelope.recorded_at.astimezone(UTC),
        "seq": envelope.aggregate_version,
        "unit_code": units.unit_code,
        "district_code": units.district_code,
        "province_code": units.province_code,
        "data": json.dumps(data, ensure_ascii=False, sort_keys=True) if data else None,
    }


def _projection(name: str, table: Table, rules: dict[str, FactRule]) -> Projection:
    """A projection writing one fact row per event.

    When the kernel offers batch handlers, a fetched batch is written with one executemany
    (what makes a rebuild of a million events fast); otherwise one insert per event.
    """
    statement = insert(table)

    def write_batch(conn: Connection, envelopes: list[EventEnvelope]) -> None:
        seen: Seen = {}
        rows = [_fact_row(conn, table, rules[e.event_type], e, seen) for e in envelopes
                if e.event_type in rules]
        if rows:
            conn.execute(statement, rows)

    def handler(rule: FactRule) -> Handler:
        def handle(conn: Connection, envelope: EventEnvelope) -> None:
            conn.execute(statement, _fact_row(conn, table, rule, envelope, {}))

        return handle

    options: dict[str, Any] = {"name": name, "source_service": name, "tables": [table]}
    if "batch_handler" in {f.name for f in fields(Projection)}:
        options |= {"batch_handler": write_batch, "batch_event_types": sorted(rules)}
    else:
        options["handlers"] = {event_type: handler(rule) for event_type, rule in rules.items()}
    return FactProjection(**options)


class FactProjection(Projection):
    """A fact projection; dropping it also forgets every cached report, so figures after a
    rebuild are computed again from the replayed facts."""

    def reset(self, conn: Connection) -> None:
        super().reset(conn)
        forget_cached_figures()


def _earlier_units(conn: Connection, table: Table, family: str, subject: str) -> EventUnits:
    """An event without a unit belongs where its subject's earlier events were."""
    row = conn.execute(
        select(table.c.unit_code, table.c.district_code, table.c.province_code)
        .where(table.c.family == family, table.c.subject == subject,
               table.c.unit_code.is_not(None))
        .order_by(table.c.business_on, table.c.seq)
        .limit(1)
    ).first()
    return EventUnits(row[0], row[1], row[2]) if row else NO_UNITS


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:60]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _const(**values: Any) -> Extract:
    return lambda _payload: dict(values)


# -- religion ------------------------------------------------------------------------------

def _site_registered(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "amount": p.get("land_area_m2"), "unit": p.get("commune_code"),
            "data": {"name": p.get("name"), "religion": p.get("religion")}}


def _site_amended(p: dict[str, Any]) -> dict[str, Any]:
    changes = p.get("changes") or {}
    moved = isinstance(changes, dict) and "commune_code" in changes
    # A move re-affirms the site under its new commune; other amendments change no figure.
    return {"effect": 1 if moved else None, "unit": p.get("commune_code")}


def _dossier(effect: int | None, default_state: str) -> Extract:
    return lambda p: {"effect": effect, "state": p.get("state") or default_state}


def _case(effect: int, default_state: str) -> Extract:
    return lambda p: {"effect": effect, "state": p.get("state") or default_state,
                      "unit": p.get("commune_code")}


def _case_opened(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "state": "open", "unit": p.get("commune_code"),
            "data": {"violation_type": p.get("violation_type"), "site_code": p.get("site_code")}}


def _certificate_issued(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "amount": p.get("certified_area_m2"),
            "data": {"number": p.get("certificate_number"),
                     "authority": p.get("issuing_authority")}}


def religion_projection() -> Projection:
    t = religion_facts
    rules: dict[str, FactRule] = {
        "SiteRegistered": FactRule("site", "code", _site_registered),
        "SiteAmended": FactRule("site", "code", _site_amended),
        "SiteClosed": FactRule("site", "code", _const(effect=0)),
        "DossierPreparationStarted": FactRule(
            "dossier", "site_code", _dossier(None, "in_preparation")),
        "LandDossierLodged": FactRule("dossier", "site_code", _dossier(1, "lodged")),
        "DossierRequisitioned": FactRule(
            "dossier", "site_code", _dossier(1, "requisitioned")),
        "DossierResubmitted": FactRule("dossier", "site_code", _dossier(1, "lodged")),
        "DossierAccepted": FactRule("dossier", "site_code", _dossier(1, "accepted")),
        "DossierRejected": FactRule("dossier", "site_code", _dossier(0, "rejected")),
        "DossierWithdrawn": FactRule("dossier", "site_code", _dossier(0, "withdrawn")),
        "CertificateIssued": FactRule("certificate", "site_code", _certificate_issued),
        "CertificateRevoked": FactRule("certificate", "site_code", _const(effect=0)),
        "ComplianceCaseOpened": FactRule("compliance", "case_id", _case_opened),
        "ComplianceCaseReviewStarted": FactRule(
            "compliance", "case_id", _case(1, "under_review")),
        "ComplianceCaseResolved": FactRule("compliance", "case_id", _case(0, "resolved")),
        "ComplianceCaseReferred": FactRule("compliance", "case_id", _case(0, "referred")),
    }
    return _projection("religion", t, rules)


# -- dialogue ------------------------------------------------------------------------------

def _head(effect: int) -> Extract:
    return lambda p: {"effect": effect, "state": p.get("role"), "unit": p.get("unit_code")}


def _session_planned(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "planned", "unit": p.get("unit_code"), "data": {"topic": p.get("topic")}}


def _session_held(p: dict[str, Any]) -> dict[str, Any]:
    heads = [str(h) for h in p.get("head_ids") or []]
    return {"state": "held", "unit": p.get("unit_code"), "data": {"head_ids": heads}}


def _session_report(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "reported", "amount": p.get("attendance")}


def _issue(p: dict[str, Any]) -> dict[str, Any]:
    # The text and any citizen detail stay in the dialogue service: figures need neither.
    return {"state": p.get("handling"), "unit": p.get("unit_code"),
            "data": {"category": p.get("category")}}


def _commitment_made(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "open", "unit": p.get("unit_code"), "due_on": p.get("due_on")}


def _commitment_progress(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": p.get("status") or "in_progress", "amount": p.get("progress_pct")}


def _rule(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": p.get("level"), "amount": p.get("min_sessions_per_year")}


def dialogue_projection() -> Projection:
    t = dialogue_facts
    rules: dict[str, FactRule] = {
        "HeadTookOffice": FactRule("head", "head_id", _head(1)),
        "HeadLeftOffice": FactRule("head", "head_id", _head(0)),
        "SessionPlanned": FactRule("session", "session_id", _session_planned),
        "SessionCancelled": FactRule("session", "session_id", _const(state="cancelled")),
        "SessionHeld": FactRule("session", "session_id", _session_held),
        "SessionReportFiled": FactRule("session", "session_id", _session_report),
        "IssueRaised": FactRule("issue", "issue_id", _issue),
        "CommitmentMade": FactRule("commitment", "commitment_id", _commitment_made),
        "CommitmentProgressUpdated": FactRule(
            "commitment", "commitment_id", _commitment_progress),
        "CommitmentCompleted": FactRule("commitment", "commitment_id",
                                             _const(state="done")),
        "CommitmentOverdue": FactRule("commitment", "commitment_id",
                                           _const(state="overdue")),
        "CommitmentReopened": FactRule("commitment", "commitment_id",
                                            _const(state="open")),
        "DialogueRuleSet": FactRule("rule", "level", _rule),
    }
    return _projection("dialogue", t, rules)


# -- indicators ----------------------------------------------------------------------------

def _model_registered(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "state": p.get("field"), "unit": p.get("unit_code"),
            "data": {"title": p.get("title"), "recognition_level": p.get("recognition_level")}}


def _model_recognised(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": p.get("recognition_level")}


def _indicator_defined(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}", "unit": "",
            "state": p.get("comparator"), "amount": p.get("target"),
            "data": {"name": p.get("name"), "denominator_fixed": p.get("denominator_fixed")}}


def _reported_figure(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}:{p.get('unit_code')}",
            "unit": p.get("unit_code"), "amount": p.get("numerator"),
            "data": {"denominator": p.get("denominator"), "indicator_id": p.get("indicator_id"),
                     "year": p.get("year")}}


def _status_changed(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}:{p.get('unit_code')}",
            "unit": p.get("unit_code"), "state": p.get("status"), "amount": p.get("value")}


def indicators_projection() -> Projection:
    t = indicators_facts
    rules: dict[str, FactRule] = {
        "ModelRegistered": FactRule("model", "model_id", _model_registered),
        "ModelRecognised": FactRule("model", "model_id", _model_recognised),
        "ModelClosed": FactRule("model", "model_id", _const(effect=0)),
        "ContestEntrySubmitted": FactRule("contest", "entry_id", _const()),
        "IndicatorDefined": FactRule("indicator", "indicator_id", _indicator_defined),
        "ReportedFigureRecorded": FactRule("reported", "indicator_id", _reported_figure),
        "IndicatorStatusChanged": FactRule("status", "indicator_id", _status_changed),
    }
    return _projection("indicators", t, rules)


def all_projections() -> list[Projection]:
    return [religion_projection(), dialogue_projection(), indicators_projection()]
