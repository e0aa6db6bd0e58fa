"""The plan's task rule (shared/taskrules.py), by hand-counted dates."""

from __future__ import annotations

from datetime import date

import pytest

from shared.taskrules import (
    Progress,
    ReminderKind,
    Schedule,
    SubmissionFact,
    SubmissionStanding,
    done_at,
    duty_row,
    item_standing,
    occurrence_dues,
    reminders_due,
    submission_standing,
)

D = date


def test_occurrences_of_each_recurrence() -> None:
    assert occurrence_dues(Schedule("by_conference", 2023)) == [
        D(2023, 3, 14), D(2023, 6, 14), D(2023, 9, 14), D(2023, 12, 14)]
    assert occurrence_dues(Schedule("quarterly", 2023)) == [
        D(2023, 3, 31), D(2023, 6, 30), D(2023, 9, 30), D(2023, 12, 31)]
    monthly = occurrence_dues(Schedule("monthly", 2024))
    assert len(monthly) == 12 and monthly[1] == D(2024, 2, 29)
    # An item joining the plan on 01/07 owes nothing of the first half.
    assert occurrence_dues(Schedule("quarterly", 2023), D(2023, 7, 1)) == [
        D(2023, 9, 30), D(2023, 12, 31)]
    with pytest.raises(ValueError):
        Schedule("deadline", 2023)
    with pytest.raises(ValueError):
        Schedule("monthly", 2023, D(2023, 5, 1))


def test_deadline_item() -> None:
    schedule = Schedule("deadline", 2023, D(2023, 6, 30))
    assert item_standing(schedule, [], D(2023, 6, 30)).status == "not_started"
    # The day after the deadline it is overdue, started or not.
    late = item_standing(schedule, [Progress(D(2023, 5, 2))], D(2023, 7, 1))
    assert (late.status, late.due_on, late.missed) == ("overdue", D(2023, 6, 30), 1)
    assert item_standing(schedule, [], D(2023, 7, 1)).missed == 1
    assert item_standing(schedule, [Progress(D(2023, 5, 2))], D(2023, 6, 1)).status \
        == "in_progress"
    done = [Progress(D(2023, 5, 2)), Progress(D(2023, 8, 1), done=True)]
    # Done late: overdue until the day it was done, done from then on.
    assert item_standing(schedule, done, D(2023, 7, 31)).status == "overdue"
    assert item_standing(schedule, done, D(2023, 8, 1)).status == "done"


def test_recurring_item_judged_on_its_latest_occurrence() -> None:
    schedule = Schedule("by_conference", 2023)
    facts = [Progress(D(2023, 2, 20)), Progress(D(2023, 8, 1))]
    # At 15/06 the 14/06 occurrence (window 15/03-14/06) had nothing: overdue.
    at_june = item_standing(schedule, facts, D(2023, 6, 15))
    assert (at_june.status, at_june.due_on, at_june.missed) == ("overdue", D(2023, 6, 14), 1)
    # At 14/06 itself it is not yet due.
    assert item_standing(schedule, facts, D(2023, 6, 14)).status == "in_progress"
    # At 15/09 the 14/09 occurrence has the progress of 01/08: in progress, one missed.
    at_sept = item_standing(schedule, facts, D(2023, 9, 15))
    assert (at_sept.status, at_sept.due_on, at_sept.missed) == (
        "in_progress", D(2023, 12, 14), 1)
    # Progress recorded later with an earlier date does not exist at an earlier cut-off.
    assert item_standing(schedule, [], D(2023, 3, 1)).status == "not_started"
    assert item_standing(schedule, [], D(2023, 3, 15)).status == "overdue"


def test_monthly_item() -> None:
    schedule = Schedule("monthly", 2023)
    facts = [Progress(D(2023, 1, 31)), Progress(D(2023, 3, 5))]
    # February passed without progress: overdue on 01/03, back in progress once March has
    # some, and overdue again after 30/04 without April's.
    assert item_standing(schedule, facts, D(2023, 3, 1)).status == "overdue"
    assert item_standing(schedule, facts, D(2023, 4, 1)).status == "in_progress"
    may = item_standing(schedule, facts, D(2023, 5, 1))
    assert (may.status, may.missed) == ("overdue", 2)


def test_submission_standing() -> None:
    deadline = D(2023, 6, 20)
    assert submission_standing(deadline, [], D(2023, 6, 20)).status == "chua_nop"
    assert submission_standing(deadline, [], D(2023, 6, 21)).status == "qua_han_chua_nop"
    on_time = [SubmissionFact("submitted", D(2023, 6, 18))]
    assert submission_standing(deadline, on_time, D(2023, 6, 30)).status == "nop_dung_han"
    late = [SubmissionFact("submitted", D(2023, 6, 23))]
    assert submission_standing(deadline, late, D(2023, 6, 22)).status == "qua_han_chua_nop"
    assert submission_standing(deadline, late, D(2023, 6, 23)).status == "nop_muon"
    returned = [*on_time, SubmissionFact("returned", D(2023, 6, 21))]
    standing = submission_standing(deadline, returned, D(2023, 6, 25))
    assert (standing.status, standing.returns, standing.submitted) == ("tra_lai", 1, False)
    again = [*returned, SubmissionFact("submitted", D(2023, 6, 26))]
    # Resubmitted after the deadline, the first submission was on time: on time.
    resubmitted = submission_standing(deadline, again, D(2023, 6, 30))
    assert (resubmitted.status, resubmitted.last_submitted_on) == (
        "nop_dung_han", D(2023, 6, 26))


