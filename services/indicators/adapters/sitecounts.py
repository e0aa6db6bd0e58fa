"""Reading and writing what the live I3/I4 evaluation keeps: the facts of a few sites, and
the counts per (commune, placement date) in `ind_site_counts` (domain/sitetally.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Dialect, Table, delete, insert, select, tuple_, update

from services.indicators.adapters import tables as facts
from services.indicators.domain.facts import SiteFact, SiteStepFact
from services.indicators.domain.sitetally import (
    GroupCounts,
    SiteHistory,
    add_tally,
    site_tally,
)
from shared.adminunits import default_catalogue
from shared.driversql import RowsInsert, bind_processor, driver_of, in_lists, placeholder


def load_histories(
    conn: Connection, site_facts: Table, dossier_facts: Table, certificate_facts: Table,
    codes: Iterable[str],
) -> dict[str, SiteHistory]:
    """The facts of `codes` as they stand (a corrected one left out: its correction's row
    stands in its place); every code gets a history, empty when it has no fact.

    Read on the driver's cursor, each business date made a date by the column's own result
    processor: through SQLAlchemy, the expanding IN lists of a catch-up batch's 2,048 site
    codes (three tables, three lists each) were processed in Python before every query."""
    found = {code: SiteHistory(code) for code in codes}
    if not found:
        return found
    reads = _history_reads(conn.dialect, site_facts, dossier_facts, certificate_facts)
    cursor = driver_of(conn).cursor()
    try:
        for some in in_lists(sorted(found)):
            for kind, sql, day_of, fact in reads:
                cursor.execute(sql(len(some)), some)
                for code, value, day, seq, ref, name, event_id in cursor.fetchall():
                    on = day_of(day)
                    found[code].add(kind, event_id, (on, seq), fact(code, value, on, ref, name))
    finally:
        cursor.close()
    return found


_Fact = Callable[[str, Any, date, Any, Any], SiteFact | SiteStepFact]
_HistoryRead = tuple[str, Callable[[int], str], Callable[[Any], Any], _Fact]
_history_reads_made: dict[tuple[str, str, str, str], list[_HistoryRead]] = {}


def _history_reads(dialect: Dialect, site_facts: Table, dossier_facts: Table,
                   certificate_facts: Table) -> list[_HistoryRead]:
    """Per fact list: (its kind, its statement for n codes, how a business date is read, how
    a row becomes a fact). Every statement gives (code, kind or switch, date, seq, reference,
    name, event id)."""
    key = (dialect.name, site_facts.name, dossier_facts.name, certificate_facts.name)
    found = _history_reads_made.get(key)
    if found is not None:
        return found
    mark, quote = placeholder(dialect), dialect.identifier_preparer

    def statement(table: Table, value: str, ref: str, name: str) -> Callable[[int], str]:
        head = (f"SELECT site_code, {value}, on_date, seq, {ref}, {name}, event_id"
                f" FROM {quote.format_table(table)}"
                " WHERE superseded_at IS NULL AND site_code IN (")
        texts: dict[int, str] = {}

        def text(count: int) -> str:
            made = texts.get(count)
            if made is None:
                made = texts[count] = f"{head}{', '.join([mark] * count)})"
            return made

        return text

    def day_reader(table: Table) -> Callable[[Any], Any]:
        processor = table.c.on_date.type.dialect_impl(dialect).result_processor(dialect, None)
        return processor or (lambda value: value)

    found = _history_reads_made[key] = [
        ("sites", statement(site_facts, "kind", "commune_code", "name"), day_reader(site_facts),
         lambda code, kind, on, commune, name: SiteFact(code, kind, on, commune, name)),
        ("dossier", statement(dossier_facts, "switch", "event_type", "NULL"),
         day_reader(dossier_facts),
         lambda code, switch, on, ref, _: SiteStepFact(code, switch, on, ref)),
        ("certificate", statement(certificate_facts, "switch", "certificate_number", "NULL"),
         day_reader(certificate_facts),
         lambda code, switch, on, ref, _: SiteStepFact(code, switch, on, ref)),
    ]
    return found


def late_sites(
    conn: Connection, site_facts: Table, dossier_facts: Table, certificate_facts: Table,
    on: date, limit: int,
) -> list[str] | None:
    """Sites with a fact dated after `on` (their part on `on` is not the counts' one), or
    None when there are more than `limit` of them."""
    codes: set[str] = set()
    for table in (site_facts, dossier_facts, certificate_facts):
        codes.update(conn.execute(
            select(table.c.site_code)
            .where(table.c.on_date > on, table.c.superseded_at.is_(None))
            .distinct().limit(limit + 1)
        ).scalars())
        if len(codes) > limit:
            return None
    return sorted(codes)


def load_groups(conn: Connection, site_counts: Table) -> GroupCounts:
    return {
        (commune, placed_on): [sites, dossiers, certificates]
        for commune, placed_on, sites, dossiers, certificates in conn.execute(
            select(site_counts.c.commune_code, site_counts.c.placed_on, site_counts.c.sites,
                   site_counts.c.dossiers, site_counts.c.certificates)
        )
    }


def save_changes(conn: Connection, site_counts: Table, changes: GroupCounts) -> None:
    """Add `changes` to the stored counts; a group left without a site is deleted.

    Written in a few statements whatever the number of groups (a catch-up's batch moves
    thousands): the new and changed counts as one multi-row upsert, the emptied groups as one
    DELETE per IN list. Row by row, sqlite3 lets go of the GIL and takes it back for each row
    (`shared.driversql.RowsInsert`), beside the busy event loop of a consumer catching up."""
    changed = {group: delta for group, delta in changes.items() if any(delta)}
    if not changed:
        return
    stored: GroupCounts = {}
    keys = sorted(changed)
    place = tuple_(site_counts.c.commune_code, site_counts.c.placed_on)
    for some in in_lists(keys):
        for commune, placed_on, sites, dossiers, certificates in conn.execute(
            select(site_counts.c.commune_code, site_counts.c.placed_on, site_counts.c.sites,
                   site_counts.c.dossiers, site_counts.c.certificates)
            .where(place.in_(list(some)))
        ):
            stored[(commune, placed_on)] = [sites, dossiers, certificates]
    upsert, placed = _upsert(conn.dialect, site_counts)
    written: list[tuple[str, object, int, int, int]] = []
    gone: list[tuple[str, date]] = []
    for group, delta in changed.items():
        before = stored.get(group)
        after = [b + d for b, d in zip(before or (0, 0, 0), delta, strict=True)]
        if before is not None and after[0] == 0:
            gone.append(group)
        else:
            written.append((group[0], placed(group[1]), after[0], after[1], after[2]))
    if written:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            upsert.run(cursor, written)
        finally:
            cursor.close()
    for some in in_lists(gone):
        conn.execute(delete(site_counts).where(place.in_(list(some))))


_COUNT_COLUMNS = ("commune_code", "placed_on", "sites", "dossiers", "certificates")
_upserts: dict[tuple[str, str], tuple[RowsInsert, Callable[[Any], Any]]] = {}


def _upsert(dialect: Dialect, site_counts: Table) -> tuple[RowsInsert, Callable[[Any], Any]]:
    """The multi-row upsert of whole count rows into `site_counts` (a rebuild's generation
    has a table of its own), and how a placement date is bound on this dialect."""
    found = _upserts.get((dialect.name, site_counts.name))
    if found is None:
        quote = dialect.identifier_preparer
        columns = ", ".join(quote.quote(name) for name in _COUNT_COLUMNS)
        counted = ", ".join(f"{quote.quote(name)} = excluded.{quote.quote(name)}"
                            for name in _COUNT_COLUMNS[2:])
        found = _upserts[(dialect.name, site_counts.name)] = (
            RowsInsert(dialect, f"INSERT INTO {quote.format_table(site_counts)} ({columns})",
                       len(_COUNT_COLUMNS),
                       tail=f"ON CONFLICT (commune_code, placed_on) DO UPDATE SET {counted}"),
            bind_processor(site_counts.c.placed_on, dialect))
    return found


def read_stamp(conn: Connection, stamp: Table) -> str | None:
    """The token the last batch of facts wrote (None: none since the table was made)."""
    found = conn.execute(select(stamp.c.token).where(stamp.c.id == 1)).scalar()
    return None if found is None else str(found)


def write_stamp(conn: Connection, stamp: Table, read: str | None, token: str) -> bool:
    """Stamp the counts with a new `token`; whether the stamp was still `read` (nobody else
    wrote facts between this transaction's read and this write)."""
    if read is not None and conn.execute(
        update(stamp).where((stamp.c.id == 1) & (stamp.c.token == read)).values(token=token)
    ).rowcount == 1:
        return True
    if conn.execute(update(stamp).where(stamp.c.id == 1).values(token=token)).rowcount == 0:
        conn.execute(insert(stamp), {"id": 1, "token": token})
    return False


def count_every_site(
    conn: Connection,
    site_facts: Table = facts.site_facts,
    dossier_facts: Table = facts.dossier_facts,
    certificate_facts: Table = facts.certificate_facts,
    site_counts: Table = facts.site_counts,
) -> None:
    """Fill the counts from the facts (a database whose facts predate the counts)."""
    codes: Sequence[str] = list(
        conn.execute(select(site_facts.c.site_code).distinct()).scalars())
    groups: GroupCounts = {}
    catalogue = default_catalogue()
    for some in in_lists(codes):
        for history in load_histories(conn, site_facts, dossier_facts, certificate_facts,
                                      some).values():
            add_tally(groups, site_tally(history.state(), catalogue), 1)
    conn.execute(delete(site_counts))
    save_changes(conn, site_counts, groups)
