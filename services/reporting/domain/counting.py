"""How facts count toward the figures of a report.

One set of rules for both ways a report is computed: from the fact tables (any "as of") and
from the per-chunk sums the projections keep (as of now). Sharing them is what makes the two
give the same figures.

A row handed to these rules is a fact row, read from the database or about to be written:
anything with the fact columns as attributes (`unit_code`, `effect`, `state`, `due_on`...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting.domain.metrics import I1_FIELDS, MODEL_FIELDS

Fact = Any  # a fact row, see the module docstring

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
    ("indicators", "ContestEntrySubmitted"): "contest_entries",
}
FLOW_FAMILIES = {
    "religion": ("dossier", "certificate", "compliance"),
    "dialogue": ("session", "issue", "commitment"),
    "indicators": ("model", "contest"),
}
ISSUE_HANDLING = {"answered_on_spot": "issues_answered_on_spot", "assigned": "issues_assigned"}
ATTENDANCE = "attendance"  # summed from the `amount` of filed session reports

# Stock figures come from each subject's history up to the cut-off (see `stock_figures`).
STOCK_FAMILIES: dict[str, tuple[str, ...]] = {
    "religion": ("site", "dossier", "certificate", "compliance"),
    "dialogue": ("commitment",),
    "indicators": ("model",),
}
# Not shown: the I1 models of a unit, from which a commune "has a model" (communes_with_model
# is a count of communes, decided once the facts are placed on the report's tree).
MODELS_I1 = "models_i1"

# The stock figures each family's subjects count for (see `stock_figures`).
FAMILY_STOCKS: dict[str, tuple[str, ...]] = {
    "site": ("sites",),
    "dossier": ("sites_with_dossier", "dossiers_requisitioned"),
    "certificate": ("sites_with_certificate",),
    "compliance": ("cases_pending",),
    "commitment": ("commitments_total", "commitments_done", "commitments_overdue",
                   "commitments_in_progress"),
    "model": ("models_active", *(f"models_{f}" for f in MODEL_FIELDS), MODELS_I1),
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


def flow_figures(source: str, kind: str, state: str | None) -> tuple[str, ...]:
    """The flow figures one fact of this kind and state counts one for."""
    metric = FLOW_KINDS.get((source, kind))
    if metric is None:
        return ()
    if metric == "issues_raised" and state in ISSUE_HANDLING:
        return (metric, ISSUE_HANDLING[state])
    return (metric,)


@dataclass
class SubjectHistory:
    """What a stock figure needs of one subject's facts up to the cut-off, in the order
    (business date, version, recording time, event id)."""

    first: Fact
    last: Fact
    switch: Fact | None  # the last fact that switched it on or off

    @property
    def on(self) -> bool:
        return self.switch is not None and self.switch.effect == 1

    @classmethod
    def start(cls, row: Fact) -> SubjectHistory:
        return cls(row, row, row if row.effect is not None else None)

    def add(self, row: Fact) -> None:
        self.last = row
        if row.effect is not None:
            self.switch = row


def stock_figures(family: str, history: SubjectHistory, cutoff: date) -> list[tuple[Fact, str]]:
    """What one subject counts for at a cut-off: (the fact whose units it counts under,
    figure) pairs."""
    switch = history.switch if history.on else None
    if family == "site":
        return [(switch, "sites")] if switch is not None else []
    if family == "dossier":
        found = [(switch, "sites_with_dossier")] if switch is not None else []
        if history.last.state == "requisitioned":
            found.append((history.last, "dossiers_requisitioned"))
        return found
    if family == "certificate":
        return [(switch, "sites_with_certificate")] if switch is not None else []
    if family == "compliance":
        return [(history.first, "cases_pending")] if history.on else []
    if family == "commitment":
        return _commitment(history, cutoff)
    if family == "model":
        if switch is None:
            return []
        field_name = switch.state if switch.state in MODEL_FIELDS else "other"
        found = [(switch, "models_active"), (switch, f"models_{field_name}")]
        if field_name in I1_FIELDS:
            found.append((switch, MODELS_I1))
        return found
    return []


def _commitment(history: SubjectHistory, cutoff: date) -> list[tuple[Fact, str]]:
    # Overdue is detected here too, from the due date, so a report never waits for the
    # dialogue service's own detector to have run.
    made = history.first
    state = history.last.state
    if state == "done":
        status = "commitments_done"
    elif state == "overdue" or (made.due_on is not None and made.due_on < cutoff):
        status = "commitments_overdue"
    else:
        status = "commitments_in_progress"
    return [(made, "commitments_total"), (made, status)]
