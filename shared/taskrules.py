"""The plan's tasks (nhiệm vụ, plan sections II-IV): when an item is owed, when it is overdue,
and how a district board stands on its reporting duty (IV.3). The one rule every service uses.

* **An item's schedule** (`Schedule`) is a deadline or a recurrence. A recurring item owes one
  piece of progress per occurrence; an occurrence is due on:
  - `monthly`: the last day of each month of the plan year;
  - `quarterly`: the last day of March, June, September and December;
  - `by_conference`: the data cut-off of each conference of II.3.2 (3, 6, 9 and 12 months)
    that applies (shared/conferencedates.py `cutoff_in_force`): the 14th of the period's last
    month, or the day the Commission moved that period's cut-off to. The item is owed *for
    the conference* (plan II.3.2 "giao ban, sơ kết, tổng kết"): its work is what the
    conference reviews, so it is due when the conference's data close, moved or not;
  - `deadline`: once, on `due_on`.
  Occurrences due before the item joined the plan (`starts_on`) are not owed.
* **An item's status at the end of day d** (`item_standing`), from the progress dated up to
  d (and, in a report, recorded up to its "as of"):
  - **done** (`done`): a piece of progress marked done is dated by d, and no reopening by
    the Commission (`PlanItemReopened`) is dated after it by d (a reopened item is judged
    as if never done, on its progress, until marked done again);
  - **overdue** (`overdue`): not done, and the latest occurrence whose due date has passed
    (due < d: overdue from the day after, as a dialogue commitment) has no progress dated in
    its window (after the previous occurrence's due date, up to its own). For a deadline,
    simply: the deadline has passed and the item is not done (a close dated by the deadline
    and reopened after it no longer keeps it: the deadline counts as missed);
  - **in progress** (`in_progress`): some progress dated by d;
  - **not started** (`not_started`): nothing yet.
  Overdue is detected from the dates, never typed by a user.
* **A district board's period report** (`submission_standing`) at d, against the deadline
  the Commission set: not submitted yet (`chua_nop`) while the deadline has not passed;
  late and missing (`qua_han_chua_nop`) after it; returned for correction (`tra_lai`) when
  the Commission's last act was a return; submitted on time (`nop_dung_han`) when the first
  submission is dated by the deadline, late (`nop_muon`) otherwise. A resubmission after a
  return keeps the timeliness of the first submission: the return is the Commission's act.
* **Reminders** (`reminders_due`): one `before` reminder `REMIND_BEFORE_DAYS` before the
  deadline and one `after` reminder the day after it, each only while the report is owed
  (not submitted, or returned and not resubmitted), and each once (the caller remembers).
  A `before` reminder noticed only after the deadline is no longer useful and is skipped.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from shared.clock import iso_or_none
from shared.conferencedates import CONFERENCE_MONTHS, NO_MOVES, MovedCutoffs, cutoff_in_force

Recurrence = Literal["deadline", "monthly", "quarterly", "by_conference"]
RECURRENCES: tuple[Recurrence, ...] = ("deadline", "monthly", "quarterly", "by_conference")
RECURRENCE_LABELS: dict[str, str] = {
    "deadline": "Có thời hạn",
    "monthly": "Hằng tháng",
    "quarterly": "Hằng quý",
    "by_conference": "Theo kỳ giao ban, sơ kết, tổng kết",
}

ItemStatus = Literal["not_started", "in_progress", "done", "overdue"]
NOT_STARTED: Final = "not_started"
IN_PROGRESS: Final = "in_progress"
DONE: Final = "done"
OVERDUE: Final = "overdue"
ITEM_STATUS_LABELS: dict[str, str] = {
    NOT_STARTED: "Chưa triển khai",
    IN_PROGRESS: "Đang thực hiện",
    DONE: "Hoàn thành",
    OVERDUE: "Quá hạn",
}
#: How a report lists items: what needs attention first.
ITEM_STATUS_ORDER: dict[str, int] = {OVERDUE: 0, IN_PROGRESS: 1, NOT_STARTED: 2, DONE: 3}



#: The plan's party a district board acts as (Ban Dân vận các quận ủy, huyện ủy, section IV):
#: a district board records progress on, and reads, the items that name this party.
DISTRICT_BOARDS: Final = "ban-dan-van-cap-huyen"


def names_district_boards(responsible: str, coordinating: Collection[str]) -> bool:
    """Whether an item is the district boards' to carry out or coordinate."""
    return responsible == DISTRICT_BOARDS or DISTRICT_BOARDS in coordinating


@dataclass(frozen=True)
class Schedule:
    """When an item is owed: a deadline (`due_on`) or a recurrence over the plan `year`."""

    kind: Recurrence
    year: int
    due_on: date | None = None

    def __post_init__(self) -> None:
        if (self.kind == "deadline") != (self.due_on is not None):
            raise ValueError("a deadline, and only a deadline, has a due date")


