"""Projections of the indicators service: consumed events become facts, then statuses.

Four consumers, each through the kernel's ConsumerRunner (exactly-once effect):

* religion (sites, dossiers, certificates) feeds I3 and I4,
* dialogue (heads, sessions, the regulation's rule) feeds I2,
* the service's own stream (models, contest entries, reported figures, definitions) feeds I1
  and the reported indicators,
* reporting (the conference cut-offs the Commission moved, `PeriodAdjusted`) feeds the plan's
  filings and items owed "by conference", and I2: a year report's cut-off bounds the data
  window I2 counts sessions over, in its year and the next (`conferencedates.year_data_window`).

Each consumed batch writes its facts, then re-evaluates the definitions they feed, once for
the batch, and announces changed statuses in the same transaction (`live`, `announce`).
Religion's facts also keep I3 and I4 counted (`ind_site_counts`), so its events are evaluated
without folding every site again. A rebuild (`shared.rebuild`) runs the same projections
into its own generation of the fact tables and announces nothing until that generation is
live: statuses are evaluated on the live facts.

Unlike religion and dialogue (`adapters/projection.py`, `shared/projection.py`), the service's
own events are NOT projected inline: they come back through its own stream like the other
two sources'. Deliberately: they are facts of the same fact tables, which three streams feed
through one mechanism (exactly-once tracking, stream order, generations built beside the live
tables by `shared.rebuild`); an inline writer beside the consumers would be a second path to
the same tables that a rebuild from the streams would also have to replay from the events
table. The price is read-your-writes lag: a model counts for I1 once the relay has published
it and the consumer has taken it (well under a second, see `make bench`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Table, insert, select, update

from services.indicators.adapters import tables as facts
from services.indicators.application.announce import business_date
from services.indicators.application.live import (
    BatchEvaluation,
    KeptCounts,
    SiteChanges,
    SiteTables,
    UnitCodes,
)
from services.indicators.domain.definitions import Definition
from services.indicators.domain.facts import SiteFact, SiteStepFact, Switch
from services.indicators.domain.sitetally import SiteHistory
from shared.clock import in_utc
from shared.conferencedates import years_windowed_by
from shared.consumer import Projection
from shared.corrections import retraction_id
from shared.driversql import RowInsert
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore
from shared.planrules import defined_period
from shared.rebuild import TableMap


class Later(Protocol):
    """`live.BatchEvaluation.later`, or what a generation being built does instead."""

    def __call__(self, envelope: EventEnvelope, fed: Callable[[Definition], bool],
                 unit_codes: UnitCodes, since: date | None = None) -> None: ...


LaterHandler = Callable[[Connection, EventEnvelope, Later], None]

DOSSIER_SWITCH: dict[str, Switch] = {
    "LandDossierLodged": "on",
    "DossierResubmitted": "on",
    "DossierWithdrawn": "off",
    "DossierRejected": "off",
}


def _restated_registration(p: dict[str, Any]) -> tuple[str, date]:
    return "SiteRegistered", date.fromisoformat(p["registered_on"])


def _restated_step(p: dict[str, Any]) -> tuple[str, date]:
    return str(p["corrected_type"]), date.fromisoformat(p["acted_on"])


def _restated_certificate(p: dict[str, Any]) -> tuple[str, date]:
    return "CertificateIssued", date.fromisoformat(p["issued_on"])


#: Religion's corrections (G18): the fact list the corrected fact stands in, and a (non-void)
#: correction's fact as it should have been (its kind and its business date).
CORRECTIONS: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[str, date]]]] = {
    "SiteRegisteredCorrected": ("sites", _restated_registration),
    "DossierStepCorrected": ("dossier", _restated_step),
    "CertificateIssuedCorrected": ("certificate", _restated_certificate),
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
            "event_id": envelope.event_key,
            "on_date": on,
            "recorded_at": in_utc(envelope.recorded_at),
            **row,
        },
    )


def _earliest(*days: str | None) -> date | None:
    """The first of the days a correction names, its fact's day as recorded and as it should
    have been: counting changes from there on, in the period the fact left too (a session
    moved from 10/12/2023 to 10/01/2024 leaves 2023's I2 owing one more)."""
    return min((date.fromisoformat(day[:10]) for day in days if day), default=None)


def _same(table: Table) -> Table:
    return table


def _not_while_building(
    envelope: EventEnvelope, fed: Callable[[Definition], bool], unit_codes: UnitCodes,
    since: date | None = None,
) -> None:
    """A generation being built announces nothing: its facts are not the live ones yet."""


def _batched(
    name: str, source: str, store: EventStore, live: bool,
    handlers: dict[str, LaterHandler], tables: Sequence[Table],
) -> Projection:
    """A projection whose handlers write facts event by event and leave the evaluation to
    the end of the batch (`live.BatchEvaluation.later`)."""

    def apply(conn: Connection, envelopes: list[EventEnvelope]) -> list[EventEnvelope]:
        batch = BatchEvaluation(conn, store, envelopes) if live else None
        later = batch.later if batch is not None else _not_while_building
        for envelope in envelopes:
            handlers[envelope.event_type](conn, envelope, later)
        return batch.finish() if batch is not None else []

    # One batch at a time across replicas: a batch compares the statuses it works out with
    # the last announced ones and announces the difference.
    return Projection(name=name, source_service=source, batch_handler=apply,
                      batch_event_types=sorted(handlers), tables=tables,
                      one_batch_at_a_time=True)


# -- religion ----------------------------------------------------------------------------------

#: Arrival order of the batch's own facts, after every stored one (`seq` orders those).
_NEW = 1 << 62


def _site_of(envelope: EventEnvelope) -> str:
    payload = envelope.payload
    return str(payload["code"] if envelope.event_type.startswith("Site") else
               payload["site_code"])


def religion_projection(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> Projection:
    t = SiteTables(tables(facts.site_facts), tables(facts.dossier_facts),
                   tables(facts.certificate_facts), tables(facts.site_counts),
                   tables(facts.site_counts_stamp))
    # The counts this projection rolled up, kept between its batches (live.KeptCounts).
    kept = KeptCounts() if live else None
    # A batch's fact rows (every column but the `seq` the database numbers them with).
    inserts = {table.name: RowInsert(table, [c.name for c in table.columns
                                             if c.name not in ("seq", "superseded_at")])
               for table in (t.sites, t.dossier, t.certificate)}

    def fed(definition: Definition) -> bool:
        return definition.source == "religion"

    def record(envelope: EventEnvelope, history: SiteHistory, order: int,
               rows: dict[str, list[dict[str, Any]]],
               superseded: list[tuple[Table, str, datetime]]) -> list[str]:
        """The event's fact, into the rows to write and the site's history; returns the units
        it can move."""
        p, kind, code = envelope.payload, envelope.event_type, history.site_code
        event_id = envelope.event_key

        def row(table: Table, on: date, **values: Any) -> None:
            rows[table.name].append({"event_id": event_id, "on_date": on,
                                     "recorded_at": in_utc(envelope.recorded_at), **values})

        before = history.commune()  # read before the fact is added
        if kind in CORRECTIONS:
            # In place of the fact it names (the original or its last correction), as
            # religion and reporting apply it; kept for a reading "as of" before it.
            table = {"sites": t.sites, "dossier": t.dossier,
                     "certificate": t.certificate}[CORRECTIONS[kind][0]]
            if not history.take_out(str(p["corrects"])):
                return []  # a step this service does not count (accepted, a certificate's)
            superseded.append((table, str(p["corrects"]), in_utc(envelope.recorded_at)))
            if p.get("void"):
                return [before or ""]
            kind, on = CORRECTIONS[kind][1](p)
        else:
            on = business_date(envelope)
        if kind == "SiteRegistered":
            commune, name = p["commune_code"], p.get("name")
            row(t.sites, on, site_code=code, kind="registered", commune_code=commune, name=name)
            history.add("sites", event_id, (on, order),
                        SiteFact(code, "registered", on, commune, name))
            return [before or "", commune]
        if kind == "SiteAmended":
            on, commune = _payload_date(envelope, "amended_on"), p.get("commune_code")
            name = (p.get("changes") or {}).get("name")
            row(t.sites, on, site_code=code, kind="amended", commune_code=commune, name=name)
            history.add("sites", event_id, (on, order),
                        SiteFact(code, "amended", on, commune, name))
            return [before or "", commune or ""]
        if kind == "SiteClosed":
            on = _payload_date(envelope, "closed_on")
            row(t.sites, on, site_code=code, kind="closed", commune_code=None, name=None)
            history.add("sites", event_id, (on, order), SiteFact(code, "closed", on))
            return [before or ""]
        if kind in DOSSIER_SWITCH:
            switch: Switch = DOSSIER_SWITCH[kind]
            row(t.dossier, on, site_code=code, switch=switch, event_type=kind)
            history.add("dossier", event_id, (on, order), SiteStepFact(code, switch, on, kind))
        else:
            switch = "on" if kind == "CertificateIssued" else "off"
            number = p.get("certificate_number") or ""
            row(t.certificate, on, site_code=code, switch=switch, certificate_number=number)
            history.add("certificate", event_id, (on, order),
                        SiteStepFact(code, switch, on, number))
        return [before or ""]

    def apply(conn: Connection, envelopes: list[EventEnvelope]) -> list[EventEnvelope]:
        batch = BatchEvaluation(conn, store, envelopes) if live else None
        sites = SiteChanges(conn, t, envelopes, _site_of, batch, fed, kept)
        rows: dict[str, list[dict[str, Any]]] = {
            table.name: [] for table in (t.sites, t.dossier, t.certificate)}
        superseded: list[tuple[Table, str, datetime]] = []
        for index, envelope in enumerate(envelopes):
            code = _site_of(envelope)
            before = sites.before(code)
            hints = record(envelope, sites.histories[code], _NEW + index, rows, superseded)
            sites.moved(envelope, code, before, hints)
        # Written in event order: the tables' `seq` orders them as the histories had them.
        for table in (t.sites, t.dossier, t.certificate):
            inserts[table.name].run_many(conn, rows[table.name])
        # After the inserts: a correction may name a fact of this very batch.
        for table, event_id, at in superseded:
            conn.execute(update(table).where(table.c.event_id == event_id)
                         .values(superseded_at=at))
        sites.save(conn)
        return batch.finish() if batch is not None else []

    return Projection(
        name="religion-facts",
        source_service="religion",
        batch_handler=apply,
        batch_event_types=sorted({"SiteRegistered", "SiteAmended", "SiteClosed",
                                  "CertificateIssued", "CertificateRevoked", *DOSSIER_SWITCH,
                                  *CORRECTIONS}),
        tables=[t.sites, t.dossier, t.certificate, t.counts, t.stamp],
        # Across replicas one batch at a time: a batch reads the stored counts and writes them
        # back whole, so two at once would each write over the other's change.
        one_batch_at_a_time=True,
        # Each batch reads the statuses of the units it can move and commits once: a
        # backlog (NATS back after an outage) is caught up faster in bigger batches, and a
        # live event is applied as soon as it is there, whatever the size.
        batch_size=2048,
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

    def fed(definition: Definition) -> bool:
        return definition.source == "dialogue"

    def head_took_office(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, head_facts, envelope, _payload_date(envelope, "from_date"),
               head_id=p["head_id"], kind="took_office", unit_code=p["unit_code"],
               role=p.get("role") or "", full_name=p.get("full_name") or "")
        later(envelope, fed, lambda: [p["unit_code"]])

    def head_took_office_corrected(
        conn: Connection, envelope: EventEnvelope, later: Later
    ) -> None:
        # The taking of office of the wrong day retracted, the right one taken (as sessions).
        p = envelope.payload
        retraction = replace(envelope, event_id=retraction_id(envelope.event_id))
        for fact, kind, on in ((retraction, "retracted", "previous_from_date"),
                               (envelope, "took_office", "from_date")):
            _write(conn, head_facts, fact, date.fromisoformat(p[on]), head_id=p["head_id"],
                   kind=kind, unit_code=p["unit_code"], role=p.get("role") or "",
                   full_name=p.get("full_name") or "")
        later(envelope, fed, lambda: [p["unit_code"]],
              since=_earliest(p["previous_from_date"], p["from_date"]))

    def head_left_office_corrected(
        conn: Connection, envelope: EventEnvelope, later: Later
    ) -> None:
        # The leaving of the wrong day retracted, the right one restated (L2, as above).
        p = envelope.payload
        retraction = replace(envelope, event_id=retraction_id(envelope.event_id))
        for fact, kind, on in ((retraction, "left_retracted", "previous_to_date"),
                               (envelope, "left_office", "to_date")):
            _write(conn, head_facts, fact, date.fromisoformat(p[on]), head_id=p["head_id"],
                   kind=kind, unit_code=p["unit_code"], role=p.get("role") or "",
                   full_name="")
        later(envelope, fed, lambda: [p["unit_code"]],
              since=_earliest(p["previous_to_date"], p.get("to_date")))

    def head_left_office(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, head_facts, envelope, _payload_date(envelope, "to_date"),
               head_id=p["head_id"], kind="left_office", unit_code=p["unit_code"],
               role=p.get("role") or "", full_name="")
        later(envelope, fed, lambda: [p["unit_code"]])

    def session_held(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        heads = [str(h) for h in p.get("head_ids") or []]
        _write(conn, session_facts, envelope, _payload_date(envelope, "held_on"),
               session_id=p["session_id"], kind="held", unit_code=p.get("unit_code") or "",
               head_ids=json.dumps(heads))
        later(
            envelope, fed,
            lambda: [p.get("unit_code") or "", *_head_units(conn, head_facts, heads)],
        )

    def session_held_corrected(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        # In place of the holding it corrects (shared/corrections.py): that holding retracted,
        # dated as it was, and the right one held, unless the session did not take place.
        p = envelope.payload
        unit = p.get("unit_code") or ""
        previous = [str(h) for h in p.get("previous_head_ids") or []]
        held = not p.get("void") and bool(p.get("held_on"))
        heads = [str(h) for h in p.get("head_ids") or []] if held else []
        retraction = replace(envelope, event_id=retraction_id(envelope.event_id))
        _write(conn, session_facts, retraction, date.fromisoformat(p["previous_held_on"]),
               session_id=p["session_id"], kind="retracted", unit_code=unit,
               head_ids=json.dumps(previous))
        if held:
            _write(conn, session_facts, envelope, date.fromisoformat(p["held_on"]),
                   session_id=p["session_id"], kind="held", unit_code=unit,
                   head_ids=json.dumps(heads))
        later(
            envelope, fed,
            lambda: [unit, *_head_units(conn, head_facts, [*previous, *heads])],
            since=_earliest(p["previous_held_on"], p.get("held_on")),
        )

    def session_cancelled(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
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
            later(
                envelope, fed,
                lambda: [held.unit_code, *_head_units(conn, head_facts, heads)],
            )

    def rule_set(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        effective = _payload_date(envelope, "effective_from")
        _write(conn, rule_facts, envelope, business_date(envelope), level=p["level"],
               min_sessions_per_year=int(p["min_sessions_per_year"]), effective_from=effective)
        later(envelope, fed, None)

    return _batched(
        "dialogue-facts", "dialogue", store, live,
        {
            "HeadTookOffice": head_took_office,
            "HeadTookOfficeCorrected": head_took_office_corrected,
            "HeadLeftOffice": head_left_office,
            "HeadLeftOfficeCorrected": head_left_office_corrected,
            "SessionHeld": session_held,
            "SessionHeldCorrected": session_held_corrected,
            "SessionCancelled": session_cancelled,
            "DialogueRuleSet": rule_set,
        },
        [head_facts, session_facts, rule_facts],
    )


# -- the service's own events --------------------------------------------------------------------


def _model_row(conn: Connection, model_facts: Table, model_id: str) -> Any:
    # The registration in force: the last one written (a correction's, if corrected).
    return conn.execute(
        select(model_facts).where(
            model_facts.c.model_id == model_id, model_facts.c.kind == "registered"
        ).order_by(model_facts.c.seq.desc())
    ).first()


def own_projection(store: EventStore, tables: TableMap = _same, live: bool = True) -> Projection:
    model_facts, contest_facts, reported_facts = (
        tables(facts.model_facts), tables(facts.contest_facts), tables(facts.reported_facts))

    def models(definition: Definition) -> bool:
        return definition.method == "model_coverage"

    def model_registered(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, model_facts, envelope, date.fromisoformat(p["started_on"]),
               model_id=p["model_id"], kind="registered", unit_code=p["unit_code"],
               field=p["field"], title=p["title"], recognition_level=p["recognition_level"],
               status=p["status"])
        later(envelope, models, lambda: [p["unit_code"]])

    def model_registration_corrected(
        conn: Connection, envelope: EventEnvelope, later: Later
    ) -> None:
        # The registration of the wrong commune or start retracted, dated as it was; the
        # right one registered (shared/corrections.py).
        p = envelope.payload
        retraction = replace(envelope, event_id=retraction_id(envelope.event_id))
        common = {"model_id": p["model_id"], "field": p["field"], "title": p["title"],
                  "recognition_level": p["recognition_level"], "status": p["status"]}
        _write(conn, model_facts, retraction, date.fromisoformat(p["previous_started_on"]),
               kind="retracted", unit_code=p["previous_unit_code"], **common)
        # A void correction: the model never was; nothing takes its registration's place, so
        # it, its recognitions and its entries count nowhere from then (`fold_models`,
        # `queries.contest_view`), as reporting's projection supersedes them.
        if not p.get("void"):
            _write(conn, model_facts, envelope, date.fromisoformat(p["started_on"]),
                   kind="registered", unit_code=p["unit_code"], **common)
        later(envelope, models, lambda: [p["previous_unit_code"], p["unit_code"]],
              since=_earliest(p["previous_started_on"], p.get("started_on")))

    def model_changed(kind: str, date_field: str) -> LaterHandler:
        def handle(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
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
            later(envelope, models, lambda: [unit])

        return handle

    def entry_submitted(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, contest_facts, envelope, _payload_date(envelope, "submitted_on"),
               entry_id=p["entry_id"], kind="submitted", contest_year=int(p["contest_year"]),
               model_id=p["model_id"], title=p["title"], unit_code=p.get("unit_code") or "",
               author=p.get("author") or "", award=None)

    def entry_awarded(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, contest_facts, envelope, _payload_date(envelope, "awarded_on"),
               entry_id=p["entry_id"], kind="awarded", contest_year=int(p["contest_year"]),
               model_id="", title="", unit_code="", author="", award=p["award"])

    def figure_reported(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, reported_facts, envelope, date.fromisoformat(p["reported_on"]),
               indicator_id=p["indicator_id"], year=int(p["year"]), unit_code=p["unit_code"],
               numerator=int(p["numerator"]), denominator=int(p["denominator"]),
               actor=envelope.actor, department=envelope.department, note=p.get("note") or "",
               source_document=p.get("source_document") or "")
        later(envelope, _this(p), lambda: [p["unit_code"]])

    def indicator_defined(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        # A definition changes its figures on every day of its period, whatever day it is
        # recorded on: one recorded after its period ended (2024's targets typed in 2026,
        # 2023's target corrected) is evaluated from the period's first day, or it would
        # announce nothing and its last status would stay the old definition's.
        start = defined_period(int(p["year"]), _earliest(p.get("period_start")), None)[0]
        later(envelope, _this(p), None, since=start)

    return _batched(
        "own-facts", "indicators", store, live,
        {
            "ModelRegistered": model_registered,
            "ModelRegisteredCorrected": model_registration_corrected,
            "ModelRecognised": model_changed("recognised", "recognised_on"),
            "ModelClosed": model_changed("closed", "closed_on"),
            "ContestEntrySubmitted": entry_submitted,
            "ContestEntryAwarded": entry_awarded,
            "ReportedFigureRecorded": figure_reported,
            "IndicatorDefined": indicator_defined,
        },
        [model_facts, contest_facts, reported_facts],
    )


def _this(payload: dict[str, Any]) -> Callable[[Definition], bool]:
    wanted = (payload["indicator_id"], int(payload["year"]))

    def fed(definition: Definition) -> bool:
        return (definition.indicator_id, definition.year) == wanted

    return fed


# -- reporting -----------------------------------------------------------------------------------


def reporting_projection(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> Projection:
    """The moved conference cut-offs (reporting's `PeriodAdjusted`): one row per move, read
    as they stand at a time by `adapters/cutoffs.moved_cutoffs`. The payload's period id is
    taken as reporting wrote it: reporting accepts only ids of the kernel's form.

    A year report's cut-off moved re-evaluates I2 of its year and the next, whose windows
    it bounds: a session held on 18/12 counts once the cut-off is 20/12, and the statuses it
    moves are announced now, not found by the next rebuild. The move is recorded today but
    changes days of those years, so they are evaluated from their first day on."""
    cutoffs = tables(facts.period_cutoff_facts)

    def period_adjusted(conn: Connection, envelope: EventEnvelope, later: Later) -> None:
        p = envelope.payload
        _write(conn, cutoffs, envelope, business_date(envelope), period_id=p["period_id"],
               data_from=date.fromisoformat(p["data_from"]),
               cutoff_on=date.fromisoformat(p["cutoff_on"]))
        years = years_windowed_by(p["period_id"])
        if years:
            later(envelope, lambda d: d.source == "dialogue" and d.year in years, None,
                  since=date(min(years), 1, 1))

    return _batched("reporting-periods", "reporting", store, live,
                    {"PeriodAdjusted": period_adjusted}, [cutoffs])


def all_projections(
    store: EventStore, tables: TableMap = _same, live: bool = True
) -> list[Projection]:
    """The four projections, writing into `tables`' versions of the fact tables (the live
    ones, or a rebuild's: `shared.rebuild`); announcing only when `live`."""
    return [religion_projection(store, tables, live), dialogue_projection(store, tables, live),
            own_projection(store, tables, live), reporting_projection(store, tables, live)]
