"""Read side of the religion service: the register with filters and search, a site's file, its
history and its state as of a past date, the compliance cases, the Tiên Lãng pilot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    false,
    func,
    null,
    or_,
    select,
)

from services.religion import messages
from services.religion.adapters.projection import PROJECTION, district_on
from services.religion.adapters.tables import cases, certificates, sites, unit_successions
from services.religion.domain.events import CORRECTION_TYPES, DOSSIER_STEP_EVENTS, registry
from services.religion.domain.model import Certificate, LandDossier, ReligiousSite
from services.religion.domain.workflow import (
    HAS_DOSSIER_STATES,
    allowed_case_actions,
    allowed_dossier_actions,
    due_on,
    overdue_days,
)
from shared.adminunits import (
    NOT_CURRENT_UNIT,
    UnitCatalogue,
    codes_placed_in,
    default_catalogue,
    fold,
)
from shared.auth.principal import CITY_SCOPE
from shared.auth.units import scope_clause
from shared.clock import day_vn, format_date_vn, iso_or_none, today_vn
from shared.corrections import effective
from shared.db import row_or_not_found
from shared.envelope import DomainEvent, EventEnvelope
from shared.errors import NotFound
from shared.eventstore import EventStore, events_table
from shared.paging import PageRequest
from shared.planrules import percent_of
from shared.textorder import byte_order, code_order
from shared.unitsuccessions import catalogue_known, catalogue_now

TIEN_LANG = "315"  # Huyện Tiên Lãng, three-level era (until 2025-07-01)
#: How many of the pilot's sites are replayed from one batch of loaded events.
_PILOT_SLICE = 2000
SITE_AGGREGATES = (ReligiousSite, LandDossier, Certificate)


#: Whose a record is (shared.auth.units.covers_during): its unit and the first and last day of
#: its life. A site lives from its registration until it is closed; a compliance case from its
#: detection until it is resolved or referred. A list narrows by these columns and the read of
#: one record checks the same ones (services/religion/api/access.py).
SITE_LIFE: tuple[ColumnElement[Any], ...] = (
    sites.c.commune_code, sites.c.registered_on, sites.c.closed_on
)
CASE_LIFE: tuple[ColumnElement[Any], ...] = (
    cases.c.commune_code,
    cases.c.detected_on,
    case((cases.c.state.in_(("resolved", "referred")), cases.c.state_since), else_=null()),
)


def within(
    life: tuple[ColumnElement[Any], ...], *scopes: str | None, placing: UnitCatalogue
) -> list[ColumnElement[bool]]:
    """The conditions for the records of each unit scope given (none for the city): a record
    of the scope's units, or of a unit it succeeded by `placing` (`catalogue_now`, what a
    list for a unit places by), on a day of the record's life (`scope_clause`, finding N7)."""
    clauses = (scope_clause(s, life[0], life[1], life[2], placing)
               for s in dict.fromkeys(scopes) if s)
    return [c for c in clauses if c is not None]


@dataclass(frozen=True)
class SiteFilter:
    #: The caller's unit scope, and a district asked for: each narrows by the same rule.
    reader_scope: str = CITY_SCOPE
    district_code: str | None = None
    commune_code: str | None = None
    religion: str | None = None
    dossier_state: list[str] | None = None
    has_certificate: bool | None = None
    overdue: bool | None = None
    status: str = "active"
    q: str | None = None


def _dossier_view(state: str, since: date | None, on: date) -> dict[str, Any]:
    late = overdue_days(state, since, on)
    due = due_on(state, since)
    return {
        "state": state,
        "state_label": messages.DOSSIER_STATES[state],
        "since": since.isoformat() if since else None,
        "due_on": due.isoformat() if due else None,
        "overdue": late > 0,
        "overdue_days": late,
        "deadline_label": (messages.OVERDUE.format(days=late) if late
                           else messages.ON_TIME if due else None),
        "has_dossier": state in HAS_DOSSIER_STATES,
        "allowed_actions": [
            {"action": a, "label": messages.DOSSIER_ACTIONS[a]}
            for a in allowed_dossier_actions(state)
        ],
    }


