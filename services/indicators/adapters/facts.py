"""Reading the fact tables: the facts known on a business date as of a recording time."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, func, or_, select

from services.indicators.adapters.tables import (
    certificate_facts,
    dossier_facts,
    head_facts,
    model_facts,
    reported_facts,
    rule_facts,
    session_facts,
    site_facts,
)
from services.indicators.domain.facts import (
    HeadFact,
    HeadTerm,
    HeldSession,
    ModelFact,
    ModelState,
    ReportedFact,
    RuleFact,
    SessionFact,
    SiteFact,
    SiteState,
    SiteStepFact,
    fold_heads,
    fold_models,
    fold_sessions,
    fold_sites,
)
from shared.adminunits import default_catalogue
from shared.clock import in_utc
from shared.ids import code_key


def _known(
    table: Table, on: date, as_of: datetime, *columns: str
) -> Select[Any]:
    """Facts dated up to `on` and recorded up to `as_of`, in business-date order. Only the
    named columns are read: at national scale, parsing unused timestamps costs seconds."""
    query = (
        select(*(table.c[name] for name in columns))
        .where(table.c.on_date <= on, table.c.recorded_at <= in_utc(as_of))
        .order_by(table.c.on_date, table.c.seq)
    )
    if "superseded_at" in table.c:  # a corrected fact, as known before its correction
        query = query.where(or_(table.c.superseded_at.is_(None),
                                table.c.superseded_at > in_utc(as_of)))
    return query


def load_sites(
    conn: Connection, on: date, as_of: datetime, sites_table: Table = site_facts,
    dossier_table: Table = dossier_facts, certificate_table: Table = certificate_facts,
) -> dict[str, SiteState]:
    """The sites on `on` (from a generation's tables when given: a rebuild's)."""
    sites = [
        SiteFact(code, kind, day, commune, name)
        for code, kind, day, commune, name in conn.execute(
            _known(sites_table, on, as_of, "site_code", "kind", "on_date", "commune_code",
                   "name")
        )
    ]
    dossier = [
        SiteStepFact(code, switch, day, event_type)
        for code, switch, day, event_type in conn.execute(
            _known(dossier_table, on, as_of, "site_code", "switch", "on_date", "event_type")
        )
    ]
    certificate = [
        SiteStepFact(code, switch, day, number)
        for code, switch, day, number in conn.execute(
            _known(certificate_table, on, as_of, "site_code", "switch", "on_date",
                   "certificate_number")
        )
    ]
    return fold_sites(sites, dossier, certificate)


def load_heads(conn: Connection, on: date, as_of: datetime) -> dict[str, list[HeadTerm]]:
    return fold_heads(
        (HeadFact(*row) for row in conn.execute(
            _known(head_facts, on, as_of, "head_id", "kind", "on_date", "unit_code", "role",
                   "full_name")
        )),
        default_catalogue().last_day_of,
    )


def load_sessions(
    conn: Connection, start: date, on: date, as_of: datetime
) -> list[HeldSession]:
    """Sessions held between `start` and `on`; cancellations of any date up to `on`."""
    query = _known(
        session_facts, on, as_of, "session_id", "kind", "on_date", "unit_code", "head_ids"
    ).where((session_facts.c.on_date >= start) | (session_facts.c.kind == "cancelled"))
    return fold_sessions(
        SessionFact(session_id, kind, day, unit, tuple(json.loads(heads)))
        for session_id, kind, day, unit, heads in conn.execute(query)
    )


def session_history(conn: Connection, session_ids: tuple[str, ...]) -> list[SessionFact] | None:
    """Every fact received of one session (under any of its spellings), whatever its date;
    None when none was: the dialogue service never published it, or not yet to us."""
    query = (
        select(session_facts.c.session_id, session_facts.c.kind, session_facts.c.on_date,
               session_facts.c.unit_code, session_facts.c.head_ids)
        .where(session_facts.c.session_id.in_(session_ids))
        .order_by(session_facts.c.on_date, session_facts.c.seq)
    )
    facts = [
        SessionFact(session_id, kind, day, unit, tuple(json.loads(heads)))
        for session_id, kind, day, unit, heads in conn.execute(query)
    ]
    return facts or None


def load_site(conn: Connection, site_code: str, on: date, as_of: datetime) -> SiteState | None:
    """One site on `on`, as `load_sites` folds it, reading only that site's facts."""
    def of_site(table: Table, *columns: str) -> Select[Any]:
        return _known(table, on, as_of, *columns).where(table.c.site_code == site_code)

    sites = [SiteFact(code, kind, day, commune, name) for code, kind, day, commune, name in
             conn.execute(of_site(site_facts, "site_code", "kind", "on_date", "commune_code",
                                  "name"))]
    dossier = [SiteStepFact(code, switch, day, event_type) for code, switch, day, event_type in
               conn.execute(of_site(dossier_facts, "site_code", "switch", "on_date",
                                    "event_type"))]
    return fold_sites(sites, dossier, ()).get(site_code)


def site_spelling(conn: Connection, site_code: str) -> str | None:
    """The site's code as the religion service's facts spell it, typed in any case ("ev-01"
    names EV-01: a site code is a human code, `shared.ids.code_key`, read so by religion too);
    None while none of its facts has reached us, of any date. The spelling typed is looked up
    first (the index); a store holding one code in two spellings (registered before religion
    claimed codes case-blind) names, for another spelling, the first received."""
    exact = select(site_facts.c.site_code).where(site_facts.c.site_code == site_code).limit(1)
    if conn.execute(exact).first() is not None:
        return site_code
    folded = (select(site_facts.c.site_code)
              .where(func.upper(site_facts.c.site_code) == code_key(site_code))
              .order_by(site_facts.c.seq).limit(1))
    found = conn.execute(folded).scalar()
    return None if found is None else str(found)


def load_rules(conn: Connection, as_of: datetime) -> list[RuleFact]:
    """Rules in recording order; their own `effective_from` says when each applies."""
    query = (
        select(rule_facts)
        .where(rule_facts.c.recorded_at <= in_utc(as_of))
        .order_by(rule_facts.c.recorded_at, rule_facts.c.seq)
    )
    return [
        RuleFact(r.level, r.min_sessions_per_year, r.effective_from) for r in conn.execute(query)
    ]


def load_models(conn: Connection, on: date, as_of: datetime) -> dict[str, ModelState]:
    return fold_models(
        ModelFact(*row)
        for row in conn.execute(
            _known(model_facts, on, as_of, "model_id", "kind", "on_date", "unit_code", "field",
                   "title", "recognition_level")
        )
    )


def load_reported(
    conn: Connection, indicator_id: str, year: int, on: date, as_of: datetime
) -> list[ReportedFact]:
    columns = ("unit_code", "numerator", "denominator", "on_date", "actor", "recorded_at",
               "department", "note", "source_document")
    query = _known(reported_facts, on, as_of, *columns).where(
        reported_facts.c.indicator_id == indicator_id, reported_facts.c.year == year
    )
    return [
        ReportedFact(
            r.unit_code,
            r.numerator,
            r.denominator,
            r.on_date,
            r.actor,
            _iso(r.recorded_at),
            r.department,
            r.note,
            r.source_document,
        )
        for r in conn.execute(query)
    ]


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
