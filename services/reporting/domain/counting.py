"""How facts count toward the figures of a report.

One set of rules for both ways a report is computed: from the fact tables (any "as of") and
from the per-chunk sums the projections keep (as of now). Sharing them is what makes the two
give the same figures.

A row handed to these rules is a fact row, read from the database or about to be written:
anything with the fact columns as attributes (`family`, `unit_code`, `effect`, `state`,
`due_on`...).

What counts toward the plan's indicators is the kernel's rulebook (`shared/planrules.py`):
a site's dossier and certificate count only while the site itself is open (a closed site
leaves the numerator with the register), so a site's own facts, its dossier's and its
certificate's make one history (the "site" group); a commitment's standing at a cut-off is
decided from its due date and completion at that cut-off, never from an "overdue" recorded
later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.reporting.domain.metrics import MODEL_FIELDS
from shared.planrules import (
    commitment_standing,
    entry_counts_in,
    site_counts_i3,
    site_counts_i4,
)

Fact = Any  # a fact row, see the module docstring

#: The flow figure of contest entries: counted in the reports of their contest's year only
#: (`flow_figures`).
CONTEST_ENTRIES = "contest_entries"

# Flow figures: (fact table, event type) → figure. A count, or the sum of `amount` for
# the attendance of filed session reports.
FLOW_KINDS: dict[tuple[str, str], str] = {
    ("religion", "LandDossierLodged"): "dossiers_lodged",
    ("religion", "DossierRejected"): "dossiers_rejected_or_withdrawn",
    ("religion", "DossierWithdrawn"): "dossiers_rejected_or_withdrawn",
    ("religion", "CertificateIssued"): "certificates_issued",
    ("religion", "CertificateRevoked"): "certificates_revoked",
    ("religion", "ComplianceCaseOpened"): "cases_opened",
    ("religion", "ComplianceCaseResolved"): "cases_resolved",
    ("religion", "ComplianceCaseReferred"): "cases_referred",
    ("dialogue", "SessionPlanned"): "sessions_planned",
    ("dialogue", "SessionHeld"): "sessions_held",
    ("dialogue", "SessionCancelled"): "sessions_cancelled",
    ("dialogue", "SessionReportFiled"): "sessions_reported",
    ("dialogue", "IssueRaised"): "issues_raised",
    ("dialogue", "CommitmentMade"): "commitments_made",
    ("indicators", "ModelRegistered"): "models_registered",
    ("indicators", "ModelRecognised"): "models_recognised",
    ("indicators", "ContestEntrySubmitted"): CONTEST_ENTRIES,
}
FLOW_FAMILIES = {
    "religion": ("dossier", "certificate", "compliance"),
    "dialogue": ("session", "issue", "commitment"),
    "indicators": ("model", "contest"),
}
ISSUE_HANDLING = {"answered_on_spot": "issues_answered_on_spot", "assigned": "issues_assigned"}
ATTENDANCE = "attendance"  # summed from the `amount` of filed session reports

# Stock figures come from each subject's history up to the cut-off (see `stock_figures`).
# A stock group is read as one history per subject: most are one family; a site's group
# holds its dossier's and certificate's facts too (their subject is the site's code).
STOCK_FAMILIES: dict[str, tuple[str, ...]] = {
    "religion": ("site", "compliance"),
    "dialogue": ("commitment",),
    "indicators": ("model",),
}
GROUP_FAMILIES: dict[str, tuple[str, ...]] = {"site": ("site", "dossier", "certificate")}
FAMILY_GROUP: dict[str, str] = {
    family: group for group, families in GROUP_FAMILIES.items() for family in families}


def group_of(family: str) -> str:
    """The stock group a family's facts are read in."""
    return FAMILY_GROUP.get(family, family)


def group_families(group: str) -> tuple[str, ...]:
    return GROUP_FAMILIES.get(group, (group,))

# The stock figures each family's subjects count for (see `stock_figures`).
FAMILY_STOCKS: dict[str, tuple[str, ...]] = {
    "site": ("sites", "sites_with_dossier", "dossiers_requisitioned", "sites_with_certificate"),
    "compliance": ("cases_pending",),
    "commitment": ("commitments_total", "commitments_done", "commitments_overdue",
                   "commitments_in_progress"),
    # A commune "has a model" for I1 when it has one of a field the year's definition counts:
    # decided from these per-field counts once the facts are placed on the report's tree
    # (`roll_up.finish_figures`), so the chunk figures do not depend on any definition.
    "model": ("models_active", *(f"models_{f}" for f in MODEL_FIELDS)),
}
STOCK_FIGURES: tuple[str, ...] = tuple(
    figure for families in STOCK_FAMILIES.values() for family in families
    for figure in FAMILY_STOCKS[family]
)