def _unit_name(code: str, on: date, stored: str | None) -> str | None:
    # Named as of the date asked, as every service names it (the stored name is the one of
    # the registration date: 11755 was "Thị trấn Tiên Lãng" then, "Xã Tiên Lãng" today).
    unit = default_catalogue().named_on(code, on)
    return unit.name if unit is not None else stored


def site_item(row: Any, on: date) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "religion": row.religion,
        "commune": {"code": row.commune_code,
                    "name": _unit_name(row.commune_code, on, row.commune_name)},
        "district": {"code": row.district_code,
                     "name": _unit_name(row.district_code, on, row.district_name)}
        if row.district_code else None,
        "address": row.address,
        "land_area_m2": row.land_area_m2,
        "land_use_origin": row.land_use_origin,
        "registered_on": iso_or_none(row.registered_on),
        "status": row.status,
        "status_label": messages.SITE_STATUS[row.status],
        "closed_on": iso_or_none(row.closed_on),
        "dossier": _dossier_view(row.dossier_state, row.dossier_state_since, on)
        | {"lodged_on": iso_or_none(row.dossier_lodged_on)},
        "certificate": {"number": row.certificate_number,
                        "issued_on": iso_or_none(row.certificate_issued_on)}
        if row.has_certificate else None,
        "version": row.site_version,
        "dossier_version": row.dossier_version,
    }


def _filtered(
    query: Select[Any], f: SiteFilter, on: date, communes: list[str] | None,
    placing: UnitCatalogue,
) -> Select[Any]:
    query = query.where(*within(SITE_LIFE, f.reader_scope, f.district_code, placing=placing))
    if f.commune_code:
        # The sites a figure of `on` counts at the commune: those of the communes it succeeded
        # too (the kernel's placement, as reporting's row of that commune).
        query = query.where(sites.c.commune_code.in_(communes or [f.commune_code]))
    if f.religion:
        query = query.where(sites.c.religion == f.religion)
    if f.dossier_state:
        query = query.where(sites.c.dossier_state.in_(f.dossier_state))
    if f.has_certificate is not None:
        query = query.where(sites.c.has_certificate.is_(f.has_certificate))
    if f.overdue is True:
        query = query.where(sites.c.dossier_due_on < on)
    elif f.overdue is False:
        query = query.where(or_(sites.c.dossier_due_on.is_(None), sites.c.dossier_due_on >= on))
    if f.status != "all":
        query = query.where(sites.c.status == f.status)
    if f.q:
        # Every word must appear at a word start of the folded text ("tien lang" finds
        # "Tiên Lãng", "chua" finds "Chùa ..." but not "...chua" inside a word); the order
        # puts whole-phrase matches first.
        # A text with nothing searchable once folded ("---", "🙏", bytes that are no UTF-8)
        # finds nothing, as the units' search answers it: dropping the filter would answer
        # the whole register to a desk that asked to narrow it (Q5). An empty `q=` is no
        # search at all and filters nothing.
        words = fold(f.q).split()
        if not words:
            return query.where(false())
        for word in _needed_words(words):
            query = query.where(sites.c.search_text.contains(f" {word}"))
    return query


def _needed_words(words: list[str]) -> list[str]:
    """The words of a search that each narrow it: a word given twice, or the start of
    another word given (" c" is in every text holding " chua"), adds a test of every row
    and finds nothing more. «so so so ...» (60 times, within the 200 characters of `q`)
    scanned the city's 100,000 sites 60 times: 3 to 7 s on SQLite (examiner-hostile)."""
    unique = list(dict.fromkeys(words))
    return [w for w in unique if not any(o != w and o.startswith(w) for o in unique)]


