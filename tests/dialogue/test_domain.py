"""The dialogue domain without I/O: heads, sessions, commitments and the rule arithmetic."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.compliance import evaluate, pieces
from services.dialogue.domain.events import (
    CommitmentMade,
    CommitmentOverdue,
    SessionPlanned,
    SessionReportReminderDue,
)
from services.dialogue.domain.heads import HeadPost
from services.dialogue.domain.rules import DEFAULT_RULES, DialogueRule, RuleVersion
from services.dialogue.domain.sessions import DialogueSession
from shared.errors import Conflict, InvalidInput

pytestmark = pytest.mark.unit

D = date


def _post() -> HeadPost:
    return HeadPost(HeadPost.post_id("315", "party_secretary"))


def test_a_post_has_one_holder_at_a_time_and_hands_over_on_the_eve() -> None:
    post = _post()
    post.take_office("a", "Nguyễn Văn An", D(2020, 10, 1), "district")
    with pytest.raises(Conflict) as occupied:
        post.take_office("b", "Trần Văn Bình", D(2023, 1, 1), "district")
    assert occupied.value.code == "HEAD_POST_OCCUPIED"
    assert "Nguyễn Văn An" in occupied.value.message
    post.hand_over("a", "b", "Trần Văn Bình", D(2023, 7, 1), "district")
    assert post.holder_on(D(2023, 6, 30)).head_id == "a"  # type: ignore[union-attr]
    assert post.holder_on(D(2023, 7, 1)).head_id == "b"  # type: ignore[union-attr]
    types = [p.event.event_type for p in post.pending]
    assert types == ["HeadTookOffice", "HeadLeftOffice", "HeadTookOffice"]
    # A past term can be entered afterwards, if it does not overlap.
    post.take_office("z", "Lê Văn Cũ", D(2015, 10, 1), "district", to_date=D(2020, 9, 30))
    with pytest.raises(Conflict):
        post.take_office("y", "Ai Đó", D(2019, 1, 1), "district", to_date=D(2019, 12, 31))
    with pytest.raises(Conflict) as left:
        post.leave("a", D(2024, 1, 1))
    assert left.value.code == "HEAD_ALREADY_LEFT"
    with pytest.raises(InvalidInput):
        post.leave("b", D(2023, 6, 1))


def test_successor_cannot_start_before_the_incumbent() -> None:
    post = _post()
    post.take_office("a", "Nguyễn Văn An", D(2020, 10, 1), "district")
    with pytest.raises(InvalidInput) as refused:
        post.hand_over("a", "b", "Trần Văn Bình", D(2020, 10, 1), "district")
    assert refused.value.code == "SUCCESSOR_BEFORE_INCUMBENT"
    assert len(post.pending) == 1, "nothing recorded by the refused hand-over"


def _session(held_on: date) -> DialogueSession:
    session = DialogueSession("s1")
    session.plan(SessionPlanned(session_id="s1", unit_code="315", head_ids=["a"],
                                planned_on=held_on, topic="Đất đai", place="", co_organiser=""))
    session.hold(held_on, ["a"])
    return session


def test_session_lifecycle_and_refusals() -> None:
    session = DialogueSession("s1")
    session.plan(SessionPlanned(session_id="s1", unit_code="315", head_ids=["a"],
                                planned_on=D(2023, 3, 1), topic="Đất đai", place="",
                                co_organiser=""))
    with pytest.raises(Conflict):
        session.plan(SessionPlanned(session_id="s1", unit_code="315", head_ids=["a"],
                                    planned_on=D(2023, 3, 1), topic="x", place="",
                                    co_organiser=""))
    with pytest.raises(InvalidInput):
        session.reschedule(D(2023, 3, 1), "", D(2023, 2, 1))
    session.reschedule(D(2023, 3, 8), "Trùng lịch họp", D(2023, 2, 1))
    with pytest.raises(Conflict) as not_held:
        session.file_report(10, [], "Tóm tắt", D(2023, 3, 9))
    assert not_held.value.code == "SESSION_STATE"
    with pytest.raises(Conflict):
        session.require_held("raise_issue")
    session.hold(D(2023, 3, 8), ["a"])
    with pytest.raises(Conflict):
        session.cancel("muộn", D(2023, 3, 9))
    with pytest.raises(InvalidInput):
        session.file_report(10, [], "Tóm tắt", D(2023, 3, 7))
    session.file_report(0, ["Hội Nông dân"], "Tóm tắt", D(2023, 3, 9))
    assert session.status == "closed"
    with pytest.raises(Conflict) as twice:
        session.file_report(1, [], "Lại", D(2023, 3, 10))
    assert twice.value.code == "REPORT_ALREADY_FILED"


def test_report_reminders_fall_due_at_3_and_7_days_and_once_each() -> None:
    session = _session(D(2023, 3, 1))
    assert session.remind(D(2023, 3, 3)) == []
    assert session.remind(D(2023, 3, 4)) == [3]
    assert session.remind(D(2023, 3, 5)) == []
    assert session.remind(D(2023, 3, 8)) == [7]
    assert session.remind(D(2023, 4, 1)) == []
    reminders = [p for p in session.pending if isinstance(p.event, SessionReportReminderDue)]
    # Dated the day they fell due, whenever they were noticed.
    assert [p.occurred_at.date() for p in reminders] == [D(2023, 3, 4), D(2023, 3, 8)]
    rebuilt = DialogueSession.rehydrate("s1", [p.event for p in session.pending])
    assert rebuilt.remind(D(2023, 5, 1)) == [], "the aggregate remembers its reminders"


def test_a_late_scan_records_both_reminders_and_a_filed_report_stops_them() -> None:
    late = _session(D(2023, 3, 1))
    assert late.remind(D(2023, 3, 20)) == [3, 7]
    reported = _session(D(2023, 3, 1))
    assert reported.remind(D(2023, 3, 4)) == [3]
    reported.file_report(50, [], "Tóm tắt", D(2023, 3, 6))
    assert reported.remind(D(2023, 3, 20)) == []


def _commitment(due_on: date = D(2023, 6, 30)) -> Commitment:
    commitment = Commitment("c1")
    commitment.make(CommitmentMade(commitment_id="c1", session_id="s1", unit_code="315",
                                   responsible_agency="Phòng Tài nguyên và Môi trường",
                                   due_on=due_on, text="Nạo vét kênh", made_on=D(2023, 3, 1)))
    return commitment


def _status(commitment: Commitment) -> str:
    # Read through a function so that the checker does not pin the attribute to one value.
    return commitment.status


def test_overdue_is_detected_the_day_after_the_due_date_and_once() -> None:
    commitment = _commitment(D(2023, 6, 30))
    assert not commitment.detect_overdue(D(2023, 6, 30)), "on the due date it is on time"
    assert _status(commitment) == "open"
    assert commitment.detect_overdue(D(2023, 7, 1))
    assert _status(commitment) == "overdue"
    assert not commitment.detect_overdue(D(2023, 7, 2))
    overdue = [p for p in commitment.pending if isinstance(p.event, CommitmentOverdue)]
    assert len(overdue) == 1 and overdue[0].occurred_at.date() == D(2023, 7, 1)
    commitment.update_progress(60, D(2023, 7, 5))
    assert _status(commitment) == "overdue", "progress does not clear overdue"
    commitment.update_progress(100, D(2023, 7, 20))
    assert _status(commitment) == "done"
    assert [p.event.event_type for p in commitment.pending][-2:] == [
        "CommitmentProgressUpdated", "CommitmentCompleted"
    ]


def test_commitment_progress_reopen_and_refusals() -> None:
    commitment = _commitment()
    with pytest.raises(Conflict) as not_reopenable:
        commitment.reopen("?", D(2023, 4, 1), None, None)
    assert not_reopenable.value.code == "CANNOT_REOPEN"
    commitment.update_progress(40, D(2023, 4, 1))
    assert commitment.status == "in_progress"
    with pytest.raises(InvalidInput) as backwards:
        commitment.update_progress(50, D(2023, 3, 30))
    assert backwards.value.code == "UPDATE_BEFORE_LAST"
    commitment.update_progress(100, D(2023, 5, 1))
    with pytest.raises(Conflict) as done:
        commitment.update_progress(90, D(2023, 5, 2))
    assert done.value.code == "COMMITMENT_DONE"
    commitment.reopen("Người dân phản ánh chưa xử lý dứt điểm", D(2023, 5, 10), None, None)
    assert (commitment.status, commitment.progress_pct) == ("in_progress", 99)
    # Overdue after reopening, then extended with a new due date.
    assert commitment.detect_overdue(D(2023, 7, 1))
    with pytest.raises(InvalidInput) as needs_date:
        commitment.reopen("Gia hạn", D(2023, 7, 2), None, None)
    assert needs_date.value.code == "NEW_DUE_DATE_REQUIRED"
    commitment.reopen("Gia hạn", D(2023, 7, 2), D(2023, 9, 30), 70)
    assert (commitment.status, commitment.due_on) == ("in_progress", D(2023, 9, 30))
    assert not commitment.detect_overdue(D(2023, 9, 30))
    assert commitment.detect_overdue(D(2023, 10, 1)), "overdue again for the new due date"


def test_a_commitment_reopened_after_its_due_date_is_overdue_from_the_reopening() -> None:
    """Due 30/04, completed 10/05, reopened 01/07 without a new due date: it was done from
    10/05 to 01/07, so it is overdue from the reopening, and the overdue event is dated no
    earlier than the reopening it follows (not 01/05, before the completion)."""
    commitment = _commitment(D(2023, 4, 30))
    commitment.update_progress(100, D(2023, 5, 10))
    assert not commitment.detect_overdue(D(2023, 6, 1)), "done"
    commitment.reopen("Đường hỏng lại", D(2023, 7, 1), None, None)
    assert commitment.detect_overdue(D(2023, 12, 5))
    last = commitment.pending[-1]
    assert isinstance(last.event, CommitmentOverdue)
    assert last.event.overdue_since == D(2023, 7, 1)
    assert last.occurred_at.date() == D(2023, 7, 1)
    dates = [p.occurred_at.date() for p in commitment.pending]
    assert dates == sorted(dates), "the events' business dates never go back"
    # Reopened before its due date: overdue the day after it, as always.
    early = _commitment(D(2023, 6, 30))
    early.update_progress(100, D(2023, 5, 10))
    early.reopen("Chưa dứt điểm", D(2023, 6, 1), None, None)
    assert early.detect_overdue(D(2023, 12, 5))
    assert early.pending[-1].occurred_at.date() == D(2023, 7, 1)


def test_due_date_before_the_session_is_refused() -> None:
    with pytest.raises(InvalidInput):
        _commitment(D(2023, 2, 1))


# --- the rule -------------------------------------------------------------------------------

ONE = RuleVersion("district", D(2015, 1, 27), 1)
TWO_FROM_JULY = RuleVersion("district", D(2023, 7, 1), 2)


def test_a_full_year_under_one_rule_owes_exactly_the_rule() -> None:
    ev = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2020, 1, 1), None,
                  [RuleVersion("district", D(2015, 1, 27), 2)], [D(2023, 3, 1)])
    assert ev is not None
    assert ev.owed_exact == Fraction(2)
    assert (ev.required, ev.held, ev.met, ev.missing) == (2, 1, False, 1)


def test_a_rule_change_in_mid_year_is_pro_rated_by_days() -> None:
    ev = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2020, 1, 1), None, [ONE, TWO_FROM_JULY],
                  [D(2023, 2, 1)])
    assert ev is not None
    assert [(p.start, p.end, p.rule.min_sessions_per_year if p.rule else None)
            for p in ev.pieces] == [
        (D(2023, 1, 1), D(2023, 6, 30), 1), (D(2023, 7, 1), D(2023, 12, 31), 2)]
    assert ev.owed_exact == Fraction(181, 365) + Fraction(2 * 184, 365)
    assert ev.required == 2 and not ev.met
    first_half = evaluate(D(2023, 1, 1), D(2023, 6, 30), D(2020, 1, 1), None,
                          [ONE, TWO_FROM_JULY], [D(2023, 2, 1)])
    assert first_half is not None and first_half.required == 0 and first_half.met


def test_partial_terms_owe_their_share_rounded_half_up() -> None:
    # The successor's half year at 1/year owes 1 (0.5 rounds up); a quarter owes nothing.
    half = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2023, 7, 3), None, [ONE], [])
    assert half is not None and half.owed_exact == Fraction(182, 365) and half.required == 0
    half = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2023, 7, 2), None, [ONE], [])
    assert half is not None and half.owed_exact == Fraction(183, 365) and half.required == 1
    quarter = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2023, 10, 1), None, [ONE], [])
    assert quarter is not None and quarter.required == 0 and quarter.met
    # Sessions outside the term do not count for the head.
    left = evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2020, 1, 1), D(2023, 6, 30),
                    [RuleVersion("district", D(2015, 1, 27), 2)], [D(2023, 8, 1)])
    assert left is not None and left.held == 0 and left.required == 1
    assert evaluate(D(2023, 1, 1), D(2023, 12, 31), D(2024, 1, 1), None, [ONE], []) is None


def test_pieces_cut_at_year_boundaries_and_before_any_rule_nothing_is_owed() -> None:
    cut = pieces(D(2014, 7, 1), D(2016, 6, 30), [ONE])
    assert [(p.start, p.end) for p in cut] == [
        (D(2014, 7, 1), D(2014, 12, 31)), (D(2015, 1, 1), D(2015, 1, 26)),
        (D(2015, 1, 27), D(2015, 12, 31)), (D(2016, 1, 1), D(2016, 6, 30))]
    assert cut[0].owed == 0 and cut[1].owed == 0
    assert cut[3].owed == Fraction(182, 366), "a leap year has 366 days"


def test_the_default_rule_is_seeded_once() -> None:
    rule = DialogueRule("district")
    default = next(v for v in DEFAULT_RULES if v.level == "district")
    assert rule.set_rule(default)
    assert not rule.set_rule(default), "the same version again records nothing"
    assert rule.set_rule(RuleVersion("district", D(2023, 7, 1), 3, "Quyết định sửa đổi"))
    assert len(rule.pending) == 2