def occurrence_dues(
    schedule: Schedule, starts_on: date | None = None, moved: MovedCutoffs = NO_MOVES
) -> list[date]:
    """The due dates of the item's occurrences in its year, from `starts_on` on (`moved`:
    the conference cut-offs the Commission moved, by period id)."""
    year = schedule.year
    if schedule.kind == "deadline":
        assert schedule.due_on is not None
        dues = [schedule.due_on]
    elif schedule.kind == "monthly":
        dues = [_month_end(year, month) for month in range(1, 13)]
    elif schedule.kind == "quarterly":
        dues = [_month_end(year, month) for month in (3, 6, 9, 12)]
    else:
        dues = [cutoff_in_force(year, month, moved) for month in CONFERENCE_MONTHS]
    return [d for d in dues if starts_on is None or d >= starts_on]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Progress:
    """A piece of progress as the rule sees it: its business date, and whether it closed
    the item (a concluded inspection is progress marked done) or the Commission reopened it
    (`reopened`: the item is no longer done from that day; not progress in itself)."""

    on: date
    done: bool = False
    reopened: bool = False


def done_at(progress: Iterable[Progress], on: date) -> bool:
    """Whether the item is done at the end of day `on`: its latest close or reopening dated
    by then is a close. On one day a reopening comes after a close (it reopens it), whatever
    order the facts come in; a close after a reopening must be dated after it (the
    indicators service refuses one dated on or before)."""
    state = False
    for fact in sorted((p for p in progress if p.on <= on and (p.done or p.reopened)),
                       key=lambda p: (p.on, p.reopened)):
        state = not fact.reopened
    return state


def _reopened_between(progress: Iterable[Progress], after: date, until: date) -> bool:
    """Whether the Commission reopened the item after day `after`, by the end of `until`."""
    return any(p.reopened and after < p.on <= until for p in progress)


@dataclass(frozen=True)
class Standing:
    status: ItemStatus
    #: The due date that makes it overdue, else the next one owed (None: nothing owed).
    due_on: date | None
    #: Occurrences whose due date has passed without progress in their window (a deadline:
    #: passed before the item was done).
    missed: int

    @property
    def label(self) -> str:
        return ITEM_STATUS_LABELS[self.status]


def item_standing(
    schedule: Schedule, progress: Iterable[Progress], on: date, starts_on: date | None = None,
    moved: MovedCutoffs = NO_MOVES,
) -> Standing:
    """The item's status at the end of day `on` (see the module's rule; `moved`: the
    conference cut-offs the Commission moved)."""
    progress = list(progress)
    facts = sorted(p.on for p in progress if p.on <= on and not p.reopened)
    done = done_at(progress, on)
    dues = occurrence_dues(schedule, starts_on, moved)
    passed = [d for d in dues if d < on]
    upcoming = next((d for d in dues if d >= on), None)
    missed, latest_missed = 0, False
    previous = date.min
    for due in passed:
        # A deadline is kept only by the item done by then and not reopened since (a
        # reopened item is judged as if never done: a reopening after the deadline undoes
        # the keeping too, H17); an occurrence by any progress.
        kept = (
            done_at(progress, due) and not _reopened_between(progress, due, on)
            if schedule.kind == "deadline"
            else any(previous < day <= due for day in facts)
        )
        missed += 0 if kept else 1
        latest_missed = not kept
        previous = due
    if done:
        return Standing(DONE, None, missed)
    if latest_missed:
        return Standing(OVERDUE, passed[-1], missed)
    return Standing(IN_PROGRESS if facts else NOT_STARTED, upcoming, missed)


# -- the district boards' reporting duty (IV.3) --------------------------------------------

SubmissionStatus = Literal["chua_nop", "qua_han_chua_nop", "tra_lai", "nop_dung_han", "nop_muon"]
SUBMISSION_STATUS_LABELS: dict[str, str] = {
    "chua_nop": "Chưa nộp (chưa đến hạn)",
    "qua_han_chua_nop": "Quá hạn chưa nộp",
    "tra_lai": "Bị trả lại để chỉnh sửa",
    "nop_dung_han": "Đã nộp đúng hạn",
    "nop_muon": "Đã nộp muộn",
}
SUBMITTED: frozenset[str] = frozenset({"nop_dung_han", "nop_muon"})
SUBMISSION_STATUS_ORDER: dict[str, int] = {
    "qua_han_chua_nop": 0, "tra_lai": 1, "chua_nop": 2, "nop_muon": 3, "nop_dung_han": 4,
}


def submission_tally(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The district boards' rows of a period (each with its `status` and `district_code`),
    worst first, under the tally every view of the duty shows: owed, submitted (on time or
    late), each status's count."""
    rows.sort(key=lambda r: (SUBMISSION_STATUS_ORDER[r["status"]], r["district_code"]))
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in SUBMISSION_STATUS_LABELS}
    return {
        "owed": len(rows),
        "submitted": counts["nop_dung_han"] + counts["nop_muon"],
        "on_time": counts["nop_dung_han"],
        "late": counts["nop_muon"],
        "returned": counts["tra_lai"],
        "missing_overdue": counts["qua_han_chua_nop"],
        "status_counts": counts,
        "districts": rows,
    }