def list_sites(
    conn: Connection, f: SiteFilter, on: date, paging: PageRequest,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The register as it stands, or with `known_at` as it stood then (`_now_or_known`)."""
    return _now_or_known(conn, known_at,
                         lambda then, placing: _list_sites(then, f, on, paging, placing))


def _now_or_known(
    conn: Connection, known_at: datetime | None,
    read: Callable[[Connection, UnitCatalogue], dict[str, Any]],
) -> dict[str, Any]:
    """What `read` lists from the read models now, placed by the successions recorded; or,
    with `known_at`, from the read models as they stood then (`InlineProjection.known_at`),
    placed by the successions recorded by then, the answer naming the moment."""
    if known_at is None:
        return read(conn, catalogue_now(conn, unit_successions))
    # Entered first: the successions are read in the replay's snapshot (`known_at`).
    with PROJECTION.known_at(conn, known_at) as then:
        placing = catalogue_known(conn, unit_successions, known_at)
        return read(then, placing) | {"known_at": known_at.isoformat()}


def _list_sites(
    conn: Connection, f: SiteFilter, on: date, paging: PageRequest, placing: UnitCatalogue
) -> dict[str, Any]:
    communes = sorted(codes_placed_in(placing, f.commune_code, on)) if f.commune_code else None
    total = conn.execute(
        _filtered(select(func.count()).select_from(sites), f, on, communes, placing)
    ).scalar_one()
    # By code in one order on every database, now and as known at a moment (RV5).
    order: list[Any] = [*code_order(sites.c.code)]
    phrase = fold(f.q) if f.q else ""
    if phrase:
        # Rows holding the words as one phrase ("dai thang" = Đại Thắng) before rows that
        # hold them apart ("Cao Đài Hùng Thắng").
        order.insert(0, case((sites.c.search_text.contains(f" {phrase} "), 0), else_=1))
    rows = conn.execute(
        _filtered(select(sites), f, on, communes, placing)
        .order_by(*order)
        .limit(paging.limit)
        .offset(paging.offset)
    ).all()
    return paging.envelope([site_item(row, on) for row in rows], total, as_of=on.isoformat())


def _site_row(conn: Connection, code: str) -> Any:
    return row_or_not_found(conn, select(sites).where(sites.c.code == code),
                            "SITE_NOT_FOUND", messages.SITE_NOT_FOUND.format(code=code))


def _step(envelope: EventEnvelope, fact: DomainEvent) -> dict[str, Any]:
    """A step as it counts: `event_id` names the event that states it (the step's own, or
    its last correction: the one a further correction names), `correction` why it was
    corrected."""
    payload = fact.model_dump(mode="json")
    correction = registry.upcast(envelope).payload if envelope.event_type != fact.event_type \
        else None
    return {
        "event_id": str(envelope.event_id),
        "event_type": fact.event_type,
        "label": messages.EVENT_LABELS.get(fact.event_type, fact.event_type),
        "state": payload.get("state"),
        "state_label": messages.DOSSIER_STATES.get(payload.get("state", ""), None),
        "on": day_vn(envelope.occurred_at).isoformat(),
        "actor": envelope.actor,
        "note": payload.get("note", ""),
        "document_refs": payload.get("document_refs", []),
        "certificate_number": payload.get("certificate_number"),
        "recorded_at": envelope.recorded_at.isoformat(),
        "version": envelope.aggregate_version,
        "correction": None if correction is None else {
            "corrects": correction["corrects"], "reason": correction["reason"]},
    }


def site_detail(conn: Connection, store: EventStore, code: str, on: date) -> dict[str, Any]:
    row = _site_row(conn, code)
    item = site_item(row, on)
    steps = store.load(conn, LandDossier.aggregate_type, code)
    facts = effective([(e, registry.decode(e)) for e in steps],
                      {e.aggregate_version: e for e in steps})
    item["dossier"]["steps"] = [_step(e, fact) for e, fact in facts
                                if fact.event_type in DOSSIER_STEP_EVENTS]
    # What a certificate correction's If-Match names: its record's own version, since a
    # correction of the authority or area alone leaves the dossier's as it was (finding J6).
    item["certificate_version"] = store.current_version(conn, Certificate.aggregate_type, code)
    item["certificates"] = [
        {
            "number": c.number,
            "issued_on": iso_or_none(c.issued_on),
            "issuing_authority": c.issuing_authority,
            "certified_area_m2": c.certified_area_m2,
            "status": c.status,
            "revoked_on": iso_or_none(c.revoked_on),
            "revoke_reason": c.revoke_reason,
        }
        for c in conn.execute(
            select(certificates).where(certificates.c.site_code == code)
            .order_by(certificates.c.issued_on)
        )
    ]
    item["compliance_cases"] = [
        case_item(c) for c in conn.execute(
            select(cases).where(cases.c.site_code == code).order_by(cases.c.detected_on)
        )
    ]
    return item


def certificate_by_number(conn: Connection, number: str) -> dict[str, Any]:
    row = row_or_not_found(conn, select(certificates).where(certificates.c.number == number),
                           "CERTIFICATE_NOT_FOUND",
                           messages.CERTIFICATE_NOT_FOUND.format(number=number))
    return {
        "number": row.number, "site_code": row.site_code, "issued_on": iso_or_none(row.issued_on),
        "issuing_authority": row.issuing_authority,
        "certified_area_m2": row.certified_area_m2, "status": row.status,
        "revoked_on": iso_or_none(row.revoked_on), "revoke_reason": row.revoke_reason,
    }


# -- history and as-of ---------------------------------------------------------------------------


def history(conn: Connection, store: EventStore, code: str) -> dict[str, Any]:
    envelopes = [e for cls in SITE_AGGREGATES for e in store.load(conn, cls.aggregate_type, code)]
    if not envelopes:
        raise NotFound("SITE_NOT_FOUND", messages.SITE_NOT_FOUND.format(code=code))
    case_ids = conn.execute(select(cases.c.case_id).where(cases.c.site_code == code)).scalars()
    for case_id in case_ids:
        envelopes += store.load(conn, "compliance", case_id)
    envelopes.sort(key=lambda e: e.position or 0)
    # Both the corrected fact and its correction stay in the history, each naming the other.
    corrected_by = {str(e.payload["corrects"]): str(e.event_id) for e in envelopes
                    if e.event_type in CORRECTION_TYPES}
    return {
        "code": code,
        "events": [
            {
                "position": e.position,
                "event_id": str(e.event_id),
                "event_type": e.event_type,
                "label": messages.EVENT_LABELS.get(e.event_type, e.event_type),
                "aggregate_type": e.aggregate_type,
                "aggregate_id": e.aggregate_id,
                "version": e.aggregate_version,
                "schema_version": e.schema_version,
                "occurred_on": day_vn(e.occurred_at).isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "actor": e.actor,
                "department": e.department,
                "correlation_id": e.correlation_id,
                "payload": registry.upcast(e).payload,
                "corrected_by": corrected_by.get(str(e.event_id)),
            }
            for e in envelopes
        ],
    }


def state_as_of(
    conn: Connection,
    store: EventStore,
    code: str,
    on: date,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The site as it stood on business date `on`, from the events dated up to that day and,
    with `known_at`, recorded up to that moment (what the register said then)."""
    found = _state_on(code, on, known_at, {
        cls.aggregate_type: _facts(store.load(conn, cls.aggregate_type, code,
                                              recorded_until=known_at))
        for cls in SITE_AGGREGATES})
    if found is None:
        if not store.load(conn, "site", code):
            raise NotFound("SITE_NOT_FOUND", messages.SITE_NOT_FOUND.format(code=code))
        raise NotFound("NOT_REGISTERED_YET",
                       messages.AS_OF_BEFORE_REGISTRATION.format(code=code, on=format_date_vn(on)))
    return found


def _facts(envelopes: list[EventEnvelope]) -> list[tuple[EventEnvelope, DomainEvent]]:
    """An aggregate's facts as corrected, each with the event that states it as it counts
    (its date: a corrected date moves the fact across a day asked)."""
    return effective([(e, registry.decode(e)) for e in envelopes],
                     {e.aggregate_version: e for e in envelopes})


def _state_on(
    code: str, on: date, known_at: datetime | None,
    facts: dict[str, list[tuple[EventEnvelope, DomainEvent]]],
) -> dict[str, Any] | None:
    """`state_as_of` from the facts of the site's three aggregates (`_facts`, those recorded
    by `known_at`); None when the site was not registered by `on`. One rule for the site's
    own read and the pilot's, which loads the facts of its sites in bulk."""
    loaded = {kind: [fact for e, fact in facts.get(kind, []) if day_vn(e.occurred_at) <= on]
              for kind in (cls.aggregate_type for cls in SITE_AGGREGATES)}
    if not loaded["site"]:
        return None
    site = ReligiousSite.rehydrate(code, loaded["site"])
    dossier = LandDossier.rehydrate(code, loaded["dossier"])
    cert = Certificate.rehydrate(code, loaded["certificate"])
    return {
        "code": code,
        "as_of": on.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "name": site.name,
        "religion": site.religion,
        # Named as the current view names them (`_unit_name`): a commune that had ceased by
        # `on` keeps its last name, not none (finding O13).
        "commune": {"code": site.commune_code, "name": _unit_name(site.commune_code, on, None)},
        "district": {"code": site.district_code,
                     "name": _unit_name(site.district_code, on, None)}
        if site.district_code else None,
        "address": site.address,
        "land_area_m2": site.land_area_m2,
        "land_use_origin": site.land_use_origin,
        "status": "closed" if site.closed else "active",
        "dossier": _dossier_view(dossier.state, dossier.state_since, on)
        | {"lodged_on": iso_or_none(dossier.lodged_on)},
        "certificate": {
            "number": cert.number,
            "issued_on": iso_or_none(cert.issued_on),
            "issuing_authority": cert.issuing_authority,
            "certified_area_m2": cert.certified_area_m2,
        } if cert.valid else None,
        "events_counted": sum(len(v) for v in loaded.values()),
        "version": site.version,
    }


# -- compliance cases ----------------------------------------------------------------------------


def case_item(row: Any) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "site_code": row.site_code,
        "commune_code": row.commune_code,
        "district_code": row.district_code,
        "violation_type": row.violation_type,
        "violation_label": messages.VIOLATION_TYPES[row.violation_type],
        "description": row.description,
        "reference": row.reference,
        "state": row.state,
        "state_label": messages.CASE_STATES[row.state],
        "detected_on": iso_or_none(row.detected_on),
        "state_since": iso_or_none(row.state_since),
        "referred_to": row.referred_to,
        "allowed_actions": [
            {"action": a, "label": messages.CASE_ACTIONS[a]}
            for a in allowed_case_actions(row.state)
        ],
        "version": row.version,
    }