FLOW_FIGURES: tuple[str, ...] = tuple(
    dict.fromkeys([*FLOW_KINDS.values(), *ISSUE_HANDLING.values(), ATTENDANCE])
)
# What the projections sum per chunk (heads are counted from their facts: a head meets the
# rule or not by the sessions of the whole window).
CHUNK_FIGURES: tuple[str, ...] = FLOW_FIGURES + STOCK_FIGURES


def source_figures(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The flow and the stock figures the facts of one source stream count for."""
    flows = {metric for (src, _), metric in FLOW_KINDS.items() if src == source}
    if "issues_raised" in flows:
        flows |= set(ISSUE_HANDLING.values())
    if "sessions_reported" in flows:
        flows.add(ATTENDANCE)
    stocks = {f for family in STOCK_FAMILIES.get(source, ()) for f in FAMILY_STOCKS[family]}
    return (tuple(f for f in FLOW_FIGURES if f in flows),
            tuple(f for f in STOCK_FIGURES if f in stocks))

# Heads (I2) are judged by the direct-dialogue rule of shared/dialoguerule.py: domain/heads.py.


#: The state of a contest entry's fact stored before finding O15 dated outside its contest's
#: plan year (stored before finding K12 refused it): it counts in no period. Written no more:
#: an entry's state is its contest's year (`contest_state`), judged when it is counted.
OUTSIDE_CONTEST_YEAR = "outside_contest_year"
#: The state of a model's recognition or contest entry dated on a day its model does not run
#: (`shared.planrules.model_running_on`: before its start, on or after its closing day, or a
#: model whose registration was voided): it counts in no period. The indicators service
#: refuses such a fact; one stored before it did (or whose model was closed or voided by an
#: event recorded later) stops counting from the event that took its day out of the
#: model's life (`FactWriter._model_life_changed`), as a correction's retraction does.
MODEL_NOT_RUNNING = "model_not_running"
#: The states of a fact that counts for no flow figure.
NOT_COUNTED_STATES = frozenset({OUTSIDE_CONTEST_YEAR, MODEL_NOT_RUNNING})


def contest_state(contest_year: object) -> str | None:
    """The state a contest entry's fact is stored with: its contest's year ("2023"), which
    decides the reports it counts in (`flow_figures`). Not whether it counts: that depends
    on the year's data window in force, which the Commission may move before or after the
    entry arrives (finding O15), so it is judged when a report counts it."""
    return str(contest_year) if isinstance(contest_year, int) else None


def _contest_year(state: str | None) -> int | None:
    return int(state) if state is not None and state.isdigit() else None


def flow_figures(
    source: str, kind: str, state: str | None, year: int
) -> tuple[str, ...]:
    """The flow figures one fact of this kind and state counts for in a report of `year`
    whose window holds the fact's day (a chunk's: the year whose default windows hold it,
    `chunks.chunk_year`): one each, except `ATTENDANCE`, which adds the fact's amount
    (`flow_amount`). A contest entry counts only in a report of its contest's year (the
    kernel's `entry_counts_in`, finding O15); one stored before its state named its year
    counts as it did, in the report of its day, until reporting is rebuilt. The one flow
    rule of both ways to a report (the fact tables' sums and the projections' chunk
    figures)."""
    metric = FLOW_KINDS.get((source, kind))
    if metric is None or state in NOT_COUNTED_STATES:
        return ()
    if metric == CONTEST_ENTRIES:
        contest_year = _contest_year(state)
        if contest_year is not None and not entry_counts_in(contest_year, year):
            return ()
    if metric == "issues_raised" and state in ISSUE_HANDLING:
        return (metric, ISSUE_HANDLING[state])
    if metric == "sessions_reported":
        return (metric, ATTENDANCE)
    return (metric,)


#: The `effect` of a flow fact that withdraws one earlier fact of its kind, units and business
#: date: the retraction a correction amounts to (shared/corrections.py). It counts minus one
#: wherever the corrected fact counted one (its figures, a head's sessions), so both known at
#: a report's "as of" count nothing; a report as of before the correction still counts the
#: corrected fact, as it was known then.
RETRACTED = -1


def fact_sign(effect: int | None) -> int:
    """What a flow fact counts for: one, or minus one for a retraction (`RETRACTED`)."""
    return -1 if effect == RETRACTED else 1


def flow_amount(metric: str, count: int, amount: float | None) -> float:
    """What `count` facts add to a flow figure: their number, or for the attendance their
    summed amount (None: not reported)."""
    return (amount or 0) if metric == ATTENDANCE else count


# Whether a commitment is done is switched by its completion and its reopening only: the last
# of them up to a cut-off decides. The facts after it by business date say nothing of it: an
# "overdue" recorded before a backdated completion is dated after that completion.
COMMITMENT_DONE: dict[str, bool] = {"CommitmentCompleted": True, "CommitmentReopened": False}


@dataclass
class SubjectHistory:
    """What a stock figure needs of one subject's facts up to the cut-off, in the order
    (business date, version, recording time, event id)."""

    first: Fact
    last: Fact
    switch: Fact | None  # the last fact that switched it on or off
    due_on: date | None = None  # the latest due date a fact gave (commitments)
    completion: Fact | None = None  # the last completion or reopening (`COMMITMENT_DONE`)
    parts: dict[str, SubjectHistory] = field(default_factory=dict)  # per family of a group

    @property
    def on(self) -> bool:
        return self.switch is not None and self.switch.effect == 1

    @classmethod
    def start(cls, row: Fact) -> SubjectHistory:
        """The history of a subject from its first fact; a group's keeps one per family."""
        history = cls._one(row)
        if group_of(row.family) != row.family or row.family in GROUP_FAMILIES:
            history.parts[row.family] = cls._one(row)
        return history

    @classmethod
    def _one(cls, row: Fact) -> SubjectHistory:
        return cls(row, row, row if row.effect is not None else None, row.due_on,
                   row if row.kind in COMMITMENT_DONE else None)

    def add(self, row: Fact) -> None:
        self.last = row
        if row.effect is not None:
            self.switch = row
        if row.due_on is not None:
            self.due_on = row.due_on
        if row.kind in COMMITMENT_DONE:
            self.completion = row
        if self.parts:
            part = self.parts.get(row.family)
            if part is None:
                self.parts[row.family] = self._one(row)
            else:
                part.add(row)

    def part(self, family: str) -> SubjectHistory | None:
        return self.parts.get(family)


