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
from shared.driversql import RowsInsert, bind_processor, in_lists


def load_histories(
    conn: Connection, site_facts: Table, dossier_facts: Table, certificate_facts: Table,
    codes: Iterable[str],
) -> dict[str, SiteHistory]:
    """The facts of `codes` as they stand (a corrected one left out: its correction's row
    stands in its place); every code gets a history, empty when it has no fact."""
    found = {code: SiteHistory(code) for code in codes}
    for some in in_lists(sorted(found)):
        for code, kind, day, seq, commune, name, event_id in conn.execute(
            select(site_facts.c.site_code, site_facts.c.kind, site_facts.c.on_date,
                   site_facts.c.seq, site_facts.c.commune_code, site_facts.c.name,
                   site_facts.c.event_id)
            .where(site_facts.c.site_code.in_(some), site_facts.c.superseded_at.is_(None))
        ):
            found[code].add("sites", event_id, (day, seq),
                            SiteFact(code, kind, day, commune, name))
        for code, switch, day, seq, ref, event_id in conn.execute(
            select(dossier_facts.c.site_code, dossier_facts.c.switch, dossier_facts.c.on_date,
                   dossier_facts.c.seq, dossier_facts.c.event_type, dossier_facts.c.event_id)
            .where(dossier_facts.c.site_code.in_(some),
                   dossier_facts.c.superseded_at.is_(None))
        ):
            found[code].add("dossier", event_id, (day, seq),
                            SiteStepFact(code, switch, day, ref))
        for code, switch, day, seq, ref, event_id in conn.execute(
            select(certificate_facts.c.site_code, certificate_facts.c.switch,
                   certificate_facts.c.on_date, certificate_facts.c.seq,
                   certificate_facts.c.certificate_number, certificate_facts.c.event_id)
            .where(certificate_facts.c.site_code.in_(some),
                   certificate_facts.c.superseded_at.is_(None))
        ):
            found[code].add("certificate", event_id, (day, seq),
                            SiteStepFact(code, switch, day, ref))
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
