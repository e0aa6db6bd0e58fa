"""Projections of the indicators service: consumed events become facts, then statuses.

Three consumers, each through the kernel's ConsumerRunner (exactly-once effect):

* religion (sites, dossiers, certificates) feeds I3 and I4,
* dialogue (heads, sessions, the regulation's rule) feeds I2,
* the service's own stream (models, contest entries, reported figures, definitions) feeds I1
  and the reported indicators.

Each handler writes its fact row, then re-evaluates the definitions the fact feeds and
announces changed statuses in the same transaction (see `announce`). A rebuild
(`shared.rebuild`) runs the same handlers into its own generation of the fact tables and
announces nothing until that generation is live: statuses are evaluated on the live facts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select

from services.indicators.adapters import tables as facts
from services.indicators.adapters.facts import utc
from services.indicators.application.announce import business_date, evaluate_after
from services.indicators.domain.definitions import Definition
from shared.consumer import Handler, Projection
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore
from shared.rebuild import TableMap

Evaluate = Callable[
    [Connection, EventStore, EventEnvelope, Callable[[Definition], bool],
     Callable[[], Iterable[str]] | None],
    None,
]

DOSSIER_SWITCH = {
    "LandDossierLodged": "on",
    "DossierResubmitted": "on",
    "DossierWithdrawn": "off",
    "DossierRejected": "off",
}


def _payload_date(envelope: EventEnvelope, name: str) -> date:
    """The payload's own business date when the contract gives one, else occurred_at's."""
    value = envelope.payload.get(name)
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return business_date(envelope)


def _write(conn: Connection, table: Table, envelope: EventEnvelope, on: date, **row: Any) -> None:
    conn.execute(
        insert(table),
        {
            "event_id": str(envelope.event_id),
            "on_date": on,
            "recorded_at": utc(envelope.recorded_at),
            **row,
        },
    )


# -- religion ----------------------------------------------------------------------------------


def _same(table: Table) -> Table:
    return table


def _not_while_building(
    conn: Connection, store: EventStore, envelope: EventEnvelope,
    fed: Callable[[Definition], bool], unit_codes: Callable[[], Iterable[str]] | None,
) -> None:
    """A generation being built announces nothing: its facts are not the live ones yet."""


def _evaluation(live: bool) -> Evaluate:
    return evaluate_after if live else _not_while_building


def _site_communes(sites: Table) -> Any:
    # No ORDER BY: with one, SQLite walks the whole table along the on_date index instead of
    # taking the site's few rows by the site_code index; the latest is picked here.
    return select(sites.c.commune_code, sites.c.on_date, sites.c.seq).where(
        sites.c.site_code == bindparam("site_code"), sites.c.commune_code.is_not(None))


def religion_projection(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> Projection:
    site_facts, dossier_facts, certificate_facts = (
        tables(facts.site_facts), tables(facts.dossier_facts), tables(facts.certificate_facts))
    evaluate_after = _evaluation(live)
    site_communes = _site_communes(site_facts)

    def site_commune(conn: Connection, site_code: str) -> str | None:
        rows = conn.execute(site_communes, {"site_code": site_code}).all()
        return max(rows, key=lambda r: (r.on_date, r.seq)).commune_code if rows else None

    def fed(definition: Definition) -> bool:
        return definition.source == "religion"

    def site_registered(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, site_facts, envelope, business_date(envelope), site_code=p["code"],
               kind="registered", commune_code=p["commune_code"], name=p.get("name"))
        evaluate_after(conn, store, envelope, fed, lambda: [p["commune_code"]])

    def site_amended(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        before = site_commune(conn, p["code"])  # read before the amendment is written
        changes = p.get("changes") or {}
        _write(conn, site_facts, envelope, _payload_date(envelope, "amended_on"),
               site_code=p["code"], kind="amended", commune_code=p.get("commune_code"),
               name=changes.get("name"))
        evaluate_after(
            conn, store, envelope, fed, lambda: [before or "", p.get("commune_code") or ""]
        )

    def site_closed(conn: Connection, envelope: EventEnvelope) -> None:
        code = envelope.payload["code"]
        _write(conn, site_facts, envelope, _payload_date(envelope, "closed_on"), site_code=code,
               kind="closed", commune_code=None, name=None)
        evaluate_after(conn, store, envelope, fed, lambda: [site_commune(conn, code) or ""])

    def dossier_step(conn: Connection, envelope: EventEnvelope) -> None:
        code = envelope.payload["site_code"]
        _write(conn, dossier_facts, envelope, business_date(envelope), site_code=code,
               switch=DOSSIER_SWITCH[envelope.event_type], event_type=envelope.event_type)
        evaluate_after(conn, store, envelope, fed, lambda: [site_commune(conn, code) or ""])

    def certificate_step(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        switch = "on" if envelope.event_type == "CertificateIssued" else "off"
        _write(conn, certificate_facts, envelope, business_date(envelope),
               site_code=p["site_code"], switch=switch,
               certificate_number=p.get("certificate_number") or "")
        evaluate_after(
            conn, store, envelope, fed, lambda: [site_commune(conn, p["site_code"]) or ""]
        )

    handlers: dict[str, Handler] = {
        "SiteRegistered": site_registered,
        "SiteAmended": site_amended,
        "SiteClosed": site_closed,
        "CertificateIssued": certificate_step,
        "CertificateRevoked": certificate_step,
    }
    handlers.update(dict.fromkeys(DOSSIER_SWITCH, dossier_step))
    return Projection(
        name="religion-facts",
        source_service="religion",
        handlers=handlers,
        tables=[site_facts, dossier_facts, certificate_facts],
    )


# -- dialogue ----------------------------------------------------------------------------------


def _head_units(conn: Connection, head_facts: Table, head_ids: Sequence[str]) -> list[str]:
    if not head_ids:
        return []
    return list(
        conn.execute(
            select(head_facts.c.unit_code).where(head_facts.c.head_id.in_(list(head_ids)))
        ).scalars()
    )


def dialogue_projection(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> Projection:
    head_facts, session_facts, rule_facts = (
        tables(facts.head_facts), tables(facts.session_facts), tables(facts.rule_facts))
    evaluate_after = _evaluation(live)

    def fed(definition: Definition) -> bool:
        return definition.source == "dialogue"

    def head_took_office(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, head_facts, envelope, _payload_date(envelope, "from_date"),
               head_id=p["head_id"], kind="took_office", unit_code=p["unit_code"],
               role=p.get("role") or "", full_name=p.get("full_name") or "")
        evaluate_after(conn, store, envelope, fed, lambda: [p["unit_code"]])

    def head_left_office(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, head_facts, envelope, _payload_date(envelope, "to_date"),
               head_id=p["head_id"], kind="left_office", unit_code=p["unit_code"],
               role=p.get("role") or "", full_name="")
        evaluate_after(conn, store, envelope, fed, lambda: [p["unit_code"]])

    def session_held(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        heads = [str(h) for h in p.get("head_ids") or []]
        _write(conn, session_facts, envelope, _payload_date(envelope, "held_on"),
               session_id=p["session_id"], kind="held", unit_code=p.get("unit_code") or "",
               head_ids=json.dumps(heads))
        evaluate_after(
            conn, store, envelope, fed,
            lambda: [p.get("unit_code") or "", *_head_units(conn, head_facts, heads)],
        )

    def session_cancelled(conn: Connection, envelope: EventEnvelope) -> None:
        session_id = envelope.payload["session_id"]
        held = conn.execute(
            select(session_facts.c.unit_code, session_facts.c.head_ids).where(
                session_facts.c.session_id == session_id, session_facts.c.kind == "held"
            )
        ).first()
        _write(conn, session_facts, envelope, _payload_date(envelope, "cancelled_on"),
               session_id=session_id, kind="cancelled",
               unit_code=held.unit_code if held else "", head_ids="[]")
        if held is not None:  # cancelling a session never held moves no figure
            heads = json.loads(held.head_ids)
            evaluate_after(
                conn, store, envelope, fed,
                lambda: [held.unit_code, *_head_units(conn, head_facts, heads)],
            )

    def rule_set(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        effective = _payload_date(envelope, "effective_from")
        _write(conn, rule_facts, envelope, business_date(envelope), level=p["level"],
               min_sessions_per_year=int(p["min_sessions_per_year"]), effective_from=effective)
        evaluate_after(conn, store, envelope, fed, None)

    return Projection(
        name="dialogue-facts",
        source_service="dialogue",
        handlers={
            "HeadTookOffice": head_took_office,
            "HeadLeftOffice": head_left_office,
            "SessionHeld": session_held,
            "SessionCancelled": session_cancelled,
            "DialogueRuleSet": rule_set,
        },
        tables=[head_facts, session_facts, rule_facts],
    )


# -- the service's own events --------------------------------------------------------------------


def _model_row(conn: Connection, model_facts: Table, model_id: str) -> Any:
    return conn.execute(
        select(model_facts).where(
            model_facts.c.model_id == model_id, model_facts.c.kind == "registered"
        )
    ).first()


def own_projection(store: EventStore, tables: TableMap = _same, live: bool = True) -> Projection:
    model_facts, contest_facts, reported_facts = (
        tables(facts.model_facts), tables(facts.contest_facts), tables(facts.reported_facts))
    evaluate_after = _evaluation(live)

    def models(definition: Definition) -> bool:
        return definition.method == "model_coverage"

    def model_registered(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, model_facts, envelope, date.fromisoformat(p["started_on"]),
               model_id=p["model_id"], kind="registered", unit_code=p["unit_code"],
               field=p["field"], title=p["title"], recognition_level=p["recognition_level"],
               status=p["status"])
        evaluate_after(conn, store, envelope, models, lambda: [p["unit_code"]])

    def model_changed(kind: str, date_field: str) -> Handler:
        def handle(conn: Connection, envelope: EventEnvelope) -> None:
            p = envelope.payload
            registered = _model_row(conn, model_facts, p["model_id"])
            unit = registered.unit_code if registered else ""
            _write(conn, model_facts, envelope, _payload_date(envelope, date_field),
                   model_id=p["model_id"], kind=kind, unit_code=unit,
                   field=registered.field if registered else "",
                   title=registered.title if registered else "",
                   recognition_level=p.get("recognition_level")
                   or (registered.recognition_level if registered else "none"),
                   status="closed" if kind == "closed" else "recognised")
            evaluate_after(conn, store, envelope, models, lambda: [unit])

        return handle

    def entry_submitted(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, contest_facts, envelope, _payload_date(envelope, "submitted_on"),
               entry_id=p["entry_id"], kind="submitted", contest_year=int(p["contest_year"]),
               model_id=p["model_id"], title=p["title"], unit_code=p.get("unit_code") or "",
               author=p.get("author") or "", award=None)

    def entry_awarded(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, contest_facts, envelope, _payload_date(envelope, "awarded_on"),
               entry_id=p["entry_id"], kind="awarded", contest_year=int(p["contest_year"]),
               model_id="", title="", unit_code="", author="", award=p["award"])

    def figure_reported(conn: Connection, envelope: EventEnvelope) -> None:
        p = envelope.payload
        _write(conn, reported_facts, envelope, date.fromisoformat(p["reported_on"]),
               indicator_id=p["indicator_id"], year=int(p["year"]), unit_code=p["unit_code"],
               numerator=int(p["numerator"]), denominator=int(p["denominator"]),
               actor=envelope.actor, department=envelope.department, note=p.get("note") or "",
               source_document=p.get("source_document") or "")
        evaluate_after(conn, store, envelope, _this(p), lambda: [p["unit_code"]])

    def indicator_defined(conn: Connection, envelope: EventEnvelope) -> None:
        evaluate_after(conn, store, envelope, _this(envelope.payload), None)

    return Projection(
        name="own-facts",
        source_service="indicators",
        handlers={
            "ModelRegistered": model_registered,
            "ModelRecognised": model_changed("recognised", "recognised_on"),
            "ModelClosed": model_changed("closed", "closed_on"),
            "ContestEntrySubmitted": entry_submitted,
            "ContestEntryAwarded": entry_awarded,
            "ReportedFigureRecorded": figure_reported,
            "IndicatorDefined": indicator_defined,
        },
        tables=[model_facts, contest_facts, reported_facts],
    )


def _this(payload: dict[str, Any]) -> Callable[[Definition], bool]:
    wanted = (payload["indicator_id"], int(payload["year"]))

    def fed(definition: Definition) -> bool:
        return (definition.indicator_id, definition.year) == wanted

    return fed


def all_projections(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> list[Projection]:
    """The three projections, writing into `tables`' versions of the fact tables (the live
    ones, or a rebuild's: `shared.rebuild`); announcing only when `live`."""
    return [religion_projection(store, tables, live), dialogue_projection(store, tables, live),
            own_projection(store, tables, live)]