def get_case(conn: Connection, case_id: str) -> dict[str, Any]:
    row = row_or_not_found(conn, select(cases).where(cases.c.case_id == case_id),
                           "CASE_NOT_FOUND", messages.CASE_NOT_FOUND.format(case_id=case_id))
    return case_item(row)


def list_cases(
    conn: Connection,
    *,
    state: str | None,
    violation_type: str | None,
    reader_scope: str,
    district_code: str | None,
    commune_code: str | None,
    site_code: str | None,
    paging: PageRequest,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The cases as they stand, or with `known_at` as they stood then, placed in a commune
    by the successions recorded by then on that moment's day (as the sites' list)."""
    args: dict[str, Any] = {"state": state, "violation_type": violation_type,
                            "reader_scope": reader_scope, "district_code": district_code,
                            "commune_code": commune_code, "site_code": site_code,
                            "paging": paging}
    on = today_vn() if known_at is None else day_vn(known_at)
    return _now_or_known(conn, known_at,
                         lambda then, placing: _list_cases(then, **args, on=on, placing=placing))


def _list_cases(
    conn: Connection,
    *,
    state: str | None,
    violation_type: str | None,
    reader_scope: str,
    district_code: str | None,
    commune_code: str | None,
    site_code: str | None,
    paging: PageRequest,
    on: date,
    placing: UnitCatalogue,
) -> dict[str, Any]:
    conditions = [
        column == value
        for column, value in (
            (cases.c.state, state),
            (cases.c.violation_type, violation_type),
            (cases.c.site_code, site_code),
        )
        if value is not None
    ]
    if commune_code is not None:
        # The cases a figure of the day counts at the commune: those of the communes it
        # succeeded too (the kernel's placement, as the sites' list for it, `_filtered`, and
        # reporting's row of the commune, `cases_pending`: review R5).
        conditions.append(cases.c.commune_code.in_(
            sorted(codes_placed_in(placing, commune_code, on))))
    conditions += within(CASE_LIFE, reader_scope, district_code, placing=placing)
    total = conn.execute(select(func.count()).select_from(cases).where(*conditions)).scalar_one()
    rows = conn.execute(
        select(cases).where(*conditions).order_by(cases.c.detected_on.desc(),
                                                   byte_order(cases.c.case_id))
        .limit(paging.limit).offset(paging.offset)
    ).all()
    by_type = conn.execute(
        select(cases.c.violation_type, func.count()).where(*conditions)
        .group_by(cases.c.violation_type)
    ).all()
    return paging.envelope(
        [case_item(r) for r in rows], total, by_violation_type={t: n for t, n in by_type}
    )


# -- the Tiên Lãng pilot -------------------------------------------------------------------------


def _pilot_day(day: date) -> date:
    """The day the pilot's tree is read on: `day`, or the district's last day after it
    ceased (the 2025 reform)."""
    last = default_catalogue().last_day(TIEN_LANG)
    return day if last is None else min(day, last)


def _pilot_communes(catalogue: UnitCatalogue, on: date) -> dict[str, str]:
    """For each commune code a site may be recorded at, the commune of the district on `on`
    whose row counts it (the kernel's placement, as reporting's rows); a code absent counts
    on the district's line «Chưa gắn với đơn vị hành chính hiện hành»."""
    return {code: commune.code for commune in catalogue.descendants(TIEN_LANG, on)
            for code in codes_placed_in(catalogue, commune.code, on)}


