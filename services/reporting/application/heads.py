"""Reading what I2 needs from the dialogue facts: every head and rule fact up to the cut-off
(not only the last, as terms and rule versions are sequences), judged by `domain/heads.py`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from services.reporting.adapters.tables import dialogue_facts, known_at
from services.reporting.application.fact_reads import session_dates
from services.reporting.application.lru import Lru
from services.reporting.domain.heads import (
    Held,
    Windows,
    head_figures,
    heads_owed,
    held_on_days,
    judged,
    rule_versions,
)
from shared.adminunits import default_catalogue

_COLUMNS = ("subject", "kind", "effect", "amount", "business_on", "unit_code", "district_code",
            "province_code")


def subject_facts(
    conn: Connection, family: str, cutoff_on: date, as_of: datetime
) -> dict[str, list[Row[Any]]]:
    """The facts of a dialogue family up to the cut-off and known as of `as_of`, per subject,
    in the order of the stock figures (business date, version, recording time, event id)."""
    t = dialogue_facts
    query = (
        select(*(t.c[name] for name in _COLUMNS))
        .where(t.c.family == family, t.c.business_on <= cutoff_on, known_at(t, as_of))
        .order_by(t.c.subject, t.c.business_on, t.c.seq, t.c.recorded_at, t.c.event_id)
    )
    found: dict[str, list[Row[Any]]] = {}
    for row in conn.execute(query):
        found.setdefault(row.subject, []).append(row)
    return found


def heads(
    conn: Connection, data_from: date, cutoff_on: date, as_of: datetime,
    held: Mapping[str, Sequence[date]],
) -> Iterator[tuple[Row[Any], str]]:
    """I2's figures of every head (see `domain/heads.py`); `held`: the holding dates of each
    head's sessions in the window."""
    rules = subject_facts(conn, "rule", cutoff_on, as_of)
    versions = rule_versions(row for rows in rules.values() for row in rows)
    return head_figures(subject_facts(conn, "head", cutoff_on, as_of), versions, held,
                        data_from, cutoff_on, default_catalogue().last_day_of)


def heads_of_windows(
    conn: Connection, windows: Sequence[tuple[date, date]], as_of: datetime,
    helds: Sequence[Counter[str]], kept: KeptOwed, generation: str | None = None,
) -> list[list[tuple[Row[Any], str]]]:
    """`heads` of several windows (a report and the period before), their facts read once.
    `generation`, the dialogue projection's, is given when `as_of` sees every fact: what the
    rule owes each head is then kept (in `kept`) for the next report with the same head and
    rule facts."""
    if generation is None:
        owed, _ = _owed_of_windows(conn, windows, as_of, max(end for _, end in windows))
    else:
        owed = kept_owed(conn, kept, windows, as_of, generation)
    return [list(judged(due, _held_by_chunks(conn, window, as_of, due, held)))
            for window, due, held in zip(windows, owed, helds, strict=True)]


def _held_by_chunks(
    conn: Connection, window: tuple[date, date], as_of: datetime, owed: Owed,
    counts: Counter[str],
) -> Held:
    """`Held` from the sessions per head summed over the window's chunks (`counts`): those
    of a head in office over the whole window all count; a head in office over part of it
    who held sessions in it is counted from the dates of their sessions (read from the
    facts), only those held on days in office counting (`shared/dialoguerule`)."""
    partial = {head_id for head_id, _, _, windows in owed
               if counts[head_id] and windows != (window,)}
    if not partial:
        return lambda head_id, windows: counts[head_id]
    dated = held_on_days(session_dates(conn, *window, as_of, partial))
    return lambda head_id, windows: (
        dated(head_id, windows) if head_id in partial else counts[head_id])


Owed = list[tuple[str, Row[Any], int, Windows]]  # per head in office: id, fact, owed, days


def _owed_of_windows(
    conn: Connection, windows: Sequence[tuple[date, date]], as_of: datetime, upto: date
) -> tuple[list[Owed], tuple[int, int]]:
    """What the rule owes every head in office per window, from the facts up to `upto`,
    and how many head and rule facts that was."""
    all_rules = subject_facts(conn, "rule", upto, as_of)
    all_heads = subject_facts(conn, "head", upto, as_of)
    found = []
    for data_from, cutoff_on in windows:
        rules = _until(all_rules, cutoff_on)
        versions = rule_versions(row for rows in rules.values() for row in rows)
        found.append(list(heads_owed(_until(all_heads, cutoff_on), versions, data_from,
                                     cutoff_on, default_catalogue().last_day_of)))
    read = (sum(map(len, all_heads.values())), sum(map(len, all_rules.values())))
    return found, read


# What the rule owes the heads per window, kept per database (by the service's
# `state.ReportingState`) for reports that see every fact. Head and rule facts are few and
# only ever added within a generation of the dialogue projection (a rebuild starts a new
# one), so their number says whether they changed; the sessions held change with every
# session and are compared afresh.
OwedKey = tuple[str, int, int, date, date]
_WINDOWS_KEPT = 8


KeptOwed = Lru[OwedKey, Owed]


def kept_windows() -> KeptOwed:
    return Lru(_WINDOWS_KEPT)


def head_and_rule_facts(conn: Connection) -> tuple[int, int]:
    """How many head and rule facts the dialogue projection holds: only ever added within a
    generation, so the number says whether what the rule owes the heads changed."""
    t = dialogue_facts
    counts = {str(family): int(count) for family, count in conn.execute(
        select(t.c.family, func.count()).where(t.c.family.in_(("head", "rule")))
        .group_by(t.c.family))}
    return counts.get("head", 0), counts.get("rule", 0)


def kept_owed(
    conn: Connection, kept: KeptOwed, windows: Sequence[tuple[date, date]], as_of: datetime,
    generation: str,
) -> list[Owed]:
    """What the rule owes every head in office per window, for a report whose `as_of` sees
    every fact (`generation`: the dialogue projection's): kept for the next one."""
    known = (generation, *head_and_rule_facts(conn))
    found = [kept.get((*known, *window)) for window in windows]
    if all(owed is not None for owed in found):
        return [owed for owed in found if owed is not None]
    # Every head and rule fact, whatever its date: the number read is the key it is kept by
    # (on a connection whose reads each see the latest commits, it may be more than counted).
    owed, (heads_read, rules_read) = _owed_of_windows(conn, windows, as_of, date.max)
    for window, due in zip(windows, owed, strict=True):
        kept.put((generation, heads_read, rules_read, *window), due)
    return owed


def _until(facts: dict[str, list[Row[Any]]], cutoff_on: date) -> dict[str, list[Row[Any]]]:
    """The facts up to a cut-off (each subject's facts are in business-date order)."""
    kept: dict[str, list[Row[Any]]] = {}
    for subject, rows in facts.items():
        if rows[-1].business_on <= cutoff_on:
            kept[subject] = rows
        else:
            earlier = [row for row in rows if row.business_on <= cutoff_on]
            if earlier:
                kept[subject] = earlier
    return kept
