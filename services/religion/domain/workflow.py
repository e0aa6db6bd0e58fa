"""The land registration dossier and compliance case workflows as data: actions, the states
they are allowed from, the state they set, and how long a dossier is expected to stay in each
state. Pure Python; the aggregates and the API read these tables, nothing else hard-codes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, get_args

DossierState = Literal[
    "not_started",
    "in_preparation",
    "lodged",
    "requisitioned",
    "accepted",
    "certificate_issued",
    "certificate_revoked",
    "rejected",
    "withdrawn",
]
DossierAction = Literal[
    "start_preparation",
    "lodge",
    "requisition",
    "resubmit",
    "accept",
    "reject",
    "withdraw",
    "issue_certificate",
    "revoke_certificate",
]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    event_type: str
    note_required: bool = False


# A rejected or withdrawn dossier may be prepared or lodged again: the site still needs its
# certificate, and the history of the earlier round stays in the stream.
_RESTARTABLE = frozenset({"not_started", "rejected", "withdrawn"})

DOSSIER_TRANSITIONS: Final[dict[str, Transition]] = {
    t.action: t
    for t in (
        Transition("start_preparation", _RESTARTABLE, "in_preparation",
                   "DossierPreparationStarted"),
        Transition("lodge", _RESTARTABLE | {"in_preparation"}, "lodged", "LandDossierLodged"),
        Transition("requisition", frozenset({"lodged"}), "requisitioned", "DossierRequisitioned",
                   note_required=True),
        Transition("resubmit", frozenset({"requisitioned"}), "lodged", "DossierResubmitted"),
        Transition("accept", frozenset({"lodged"}), "accepted", "DossierAccepted"),
        Transition("reject", frozenset({"lodged", "requisitioned"}), "rejected",
                   "DossierRejected", note_required=True),
        Transition("withdraw", frozenset({"in_preparation", "lodged", "requisitioned",
                                          "accepted"}), "withdrawn", "DossierWithdrawn"),
        Transition("issue_certificate", frozenset({"accepted", "certificate_revoked"}),
                   "certificate_issued", "DossierCertificateIssued"),
        Transition("revoke_certificate", frozenset({"certificate_issued"}),
                   "certificate_revoked", "DossierCertificateRevoked", note_required=True),
    )
}

DOSSIER_STATES: Final[tuple[str, ...]] = get_args(DossierState)

#: Days a dossier is expected to stay in a state before someone must act. `lodged` and
#: `accepted` follow the land law's time limit for a first certificate (30 days, including the
#: appraisal); the others are the Commission's working targets. States without a limit are
#: either not started or finished.
EXPECTED_DAYS: Final[dict[str, int]] = {
    "in_preparation": 60,
    "lodged": 30,
    "requisitioned": 30,
    "accepted": 15,
    "certificate_revoked": 60,
}

#: States in which the site counts as "having a land registration dossier" (indicator I3).
HAS_DOSSIER_STATES: Final[frozenset[str]] = frozenset(
    {"lodged", "requisitioned", "accepted", "certificate_issued", "certificate_revoked"}
)


def allowed_dossier_actions(state: str) -> list[str]:
    """Actions allowed from `state`, in the order of the table."""
    return [a for a, t in DOSSIER_TRANSITIONS.items() if state in t.sources]


def due_on(state: str, since: date | None) -> date | None:
    days = EXPECTED_DAYS.get(state)
    if days is None or since is None:
        return None
    return since + timedelta(days=days)


def overdue_days(state: str, since: date | None, on: date) -> int:
    """Days past the expected time in `state` as of `on` (0 when on time or without limit)."""
    due = due_on(state, since)
    if due is None or on <= due:
        return 0
    return (on - due).days


# -- compliance cases -----------------------------------------------------------------------

CaseState = Literal["open", "under_review", "resolved", "referred"]

CASE_TRANSITIONS: Final[dict[str, Transition]] = {
    t.action: t
    for t in (
        Transition("start_review", frozenset({"open"}), "under_review",
                   "ComplianceCaseReviewStarted"),
        Transition("resolve", frozenset({"under_review"}), "resolved", "ComplianceCaseResolved",
                   note_required=True),
        Transition("refer", frozenset({"under_review"}), "referred", "ComplianceCaseReferred",
                   note_required=True),
    )
}
CASE_STATES: Final[tuple[str, ...]] = ("open", "under_review", "resolved", "referred")


def allowed_case_actions(state: str) -> list[str]:
    return [a for a, t in CASE_TRANSITIONS.items() if state in t.sources]