def test_reminders_once_each_only_while_owed() -> None:
    deadline = D(2023, 6, 20)
    before: tuple[ReminderKind, ...] = ("before",)
    both: tuple[ReminderKind, ...] = ("before", "after")
    assert reminders_due(deadline, True, D(2023, 6, 16), ()) == []
    assert reminders_due(deadline, True, D(2023, 6, 17), ()) == ["before"]
    assert reminders_due(deadline, True, D(2023, 6, 18), before) == []
    assert reminders_due(deadline, True, D(2023, 6, 21), before) == ["after"]
    assert reminders_due(deadline, True, D(2023, 7, 1), both) == []
    # Down over the whole "before" window: only the reminder still useful.
    assert reminders_due(deadline, True, D(2023, 6, 25), ()) == ["after"]
    assert reminders_due(deadline, False, D(2023, 6, 25), ()) == []


def test_a_reopened_item_is_not_done_until_closed_again() -> None:
    deadline = Schedule("deadline", 2023, D(2023, 6, 30))
    facts = [Progress(D(2023, 6, 1), done=True), Progress(D(2023, 6, 5), reopened=True)]
    assert done_at(facts, D(2023, 6, 4)) and not done_at(facts, D(2023, 6, 5))
    assert item_standing(deadline, facts, D(2023, 6, 4)).status == "done"
    # Reopened: judged on its progress (the done of 1 June is progress dated by then).
    assert item_standing(deadline, facts, D(2023, 6, 10)).status == "in_progress"
    # Not done again by its deadline: overdue after it, the deadline missed.
    late = item_standing(deadline, facts, D(2023, 7, 1))
    assert (late.status, late.missed) == ("overdue", 1)
    closed = [*facts, Progress(D(2023, 7, 10), done=True)]
    assert item_standing(deadline, closed, D(2023, 7, 10)).status == "done"
    # On one day a reopening follows the close, in whatever order they are given.
    same_day = [Progress(D(2023, 6, 5), reopened=True), Progress(D(2023, 6, 5), done=True)]
    assert not done_at(same_day, D(2023, 6, 5))
    # A reopening alone is not progress.
    assert item_standing(deadline, [Progress(D(2023, 6, 5), reopened=True)],
                         D(2023, 6, 10)).status == "not_started"


def test_a_deadline_item_reopened_after_its_deadline_is_overdue() -> None:
    """H17: done on 20/09 before its deadline 01/10, reopened on 01/11: judged as if never
    done, so on 25/12 the deadline has passed and the item is not done: overdue."""
    deadline = Schedule("deadline", 2023, D(2023, 10, 1))
    facts = [Progress(D(2023, 9, 20), done=True), Progress(D(2023, 11, 1), reopened=True)]
    # Before the reopening the deadline was kept: done.
    before = item_standing(deadline, facts, D(2023, 10, 31))
    assert (before.status, before.missed) == ("done", 0)
    after = item_standing(deadline, facts, D(2023, 12, 25))
    assert (after.status, after.due_on, after.missed) == ("overdue", D(2023, 10, 1), 1)
    # Done again later: done, but late (the deadline stays missed).
    closed = item_standing(deadline, [*facts, Progress(D(2023, 12, 1), done=True)],
                           D(2023, 12, 25))
    assert (closed.status, closed.missed) == ("done", 1)


def test_an_item_owed_by_conference_is_due_on_the_cutoff_in_force() -> None:
    """The Commission moved the 6-month cut-off to 20/06 (reporting's PeriodAdjusted): the
    item is owed for that conference, so it is due on the moved day (G20)."""
    moved = {"2023-6m": D(2023, 6, 20)}
    schedule = Schedule("by_conference", 2023)
    assert occurrence_dues(schedule, moved=moved) == [
        D(2023, 3, 14), D(2023, 6, 20), D(2023, 9, 14), D(2023, 12, 14)]
    # Another year's move does not touch 2023.
    assert occurrence_dues(schedule, moved={"2024-6m": D(2024, 6, 20)}) == \
        occurrence_dues(schedule)
    facts = [Progress(D(2023, 3, 10)), Progress(D(2023, 6, 17))]
    # By the default 14/06 the 6 months were missed on 18/06; by the moved 20/06 not yet due.
    assert item_standing(schedule, facts, D(2023, 6, 18)).status == "overdue"
    kept = item_standing(schedule, facts, D(2023, 6, 18), moved=moved)
    assert (kept.status, kept.due_on) == ("in_progress", D(2023, 6, 20))
    # A deadline is a date, not a conference: no move touches it.
    deadline = Schedule("deadline", 2023, D(2023, 6, 14))
    assert occurrence_dues(deadline, moved=moved) == [D(2023, 6, 14)]


def test_a_duty_rows_whole_figures_are_integers_even_from_events_that_kept_floats() -> None:
    """Finding O16: events written before it hold a count as 3.0; the row (the indicators'
    duty summary and a report's `district_reports` alike) answers 3, a ratio as it is."""
    submitted = {"revision": 1, "summary": "x", "figures": {"Số xã": 3.0, "Tỷ lệ": 87.5}}
    row = duty_row("315", "Huyện Tiên Lãng", SubmissionStanding("nop_muon", D(2023, 6, 23),
                   D(2023, 6, 23), 0), [submitted], [], [], 1)
    figures = row["figures"]
    assert (figures, type(figures["Số xã"]), type(figures["Tỷ lệ"])) == (
        {"Số xã": 3, "Tỷ lệ": 87.5}, int, float)
