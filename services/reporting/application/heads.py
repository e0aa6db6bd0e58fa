"""Reading what I2 needs from the dialogue facts: every head and rule fact up to the cut-off
(not only the last, as terms and rule versions are sequences), judged by `domain/heads.py`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from services.reporting.adapters.tables import dialogue_facts
from services.reporting.domain.heads import head_figures, rule_versions

_COLUMNS = ("subject", "effect", "amount", "business_on", "unit_code", "district_code",
            "province_code")


def subject_facts(
    conn: Connection, family: str, cutoff_on: date, as_of: datetime
) -> dict[str, list[Row[Any]]]:
    """The facts of a dialogue family up to the cut-off and known as of `as_of`, per subject,
    in the order of the stock figures (business date, version, recording time, event id)."""
    t = dialogue_facts
    query = (
        select(*(t.c[name] for name in _COLUMNS))
        .where(t.c.family == family, t.c.business_on <= cutoff_on, t.c.recorded_at <= as_of)
        .order_by(t.c.subject, t.c.business_on, t.c.seq, t.c.recorded_at, t.c.event_id)
    )
    found: dict[str, list[Row[Any]]] = {}
    for row in conn.execute(query):
        found.setdefault(row.subject, []).append(row)
    return found


def heads(
    conn: Connection, data_from: date, cutoff_on: date, as_of: datetime, held: Counter[str]
) -> Iterator[tuple[Row[Any], str]]:
    """I2's figures of every head (see `domain/heads.py`); `held`: sessions per head id held
    in the window."""
    rules = subject_facts(conn, "rule", cutoff_on, as_of)
    versions = rule_versions(row for rows in rules.values() for row in rows)
    return head_figures(subject_facts(conn, "head", cutoff_on, as_of), versions, held,
                        data_from, cutoff_on)


def heads_of_windows(
    conn: Connection, windows: Sequence[tuple[date, date]], as_of: datetime,
    helds: Sequence[Counter[str]],
) -> list[list[tuple[Row[Any], str]]]:
    """`heads` of several windows (a report and the period before), their facts read once:
    at national scale a few thousand heads' facts are most of what a report reads."""
    upto = max(cutoff_on for _, cutoff_on in windows)
    all_rules = subject_facts(conn, "rule", upto, as_of)
    all_heads = subject_facts(conn, "head", upto, as_of)
    found = []
    for (data_from, cutoff_on), held in zip(windows, helds, strict=True):
        rules = _until(all_rules, cutoff_on)
        versions = rule_versions(row for rows in rules.values() for row in rows)
        found.append(list(head_figures(_until(all_heads, cutoff_on), versions, held,
                                       data_from, cutoff_on)))
    return found


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