def _pilot_sites_on(conn: Connection, store: EventStore, day: date) -> list[dict[str, Any]]:
    """The sites of Tiên Lãng on `day`, each as it stood then (`state_as_of`): those whose
    commune was the district's that day (the register's rule, `district_on`). A day after
    the district ceased (the 2025 reform) is read on its last day: the pilot's sites are
    the ones it left. The candidates: every site with an event placed in one of the
    district's communes of that day, and those the register places there today."""
    catalogue = default_catalogue()
    placed_on = _pilot_day(day)
    communes = [u.code for u in catalogue.descendants(TIEN_LANG, placed_on)]
    candidates = set(conn.execute(
        select(events_table.c.aggregate_id).where(
            events_table.c.aggregate_type == ReligiousSite.aggregate_type,
            events_table.c.unit_code.in_(communes)).distinct()).scalars())
    candidates.update(conn.execute(
        select(sites.c.code).where(sites.c.district_code == TIEN_LANG)).scalars())
    rows = []
    # Each site replayed as `state_as_of` does, its events loaded with those of its
    # neighbours (`load_each`): a query for each aggregate of each site took 24 s for the
    # pilot of a city's register (examiner-hostile). A slice at a time holds the memory.
    ordered = sorted(candidates)
    for start in range(0, len(ordered), _PILOT_SLICE):
        some = ordered[start:start + _PILOT_SLICE]
        loaded = {cls.aggregate_type: store.load_each(conn, cls.aggregate_type, some)
                  for cls in SITE_AGGREGATES}
        for code in some:
            facts = {kind: _facts(by_code[code]) for kind, by_code in loaded.items()}
            placed = _state_on(code, placed_on, None, facts)
            item = placed if placed_on == day else _state_on(code, day, None, facts)
            if placed is None or item is None:
                continue  # not registered yet on that date
            recorded = placed["district"]["code"] if placed["district"] else None
            if district_on(placed["commune"]["code"], placed_on, recorded) == TIEN_LANG:
                rows.append(item)
    return rows


