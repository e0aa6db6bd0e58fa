"""Indicator I2 in a report: heads in office in I2's window, and those who met the rule.

I2's window is the report's data window, from the day after the previous year's 12-month
cut-off as it stands (15/12 of the year before by default) to the report's cut-off, bounded
by the year's definition (`shared/planrules.i2_window`): the report judges the sessions it
counts as held, and each held session counts in one year's I2 (finding O14). A head counts
in `heads_in_office` when in office at some time in that window (a head who left mid-year
still counts), at the units of their last `HeadTookOffice`/`HeadLeftOffice` fact up to the
cut-off that put them in office. They count in `heads_meeting_rule` when the sessions they
held in the window, on days they were in office (`shared/dialoguerule.held_in_windows`), are
at least what the direct-dialogue rule asks of them there: `shared/dialoguerule.py`, the
rule the dialogue and indicators services apply too, over the parts of the window the head
was in office (their terms: a head who left and came back has two), with the
`DialogueRuleSet` versions of their level; and in `heads_owing` when that is at least one
session (no head owing: I2 is "chưa đến hạn"). No version in force owes nothing; the
dialogue service records its versions as events from its first start.

The facts say what the rule needs: a head fact's business date is `from_date` (took office)
or `to_date` (left office, the last day in office); a rule fact's subject is the level, its
business date `effective_from` (the dialogue service records the event on that date) and its
amount the minimum a year.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.domain.counting import RETRACTED
from shared.dialoguerule import held_in_windows, required_sessions
from shared.planrules import head_meets_rule, office_in_window, term_last_day

Fact = Any  # a fact row with `kind`, `effect`, `business_on`, `unit_code`, `subject`, `amount`
#: The kind of a head's leaving fact (its retraction: a corrected leaving, L2).
LEFT_OFFICE = "HeadLeftOffice"
LEVEL_BY_LENGTH = {2: "province", 3: "district", 5: "commune"}


@dataclass(frozen=True)
class RuleVersion:
    """One `DialogueRuleSet` of a level, as the reporting service holds it."""

    effective_from: date
    min_sessions_per_year: int


def rule_versions(rules: Iterable[Fact]) -> dict[str, list[RuleVersion]]:
    """The versions per level, in fact order (a later fact of the same date corrects)."""
    versions: dict[str, list[RuleVersion]] = {}
    for row in rules:
        if row.amount is not None:
            versions.setdefault(row.subject, []).append(
                RuleVersion(row.business_on, int(row.amount)))
    return versions


UnitLastDay = Callable[[str, date], date | None]


def terms_of(
    facts: Sequence[Fact], unit_last_day: UnitLastDay
) -> list[tuple[Fact, date | None]]:
    """A head's terms from their facts in order: the fact that started each (a repeated
    "took office" while in office adds nothing) and its last day (None: still in office).
    A term cannot outlast its unit (`unit_last_day`, the catalogue's: a district abolished on
    1 July 2025 ends its heads' terms on 30 June), as the dialogue service counts it."""
    # Each term as its facts state it: the fact that started it and its leaving's day.
    found: list[tuple[Fact, date | None]] = []
    for row in facts:
        open_term = bool(found) and found[-1][1] is None
        if row.effect == 1 and not open_term:
            found.append((row, None))
        elif row.effect == 0 and open_term:
            found[-1] = (found[-1][0], row.business_on)
        elif row.effect == RETRACTED and found and row.kind == LEFT_OFFICE:
            # The leaving of that day was corrected (L2): the term is open again until the
            # restated leaving, a fact of its own on its right day.
            if found[-1][1] == row.business_on:
                found[-1] = (found[-1][0], None)
        elif row.effect == RETRACTED and open_term and (
                found[-1][0].business_on == row.business_on):
            # The taking of office of that day was corrected (shared/corrections.py): the
            # restated one is a fact of its own, on its right day.
            found.pop()
    terms: list[tuple[Fact, date | None]] = []
    for start, left_on in found:
        last = term_last_day(left_on, unit_last_day(start.unit_code, start.business_on)
                             if start.unit_code else None)
        if last is None or last >= start.business_on:
            terms.append((start, last))
    return terms


def terms_in_window(
    facts: Sequence[Fact], start: date, end: date, unit_last_day: UnitLastDay
) -> list[tuple[date, date]]:
    """The parts of `start`..`end` a head was in office, from their facts in order."""
    return office_in_window(
        ((row.business_on, last) for row, last in terms_of(facts, unit_last_day)), start, end)


def level_of(unit_code: str | None) -> str:
    return LEVEL_BY_LENGTH.get(len(unit_code or ""), "commune")


@functools.lru_cache(maxsize=4096)
def _required(
    terms: tuple[tuple[date, date], ...], versions: tuple[RuleVersion, ...]
) -> int:
    """`required_sessions`, once per distinct terms and rule: at national scale thousands of
    heads took office on the same day under the same rule."""
    return required_sessions(terms, versions)


Windows = tuple[tuple[date, date], ...]  # the parts of a window a head was in office
#: The sessions a head held inside their windows (`shared/dialoguerule.held_in_windows`).
Held = Callable[[str, Windows], int]


def held_on_days(held: Mapping[str, Sequence[date]]) -> Held:
    """`Held` of the holding dates of each head's sessions in the window."""
    return lambda head_id, windows: len(held_in_windows(held.get(head_id, ()), windows))


def heads_owed(
    heads: Mapping[str, Sequence[Fact]],
    rules: Mapping[str, Sequence[RuleVersion]],
    start: date,
    end: date,
    unit_last_day: UnitLastDay,
) -> Iterator[tuple[str, Fact, int, Windows]]:
    """(head id, the fact whose units the head counts under, the sessions the rule owes
    them in `start`..`end`, the parts of it they were in office) for every head of `heads`
    (their facts up to the cut-off `end`, in order) in office at some time in
    `start`..`end`."""
    for head_id, facts in heads.items():
        switches = [row for row in facts if row.effect is not None]
        # A window that holds no day (a cut-off before the definition's period) reaches
        # nobody, as in the indicators service.
        reaching = [(row, last) for row, last in terms_of(switches, unit_last_day)
                    if start <= end and row.business_on <= end
                    and (last is None or last >= start)]
        if not reaching:
            continue
        row = reaching[-1][0]  # counted at the units of their last term in the window
        terms = tuple(office_in_window(((r.business_on, last) for r, last in reaching),
                                       start, end))
        owed = _required(terms, tuple(rules.get(level_of(row.unit_code), ())))
        yield head_id, row, owed, terms


def judged(
    owed: Iterable[tuple[str, Fact, int, Windows]], held: Held
) -> Iterator[tuple[Fact, str]]:
    """(fact, figure) of every head in office: each counts in office, and meets the rule when
    the sessions held inside their windows (`held`) are at least those owed."""
    for head_id, row, due, windows in owed:
        yield row, "heads_in_office"
        if head_meets_rule(held(head_id, windows), due):
            yield row, "heads_meeting_rule"
        if due > 0:
            yield row, "heads_owing"


def head_figures(
    heads: Mapping[str, Sequence[Fact]],
    rules: Mapping[str, Sequence[RuleVersion]],
    held: Mapping[str, Sequence[date]],
    start: date,
    end: date,
    unit_last_day: UnitLastDay,
) -> Iterator[tuple[Fact, str]]:
    """(the fact whose units the head counts under, figure) for every head of `heads` (their
    facts up to the cut-off `end`, in order); `held`: the holding dates of each head's
    sessions in the window."""
    return judged(heads_owed(heads, rules, start, end, unit_last_day), held_on_days(held))
