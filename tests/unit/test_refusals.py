"""Every 409 of every service names the action attempted, the current state and the actions
allowed, in Vietnamese labels only (shared.errors.ActionRefused, the labels in each
service's messages.py).

The walk: every aggregate, put in each state its refusals start from, is asked every action
its state refuses (the state machines' whole tables for the dossier, the compliance case and
the dialogue session); each refusal must carry the three parts. A source scan keeps it
complete: no service builds a bare `Conflict` any more, so a new 409 cannot skip the labels.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.events import CommitmentMade, IssueRaised, SessionPlanned
from services.dialogue.domain.heads import HeadPost
from services.dialogue.domain.issues import RaisedIssue
from services.dialogue.domain.sessions import ALLOWED_ACTIONS, DialogueSession
from services.indicators.domain.events import (
    ContestEntryAwarded,
    ContestEntrySubmitted,
    ModelClosed,
    ModelRecognised,
    ModelRegistered,
    UnitSuccessionRecorded,
)
from services.indicators.domain.model import ContestEntry, DanVanKheoModel, UnitSuccessionRecord
from services.indicators.domain.plan import (
    INSPECTION_TRANSITIONS,
    DistrictReport,
    Inspection,
    PlanItemWork,
    ReportingDuty,
    WorkPlan,
)
from services.indicators.domain.planevents import (
    DistrictReportReturned,
    DistrictReportSubmitted,
    InspectionCarriedOut,
    InspectionPlanned,
    PlanIssued,
    PlanItemAdded,
    PlanItemAmended,
    PlanItemProgressRecorded,
    PlanItemReopened,
    PlanItemSpec,
    PlanPartyNamed,
    ReportingDeadlineSet,
)
from services.religion.domain.events import CertificateIssued, SiteRegistered
from services.religion.domain.model import Certificate, ComplianceCase, LandDossier, ReligiousSite
from services.religion.domain.workflow import CASE_TRANSITIONS, DOSSIER_TRANSITIONS
from services.reporting.domain.events import ReportFinalised
from services.reporting.domain.model import FinalisedReport
from shared.aggregate import Aggregate
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, Conflict, Lifecycle, RebuildInProgress
from shared.taskrules import SubmissionFact

D = date(2023, 3, 1)
ROOT = Path(__file__).parents[2]
# An English identifier: a lower-case word joined to another by "_" (party_secretary).
SNAKE = re.compile(r"(?<![\w{])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w}])")


A = TypeVar("A", bound=Aggregate)
E = TypeVar("E", bound=DomainEvent)


def _exists(aggregate: A, **state: Any) -> A:
    """The aggregate as its events left it (the attributes its refusals read)."""
    for name, value in state.items():
        setattr(aggregate, name, value)
    aggregate.version = 1
    return aggregate


def _event(kind: type[E], **fields: Any) -> E:
    """An event with only the fields a refusal reads (it is refused before the others)."""
    event: E = kind.model_construct(**fields)  # type: ignore[assignment]
    return event


# -- the walk --------------------------------------------------------------------------------

Attempt = Callable[[], object]


def _dossier(state: str, action: str) -> Attempt:
    return lambda: _exists(LandDossier("TL-01"), state=state).transition(action)


def _case(state: str, action: str) -> Attempt:
    return lambda: _exists(ComplianceCase("VV-1"), state=state).act(action, D, "ghi chú", "UBND")


def _session(status: str, action: str) -> Attempt:
    def attempt() -> None:
        session = _exists(DialogueSession("HN-1"), status=status, planned_on=D,
                          held_on=D if status in ("held", "closed") else None)
        calls: dict[str, Callable[[], object]] = {
            "plan": lambda: session.plan(_event(SessionPlanned, session_id="HN-1")),
            "reschedule": lambda: session.reschedule(date(2023, 4, 1), "Bận", D),
            "cancel": lambda: session.cancel("Bận", D),
            "hold": lambda: session.hold(D, ["h-1"]),
            "file_report": lambda: session.file_report(50, ["MTTQ"], "Tóm tắt", D),
            "raise_issue": lambda: session.require_held("raise_issue"),
            "make_commitment": lambda: session.require_held("make_commitment"),
        }
        calls[action]()

    return attempt


def _post_with(*terms: tuple[str, str, date, date | None]) -> HeadPost:
    post = HeadPost(HeadPost.post_id("11755", "party_secretary"))
    for head_id, name, start, end in terms:
        post.take_office(head_id, name, start, "commune", to_date=end)
    return post


def _commitment(status: str) -> Commitment:
    return _exists(Commitment("CK-1"), status=status, due_on=D, made_on=D, last_update_on=D)


def _model(status: str, level: str) -> DanVanKheoModel:
    # A closed model has its closing day, before D: a recognition dated D is then refused.
    closed_on = date(2023, 1, 1) if status == "closed" else None
    return _exists(DanVanKheoModel("MH-1"), status=status, recognition_level=level,
                   started_on=date(2022, 1, 1), unit_code="11755", closed_on=closed_on)


def _entry(award: str | None) -> ContestEntry:
    return _exists(ContestEntry("DT-1"), contest_year=2023, model_id="MH-1", award=award)


ITEM = PlanItemSpec(number="II.1.1", kind="task", text="Nhiệm vụ", responsible="TG",
                    recurrence="deadline", due_on=date(2023, 6, 30))


def _plan() -> WorkPlan:
    return _exists(WorkPlan("2023"), parties={"TG": "Phòng Tôn giáo"}, items={"II.1.1": ITEM},
                   withdrawn={"II.1.9": ITEM})


def _inspection(state: str, action: str, followed_up: bool = False) -> Attempt:
    def attempt() -> None:
        work = _exists(PlanItemWork("2023:III.3"), inspections={"GS-1": Inspection(
            "GS-1", state, D, D, follow_ups_completed=followed_up)})
        work.act_on_inspection(action, _event(InspectionCarriedOut, inspection_id="GS-1"), D,
                               "11755")

    return attempt


def _district_report(*acts: str) -> DistrictReport:
    report = DistrictReport("2023-6m@303")
    report.acts = [SubmissionFact(act, D) for act in acts]  # type: ignore[arg-type]
    return _exists(report)


REGISTER_SITE = _event(SiteRegistered, code="TL-01", commune_code="11755")
SUBMIT = _event(ContestEntrySubmitted, entry_id="DT-1", model_id="MH-1",
                                              contest_year=2023)
AWARD = _event(ContestEntryAwarded, entry_id="DT-1", contest_year=2023, award="first")

CASES: list[tuple[str, Attempt]] = [
    *((f"dossier {state} {action}", _dossier(state, action))
      for state in ("not_started", "in_preparation", "lodged", "requisitioned", "accepted",
                    "certificate_issued", "certificate_revoked", "rejected", "withdrawn")
      for action, transition in DOSSIER_TRANSITIONS.items() if state not in transition.sources),
    *((f"case {state} {action}", _case(state, action))
      for state in ("open", "under_review", "resolved", "referred")
      for action, transition in CASE_TRANSITIONS.items() if state not in transition.sources),
    ("site exists", lambda: _exists(ReligiousSite("TL-01")).register(REGISTER_SITE, D)),
    ("closed site exists", lambda: _exists(ReligiousSite("TL-01"), closed_on=D)
     .register(REGISTER_SITE, D)),
    ("closed site amend", lambda: _exists(ReligiousSite("TL-01"), closed_on=D)
     .amend({"name": "Chùa Mới"}, None, D)),
    ("closed site close", lambda: _exists(ReligiousSite("TL-01"), closed_on=D).close("Hết", D)),
    *((f"closed site {action}", (lambda a=action: _exists(ReligiousSite("TL-01"), closed_on=D)
                                 .require_open(a)))
      for action in DOSSIER_TRANSITIONS),
    ("certificate valid issue", lambda: _exists(Certificate("TL-01"), valid=True, number="S1")
     .issue(_event(CertificateIssued, site_code="TL-01", certificate_number="S2",
                                              issued_on=D), "11755")),
    ("certificate none revoke", lambda: _exists(Certificate("TL-01"))
     .revoke("S1", D, "Sai", "11755")),
    *((f"session {status} {action}", _session(status, action))
      for status, allowed in ALLOWED_ACTIONS.items()
      for action in ("plan", "reschedule", "cancel", "hold", "file_report", "raise_issue",
                     "make_commitment")
      if action == "plan" or action not in allowed),
    ("issue exists", lambda: _exists(RaisedIssue("YK-1"), has_citizen_contact=True)
     .raise_issue(_event(IssueRaised, issue_id="YK-1"))),
    ("issue exists no contact", lambda: _exists(RaisedIssue("YK-1"))
     .raise_issue(_event(IssueRaised, issue_id="YK-1"))),
    *((f"commitment {status} exists", (lambda s=status: _commitment(s)
                                        .make(_event(CommitmentMade, commitment_id="CK-1"))))
      for status in ("open", "in_progress", "done", "overdue")),
    ("commitment done update", lambda: _commitment("done").update_progress(50, D)),
    *((f"commitment {status} reopen", (lambda s=status: _commitment(s).reopen("Lại", D, None,
                                                                              None)))
      for status in ("open", "in_progress")),
    ("post occupied now", lambda: _post_with(("a", "Nguyễn Văn An", date(2020, 1, 1), None))
     .take_office("b", "Trần Bình", D, "commune")),
    ("post occupied before", lambda: _post_with(
        ("a", "Nguyễn Văn An", date(2015, 1, 1), date(2020, 1, 1)))
     .take_office("b", "Trần Bình", date(2019, 1, 1), "commune", to_date=date(2019, 6, 1))),
    ("head left leave", lambda: _post_with(("a", "Nguyễn Văn An", date(2015, 1, 1),
                                           date(2020, 1, 1))).leave("a", D)),
    ("head left hand over", lambda: _post_with(("a", "Nguyễn Văn An", date(2015, 1, 1),
                                               date(2020, 1, 1)))
     .hand_over("a", "b", "Trần Bình", D, "commune")),
    *((f"model {status} exists", (lambda s=status: _model(s, "none")
                                   .register(_event(ModelRegistered, model_id="MH-1"))))
      for status in ("building", "recognised", "closed")),
    ("model closed recognise", lambda: _model("closed", "none").recognise(
        ModelRecognised(model_id="MH-1", recognition_level="city", recognised_on=D))),
    ("model closed close", lambda: _model("closed", "none").close(
        _event(ModelClosed, model_id="MH-1", closed_on=D))),
    ("model at level", lambda: _model("recognised", "city").recognise(
        ModelRecognised(model_id="MH-1", recognition_level="district", recognised_on=D))),
    ("model at the top level", lambda: _model("recognised", "central").recognise(
        ModelRecognised(model_id="MH-1", recognition_level="central", recognised_on=D))),
    ("entry exists", lambda: _entry(None).submit(SUBMIT, D)),
    ("awarded entry exists", lambda: _entry("first").submit(SUBMIT, D)),
    ("entry awarded", lambda: _entry("first").give_award(AWARD, "11755")),
    ("succession recorded", lambda: _exists(UnitSuccessionRecord("10510"), successor_code="11755")
     .record_successor(_event(UnitSuccessionRecorded, merged_code="10510"))),
    ("report finalised", lambda: _exists(FinalisedReport("2023-6m@31"),
                                         finalised=_event(ReportFinalised,
                                             content_hash="ab" * 32))
     .finalise(_event(ReportFinalised, period_id="2023-6m"), D, None)),
    ("plan exists", lambda: _plan().issue(_event(PlanIssued, year=2023), D)),
    ("plan party same", lambda: _plan().name_party(
        _event(PlanPartyNamed, code="TG", name="Phòng Tôn giáo"), D)),
    ("plan item exists", lambda: _plan().add_item(_event(PlanItemAdded, item=ITEM), D)),
    ("plan item withdrawn", lambda: _plan().add_item(
        _event(PlanItemAdded, item=ITEM.model_copy(update={"number": "II.1.9"})), D)),
    ("plan item same", lambda: _plan().amend_item(_event(PlanItemAmended, item=ITEM), D)),
    ("plan item done", lambda: _exists(PlanItemWork("2023:II.1.1"), progress=[
        _event(PlanItemProgressRecorded, reported_on=D, done=True)], done_on=D).record_progress(
        _event(PlanItemProgressRecorded, year=2023, number="II.1.1", reported_on=D))),
    ("plan item not done", lambda: _exists(PlanItemWork("2023:II.1.1")).reopen(
        _event(PlanItemReopened, year=2023, number="II.1.1", reopened_on=D))),
    ("inspection exists", lambda: _exists(PlanItemWork("2023:III.3"), inspections={
        "GS-1": Inspection("GS-1", "planned", D, D)}).plan_inspection(
        _event(InspectionPlanned, inspection_id="GS-1", planned_on=D), "11755")),
    *((f"inspection {state} {action}", _inspection(state, action))
      for state in ("planned", "carried_out", "concluded", "cancelled")
      for action, (sources, _) in INSPECTION_TRANSITIONS.items() if state not in sources),
    ("inspection followed up", _inspection("concluded", "follow_up", followed_up=True)),
    ("deadline same", lambda: _exists(ReportingDuty("2023-6m"), deadline=D,
                                      district_codes=["303"]).set_deadline(
        _event(ReportingDeadlineSet, deadline=D, district_codes=["303"]), D)),
    *((f"no deadline {action}", (lambda a=action: ReportingDuty("2023-6m").require_deadline(a)))
      for action in ("submit", "return")),
    ("district report submitted submit", lambda: _district_report("submitted").submit(
        _event(DistrictReportSubmitted, submitted_on=D))),
    ("district report not submitted return", lambda: _district_report().return_for_correction(
        _event(DistrictReportReturned, returned_on=D))),
    ("district report returned return", lambda: _district_report(
        "submitted", "returned").return_for_correction(
        _event(DistrictReportReturned, returned_on=D))),
    ("rebuild in progress", lambda: _raise(RebuildInProgress(3, "2023-03-01T08:00:00+00:00"))),
]


def _raise(error: Exception) -> None:
    raise error


@pytest.mark.parametrize("attempt", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_every_refusal_names_the_action_the_state_and_the_actions_allowed(
    attempt: Attempt,
) -> None:
    with pytest.raises(ActionRefused) as refused:
        attempt()
    error = refused.value
    lifecycle: Lifecycle = error.lifecycle
    message = error.message
    assert error.status_code == 409
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", error.code)
    # The three parts, each as its Vietnamese label.
    assert f"Không thể «{lifecycle.actions[error.action]}»" in message
    assert f"trạng thái «{lifecycle.states[error.state]}»" in message
    allowed_part = message.split("Thao tác được phép: ", 1)[1]
    if error.allowed:
        assert allowed_part.startswith(", ".join(f"«{lifecycle.actions[a]}»"
                                                 for a in error.allowed))
    else:
        assert allowed_part.startswith(lifecycle.nothing_allowed)
    # The attempted action is never offered as the way out, except where it may be done
    # otherwise: a model recognised at a higher level, a change with other content.
    assert error.action not in error.allowed or error.code in ("MODEL_ALREADY_AT_LEVEL",
                                                                "NO_CHANGES")
    # Programs read the same as identifiers; people read no identifier.
    assert {k: error.details[k] for k in ("action", "state", "allowed_actions")} == {
        "action": error.action, "state": error.state, "allowed_actions": error.allowed}
    assert SNAKE.findall(message) == []


def test_the_walk_refuses_what_the_tables_refuse_and_nothing_else() -> None:
    """The session table the walk reads is the one the session obeys: an allowed action is
    not refused for its state."""
    session = _exists(DialogueSession("HN-1"), status="planned", planned_on=D)
    session.reschedule(date(2023, 4, 1), "Bận", D)
    assert "reschedule" in ALLOWED_ACTIONS["planned"]
    assert [p.event.event_type for p in session.pending] == ["SessionRescheduled"]


def _bare_conflicts() -> list[str]:
    found = []
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        if path.name == "errors.py" and path.parent.name == "shared":
            continue  # where ActionRefused, ConcurrencyError and RebuildInProgress live
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Conflict":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_service_builds_a_bare_conflict() -> None:
    assert _bare_conflicts() == []
    # The scan finds what it looks for (it is not vacuously empty).
    sample = ast.parse("raise Conflict('X', 'y')")
    assert any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Conflict"
               for n in ast.walk(sample))
    assert issubclass(ActionRefused, Conflict)