def tien_lang_pilot(
    conn: Connection, store: EventStore, on: date, as_of: date | None
) -> dict[str, Any]:
    """Per-site progress of certificate issuance in Huyện Tiên Lãng (district 315).

    Without `as_of` the current read model is used; with it, each site is replayed to that
    business date (the report to the Standing Board for a past period), and the sites are
    those placed in the district then (`_pilot_sites_on`), not those the register places
    there today: a site that moved out since is in it, one that moved in since is not."""
    day = as_of or on
    rows: list[dict[str, Any]] = []
    if as_of is None:
        rows = [site_item(row, on) for row in conn.execute(
            select(sites).where(sites.c.district_code == TIEN_LANG).order_by(sites.c.code))]
    else:
        rows = _pilot_sites_on(conn, store, as_of)
    rows = [r for r in rows if r["status"] == "active"]
    # One era in the whole document: the district's tree of the day read, each site counted
    # at the commune of that tree holding its own (a merged commune's at its successor) and
    # every unit named as of that day.
    placed_day = _pilot_day(day)
    counted_at = _pilot_communes(catalogue_now(conn, unit_successions), placed_day)
    by_state: dict[str, int] = {}
    by_commune: dict[str, dict[str, Any]] = {}
    for r in rows:
        state = r["dossier"]["state"]
        by_state[state] = by_state.get(state, 0) + 1
        r["commune"] = {"code": r["commune"]["code"],
                        "name": _unit_name(r["commune"]["code"], placed_day, None)}
        at = counted_at.get(r["commune"]["code"])
        commune = by_commune.setdefault(at or "", {
            "commune_code": at,
            "commune_name": _unit_name(at, placed_day, None) if at else NOT_CURRENT_UNIT,
            "sites": 0, "with_dossier": 0, "with_certificate": 0,
        })
        commune["sites"] += 1
        commune["with_dossier"] += int(r["dossier"]["has_dossier"])
        commune["with_certificate"] += int(r["certificate"] is not None)
    total = len(rows)
    with_dossier = sum(1 for r in rows if r["dossier"]["has_dossier"])
    with_certificate = sum(1 for r in rows if r["certificate"] is not None)
    district = default_catalogue().get(TIEN_LANG, placed_day)
    return {
        "title": messages.PILOT_TITLE,
        "recipient": messages.PILOT_RECIPIENT,
        "as_of": day.isoformat(),
        "district": {"code": TIEN_LANG, "name": district.name if district else None},
        "summary": {
            "sites": total,
            "with_dossier": with_dossier,
            "with_certificate": with_certificate,
            "percent_with_dossier": percent_of(with_dossier, total),
            "percent_with_certificate": percent_of(with_certificate, total),
            "overdue": sum(1 for r in rows if r["dossier"]["overdue"]),
            "by_state": [
                {"state": s, "label": messages.DOSSIER_STATES[s], "sites": n}
                for s, n in sorted(by_state.items())
            ],
        },
        # The district's line (no commune of that day) last.
        "by_commune": [by_commune[code] for code in sorted(by_commune, key=lambda c: (not c, c))],
        "sites": [
            {
                "code": r["code"],
                "name": r["name"],
                "religion": r["religion"],
                "commune": r["commune"],
                "counted_at": counted_at.get(r["commune"]["code"]),
                "dossier_state": r["dossier"]["state"],
                "dossier_state_label": r["dossier"]["state_label"],
                "state_since": r["dossier"]["since"],
                "lodged_on": r["dossier"]["lodged_on"],
                "overdue_days": r["dossier"]["overdue_days"],
                "certificate": r["certificate"],
            }
            for r in rows
        ],
    }