def figure_value(value: float) -> int | float:
    """A district board's figure as it is kept and given back: a whole number as an integer
    (a count is 3, not 3.0, finding O16: JSON's 3.0 read as a measure, and a client typed
    on integers refused it), any other as the number it is (a ratio, 87.5). The events
    written before kept 3.0: their rows are answered alike."""
    return int(value) if float(value).is_integer() else value


def duty_row(
    district_code: str,
    district_name: str,
    standing: SubmissionStanding,
    submissions: Sequence[Mapping[str, Any]],
    returns: Sequence[Mapping[str, Any]],
    reminders: Iterable[str],
    version: int,
) -> dict[str, Any]:
    """One district board's row of the duty summary, the same in both services (the
    indicators' `GET /reporting-duties/{period_id}` and a report's `district_reports`).
    `submissions` and `returns` are the DistrictReportSubmitted / DistrictReportReturned
    payloads known at the standing's day, in recorded order; `version` the report's
    aggregate version as known. Timeliness is judged on the first submission: when the
    Commission recorded it back-dated (a paper report), `first_submission_backdated_reason`
    says why (None otherwise, and for events written before the reason existed)."""
    latest = submissions[-1] if submissions else None
    return {
        "district_code": district_code,
        "district_name": district_name,
        "status": standing.status,
        "status_label": standing.label,
        "first_submitted_on": iso_or_none(standing.first_submitted_on),
        "last_submitted_on": iso_or_none(standing.last_submitted_on),
        "returns": standing.returns,
        "last_return_reason": returns[-1]["reason"] if returns else None,
        "first_submission_backdated_reason": (
            submissions[0].get("backdated_reason") or None if submissions else None),
        "revision": latest["revision"] if latest else 0,
        "figures": {name: figure_value(value) for name, value in latest["figures"].items()}
        if latest else {},
        "summary": latest["summary"] if latest else None,
        "reminders": sorted(set(reminders)),
        "version": version,
    }


def deadline_in_force(deadline: date, cutoff: date) -> date:
    """The deadline a district board's period report is judged against: the one the
    Commission set (`deadline`), but never before the period's data cut-off as it stands
    (`cutoff`, shared.conferencedates.cutoff_in_force): nothing can be filed before it."""
    return max(deadline, cutoff)


def duty_summary(
    period_id: str, deadline: date, judged_on: date, rows: list[dict[str, Any]],
    deadline_set: date | None = None,
) -> dict[str, Any]:
    """The summary of the district boards' period reports, one shape for both services: the
    indicators service's `GET /reporting-duties/{period_id}` and a report's plan section.
    The day the standings are judged at is `judged_on` in both (docs/api-conventions.md).
    `deadline`: the one in force (`deadline_in_force`); `deadline_set`: the one the
    Commission set, when it differs (a cut-off moved past it)."""
    return {
        "period_id": period_id,
        "deadline": deadline.isoformat(),
        "deadline_set": (deadline_set or deadline).isoformat(),
        "judged_on": judged_on.isoformat(),
        **submission_tally(rows),
    }


SubmissionAct = Literal["submitted", "returned"]
ReminderKind = Literal["before", "after"]
REMIND_BEFORE_DAYS: Final = 3
REMINDER_LABELS: dict[str, str] = {
    "before": "Nhắc trước hạn nộp báo cáo",
    "after": "Nhắc sau hạn: chưa nộp báo cáo",
}


@dataclass(frozen=True)
class SubmissionFact:
    act: SubmissionAct
    on: date


@dataclass(frozen=True)
class SubmissionStanding:
    status: SubmissionStatus
    first_submitted_on: date | None
    last_submitted_on: date | None
    returns: int

    @property
    def submitted(self) -> bool:
        return self.status in SUBMITTED

    @property
    def label(self) -> str:
        return SUBMISSION_STATUS_LABELS[self.status]


def submission_standing(
    deadline: date, acts: Iterable[SubmissionFact], on: date
) -> SubmissionStanding:
    """A district board's period report at the end of day `on` (acts in recorded order)."""
    known = [a for a in acts if a.on <= on]
    submissions = [a.on for a in known if a.act == "submitted"]
    returns = sum(1 for a in known if a.act == "returned")
    first = submissions[0] if submissions else None
    last = submissions[-1] if submissions else None
    status: SubmissionStatus
    if first is None:
        status = "qua_han_chua_nop" if deadline < on else "chua_nop"
    elif known[-1].act == "returned":
        status = "tra_lai"
    else:
        status = "nop_dung_han" if first <= deadline else "nop_muon"
    return SubmissionStanding(status, first, last, returns)


def reminder_date(kind: ReminderKind, deadline: date) -> date:
    """The business date a reminder falls due on."""
    if kind == "before":
        return deadline - timedelta(days=REMIND_BEFORE_DAYS)
    return deadline + timedelta(days=1)


def reminders_due(
    deadline: date, owed: bool, today: date, already: Collection[ReminderKind]
) -> list[ReminderKind]:
    """The reminders to record `today` for a report still `owed`, each once."""
    if not owed:
        return []
    due: list[ReminderKind] = []
    if "before" not in already and reminder_date("before", deadline) <= today <= deadline:
        due.append("before")
    if "after" not in already and today >= reminder_date("after", deadline):
        due.append("after")
    return due