def stock_figures(family: str, history: SubjectHistory, cutoff: date) -> list[tuple[Fact, str]]:
    """What one subject counts for at a cut-off: (the fact whose units it counts under,
    figure) pairs. `family` is the subject's stock group."""
    if family == "site":
        return _site(history)
    switch = history.switch if history.on else None
    if family == "compliance":
        return [(history.first, "cases_pending")] if history.on else []
    if family == "commitment":
        return _commitment(history, cutoff)
    if family == "model":
        if switch is None:
            return []
        field_name = switch.state if switch.state in MODEL_FIELDS else "other"
        return [(switch, "models_active"), (switch, f"models_{field_name}")]
    return []


def _site(history: SubjectHistory) -> list[tuple[Fact, str]]:
    """A site counts in the register while open, at the units of the fact that last
    placed it (registered, moved); its dossier and certificate count there while it is open
    (`shared/planrules.py`), whatever units their own facts named."""
    site = history.part("site")
    if site is None or not site.on:
        return []  # closed, or only its dossier's facts are known so far
    placed = site.switch
    dossier, certificate = history.part("dossier"), history.part("certificate")
    found = [(placed, "sites")]
    if site_counts_i3(site.on, dossier is not None and dossier.on):
        found.append((placed, "sites_with_dossier"))
    if dossier is not None and dossier.last.state == "requisitioned":
        found.append((placed, "dossiers_requisitioned"))
    if site_counts_i4(site.on, certificate is not None and certificate.on):
        found.append((placed, "sites_with_certificate"))
    return found


def _commitment(history: SubjectHistory, cutoff: date) -> list[tuple[Fact, str]]:
    # Overdue is decided here from the due date at the cut-off (the latest one given, a
    # reopening may move it) and the completion at the cut-off, so a report never waits for
    # the dialogue service's detector, and an "overdue" it recorded never undoes a completion
    # dated before it nor reaches back before the due date.
    made = history.first
    done = history.completion is not None and COMMITMENT_DONE[history.completion.kind]
    standing = commitment_standing(done, history.due_on, cutoff)
    return [(made, "commitments_total"), (made, f"commitments_{standing}")]
