"""SQL reads of the fact tables a report is computed from (`from_facts.py`), and of the marks
the projections leave (`rpt_source_marks`), which say whether the chunk figures can serve a
report instead (`figures.py`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, and_, case, func, literal, or_, select

from services.reporting.adapters.tables import (
    dialogue_facts,
    indicators_facts,
    known_at,
    religion_facts,
    source_marks,
)
from services.reporting.application.chunk_sums import SourceMark
from services.reporting.application.report_figures import Window
from services.reporting.domain.counting import (
    FLOW_FAMILIES,
    SubjectHistory,
    fact_sign,
    group_families,
)
from shared.clock import in_utc
from shared.driversql import in_lists
from shared.planrules import last_overdue_due_on

TABLES: dict[str, Table] = {
    "religion": religion_facts,
    "dialogue": dialogue_facts,
    "indicators": indicators_facts,
}

#: The year's indicator definitions (`roll_up.year_targets`): a report reads them whatever
#: their business date, a definition being the whole year's.
TARGETS_FAMILY = "indicator"
#: What a report reads beside its period's data but no unit typed in as them: the year's
#: definitions (the indicators service records the plan's at its first start), the statuses
#: it announces from the data, the regulation's versions. Known alone, they make no figure.
NOT_DATA_FAMILIES: tuple[str, ...] = (TARGETS_FAMILY, "status", "rule")

_STOCK_COLUMNS = ("subject", "family", "kind", "effect", "state", "amount", "due_on",
                  "unit_code", "district_code", "province_code", "data")


def histories(
    conn: Connection, table: Table, family: str, window: Window, *, dated: bool = False
) -> dict[str, SubjectHistory]:
    """Each subject's history up to the cut-off, as known at "as of": of a family, or of a
    stock group (a site with its dossier and certificate, see `counting.py`); `dated`: each
    fact with its `business_on`."""
    families = group_families(family)
    dates = [table.c.business_on] if dated else []
    query = (
        select(*(table.c[name] for name in _STOCK_COLUMNS), *dates)
        .where(
            table.c.family.in_(families) if len(families) > 1 else table.c.family == family,
            table.c.business_on <= window.cutoff_on,
            known_at(table, window.as_of),
        )
        .order_by(table.c.subject, table.c.business_on, table.c.seq, table.c.recorded_at,
                  table.c.event_id)
    )
    found: dict[str, SubjectHistory] = {}
    for row in conn.execute(query):
        history = found.get(row.subject)
        if history is None:
            found[row.subject] = SubjectHistory.start(row)
        else:
            history.add(row)
    return found


#: The columns of `days_facts`, in the order of its tuples.
DAYS_COLUMNS = ("subject", "family", "kind", "effect", "state", "amount", "unit_code",
                "district_code", "province_code", "data", "business_on")


def days_facts(
    conn: Connection, table: Table, days: tuple[date, date], as_of: datetime,
) -> Sequence[tuple[Any, ...]]:
    """The facts known at "as of" dated after the first of `days` (excluded) to the second, or
    falling due on the first .. the day before the second (a commitment overdue at the end of
    the one and not of the other), as tuples of `DAYS_COLUMNS`: what a report counted up to
    the one day and not the other reads of the facts (`chunk_tail.py`), in one statement,
    through the indexes on the business date and on the due date (`tables._fact_table`; an
    OR of the two ranges, read as two index searches, not a scan). Rows fetched at once and
    unpacked as tuples: the caller walks some thousands of them per day, a row's attributes
    (or a row fetched one by one) cost it more than the read."""
    after, through = days
    c = table.c
    query = select(*(c[name] for name in DAYS_COLUMNS)).where(
        known_at(table, as_of),
        or_(and_(c.business_on > after, c.business_on <= through),
            and_(c.due_on > last_overdue_due_on(after), c.due_on <= last_overdue_due_on(through))))
    # Rows unpack as tuples (`Result.tuples()`, which says so to the type checker, is
    # deprecated in SQLAlchemy 2.1).
    return cast("Sequence[tuple[Any, ...]]", conn.execute(query).all())


def subject_histories(
    conn: Connection, table: Table, group: str, subjects: Collection[str], through: date,
    as_of: datetime,
) -> Iterator[list[Any]]:
    """The facts up to `through` known at "as of" of these subjects of a stock group, in the
    order of `histories`, with their `business_on`, one list per subject (found by the
    subject index)."""
    families = group_families(group)
    c = table.c
    rows: list[Any] = []
    for some in in_lists(sorted(subjects)):
        query = (
            select(*(c[name] for name in _STOCK_COLUMNS), c.business_on)
            .where(c.family.in_(families), c.subject.in_(some), c.business_on <= through,
                   known_at(table, as_of))
            .order_by(c.subject, c.business_on, c.seq, c.recorded_at, c.event_id)
        )
        for row in conn.execute(query):
            if rows and rows[0].subject != row.subject:
                yield rows
                rows = []
            rows.append(row)
    if rows:
        yield rows


def flow_rows(conn: Connection, source: str, window: Window) -> Sequence[Row[Any]]:
    """A source's flow facts in the window, counted (and their amounts summed) per kind,
    state, units and effect (a retraction counts minus: `counting.fact_sign`)."""
    table = TABLES[source]
    query = (
        select(
            table.c.kind, table.c.state, table.c.unit_code, table.c.district_code,
            table.c.province_code, table.c.effect, func.count().label("n"),
            func.sum(table.c.amount).label("total"),
        )
        .where(
            table.c.family.in_(FLOW_FAMILIES[source]),
            table.c.business_on >= window.data_from,
            table.c.business_on <= window.cutoff_on,
            known_at(table, window.as_of),
        )
        .group_by(table.c.kind, table.c.state, table.c.unit_code, table.c.district_code,
                  table.c.province_code, table.c.effect)
    )
    return conn.execute(query).all()


def held_counts(
    conn: Connection, start: date, end: date, as_of: datetime,
    heads: Collection[str] | None = None,
) -> dict[str, Counter[date]]:
    """Per head, the sessions held on each day of `start`..`end` known as of `as_of` (only
    those of `heads` if given), a retracted holding (a correction's) counting minus one."""
    table = dialogue_facts
    query = select(table.c.business_on, table.c.data, table.c.effect).where(
        and_(
            table.c.family == "session",
            table.c.kind == "SessionHeld",
            table.c.business_on >= start,
            table.c.business_on <= end,
            known_at(table, as_of),
        )
    )
    counted: dict[str, Counter[date]] = {}
    for on, data, effect in conn.execute(query):
        for head in json.loads(data or "{}").get("head_ids", []):
            if heads is None or head in heads:
                counted.setdefault(head, Counter())[on] += fact_sign(effect)
    return counted


def session_dates(
    conn: Connection, start: date, end: date, as_of: datetime,
    heads: Collection[str] | None = None,
) -> dict[str, list[date]]:
    """The holding dates of each head's sessions held in `start`..`end` and known as of
    `as_of` (only those of `heads` if given); a retracted holding (a correction's) is not."""
    held: dict[str, list[date]] = {}
    for head, days in held_counts(conn, start, end, as_of, heads).items():
        found = sorted(days.elements())  # the days counted more than retracted
        if found:
            held[head] = found
    return held


@dataclass(frozen=True)
class WindowUnits:
    """The facts of a source dated in a window that name the same units: when the first of
    them was recorded, and how many are known at two moments (`known_at`)."""

    unit_code: str | None
    district_code: str | None
    province_code: str | None
    first_recorded: datetime
    known_then: int
    known_now: int


def window_units(
    conn: Connection, data_from: date, cutoff_on: date, then: datetime, now: datetime,
) -> list[WindowUnits]:
    """Per source and units, the facts dated `data_from`..`cutoff_on`: what a signing as of
    `then` would know of a period's own facts against what is known `now` (the caller places
    the units on its report's tree); its data, not its definitions, statuses or rules
    (`NOT_DATA_FAMILIES`). One statement per source, through the business date's index."""
    found: list[WindowUnits] = []
    for table in TABLES.values():
        c = table.c
        query = (
            select(c.unit_code, c.district_code, c.province_code,
                   func.min(c.recorded_at),
                   func.sum(case((known_at(table, then), 1), else_=0)),
                   func.sum(case((known_at(table, now), 1), else_=0)))
            .where(c.business_on >= data_from, c.business_on <= cutoff_on,
                   c.recorded_at <= now, c.family.not_in(NOT_DATA_FAMILIES))
            .group_by(c.unit_code, c.district_code, c.province_code)
        )
        found += [WindowUnits(unit, district, province, in_utc(first), int(then_n or 0),
                              int(now_n or 0))
                  for unit, district, province, first, then_n, now_n in conn.execute(query)]
    return found


def latest_change(
    conn: Connection, cutoff_on: date, after: datetime, through: datetime,
) -> datetime | None:
    """The latest moment in (`after`, `through`] a fact a report cut off on `cutoff_on` reads
    was recorded or replaced by a correction (`known_at`'s two times): as of it and later, the
    report sees what it sees at `through`. The facts dated up to the cut-off, and the year's
    indicator definitions of any date (`TARGETS_FAMILY`). None when nothing changed."""
    latest: datetime | None = None
    for table in TABLES.values():
        c = table.c
        read = or_(c.business_on <= cutoff_on, c.family == TARGETS_FAMILY)
        for moment in (c.recorded_at, c.superseded_at):
            found = conn.execute(select(func.max(moment)).where(
                read, moment > after, moment <= through)).scalar()
            if found is not None:
                seen = in_utc(found)
                latest = seen if latest is None else max(latest, seen)
    return latest


@dataclass(frozen=True)
class Marks:
    """What the projections have written so far, from one small table."""

    key: tuple[Any, ...]  # changes whenever a fact is projected or a projection dropped
    complete: bool  # the chunk figures hold every fact
    latest: datetime | None  # the latest recording time of any fact
    sources: dict[str, SourceMark] = field(default_factory=dict)  # (generation, facts)

    def sees_everything(self, as_of: datetime) -> bool:
        return self.latest is None or as_of >= self.latest


def read_marks(conn: Connection) -> Marks:
    rows = {row.source: row for row in conn.execute(select(source_marks))}
    key: list[Any] = []
    sources: dict[str, SourceMark] = {}
    complete = True
    latest: datetime | None = None
    for source, table in TABLES.items():
        row = rows.get(source)
        if row is None:
            # Nothing projected since the chunks exist: complete only if nothing at all.
            if conn.execute(select(literal(1)).select_from(table).limit(1)).first():
                complete = False
            key.append((source, None))
            continue
        key.append((source, row.generation, int(row.facts)))
        sources[source] = (row.generation, int(row.facts))
        complete = complete and bool(row.complete)
        if row.latest_recorded_at is not None:
            seen = in_utc(row.latest_recorded_at)
            latest = seen if latest is None else max(latest, seen)
    return Marks(tuple(key), complete, latest, sources)
