"""Reading and writing what the live I3/I4 evaluation keeps: the facts of a few sites, and
the counts per (commune, placement date) in `ind_site_counts` (domain/sitetally.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, tuple_, update

from services.indicators.adapters import tables as facts
from services.indicators.domain.facts import SiteFact, SiteStepFact
from services.indicators.domain.sitetally import (
    GroupCounts,
    SiteHistory,
    add_tally,
    site_tally,
)
from shared.adminunits import default_catalogue
from shared.driversql import in_lists


def load_histories(
    conn: Connection, site_facts: Table, dossier_facts: Table, certificate_facts: Table,
    codes: Iterable[str],
) -> dict[str, SiteHistory]:
    """The facts of `codes` (every code gets a history, empty when it has no fact)."""
    found = {code: SiteHistory(code) for code in codes}
    for some in in_lists(sorted(found)):
        for code, kind, day, seq, commune, name in conn.execute(
            select(site_facts.c.site_code, site_facts.c.kind, site_facts.c.on_date,
                   site_facts.c.seq, site_facts.c.commune_code, site_facts.c.name)
            .where(site_facts.c.site_code.in_(some))
        ):
            found[code].sites.append(((day, seq), SiteFact(code, kind, day, commune, name)))
        for code, switch, day, seq, ref in conn.execute(
            select(dossier_facts.c.site_code, dossier_facts.c.switch, dossier_facts.c.on_date,
                   dossier_facts.c.seq, dossier_facts.c.event_type)
            .where(dossier_facts.c.site_code.in_(some))
        ):
            found[code].dossier.append(((day, seq), SiteStepFact(code, switch, day, ref)))
        for code, switch, day, seq, ref in conn.execute(
            select(certificate_facts.c.site_code, certificate_facts.c.switch,
                   certificate_facts.c.on_date, certificate_facts.c.seq,
                   certificate_facts.c.certificate_number)
            .where(certificate_facts.c.site_code.in_(some))
        ):
            found[code].certificate.append(((day, seq), SiteStepFact(code, switch, day, ref)))
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
            select(table.c.site_code).where(table.c.on_date > on).distinct().limit(limit + 1)
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
    """Add `changes` to the stored counts; a group left without a site is deleted."""
    changed = {group: delta for group, delta in changes.items() if any(delta)}
    if not changed:
        return
    stored: GroupCounts = {}
    keys = sorted(changed)
    for some in in_lists(keys):
        for commune, placed_on, sites, dossiers, certificates in conn.execute(
            select(site_counts.c.commune_code, site_counts.c.placed_on, site_counts.c.sites,
                   site_counts.c.dossiers, site_counts.c.certificates)
            .where(tuple_(site_counts.c.commune_code, site_counts.c.placed_on).in_(list(some)))
        ):
            stored[(commune, placed_on)] = [sites, dossiers, certificates]
    new_rows: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    gone: list[dict[str, object]] = []
    for group, delta in changed.items():
        before = stored.get(group, [0, 0, 0])
        after = [b + d for b, d in zip(before, delta, strict=True)]
        row = {"c": group[0], "p": group[1], "n": after[0], "nd": after[1], "nc": after[2]}
        if group not in stored:
            new_rows.append(row)
        elif after[0] == 0:
            gone.append(row)
        else:
            updates.append(row)
    key = ((site_counts.c.commune_code == bindparam("c"))
           & (site_counts.c.placed_on == bindparam("p")))
    if new_rows:
        conn.execute(insert(site_counts), [
            {"commune_code": r["c"], "placed_on": r["p"], "sites": r["n"],
             "dossiers": r["nd"], "certificates": r["nc"]} for r in new_rows])
    if updates:
        conn.execute(update(site_counts).where(key).values(
            sites=bindparam("n"), dossiers=bindparam("nd"), certificates=bindparam("nc")),
            updates)
    if gone:
        conn.execute(delete(site_counts).where(key), gone)


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
