"""Reminders of the district boards' period reports (IV.3): before the deadline and after it,
once each.

The same mechanism as the dialogue service's report reminders: a pass issues the command
through each aggregate, which remembers the reminders it already recorded, so a second pass,
a second replica or a restart records nothing new; two replicas racing on one report collide
on its version and the loser moves on. The pass runs inside the service's one background
loop (`lifecycle.status_sweeper`), at start and every sweep, not in a scheduler of its own.
"""

from __future__ import annotations

from datetime import date

from services.indicators.application.planhandlers import period_cutoff
from services.indicators.domain.plan import DistrictReport, ReportingDuty, district_report_id
from shared.aggregate import CommandContext, UnitOfWork
from shared.conferencedates import CONFERENCE_MONTHS
from shared.errors import ConcurrencyError
from shared.logs import get_logger
from shared.runtime import ServiceRuntime
from shared.taskrules import REMIND_BEFORE_DAYS, deadline_in_force

log = get_logger("danvan.indicators.reminders")
SYSTEM_ACTOR = "system:indicators"


def periods_to_watch(today: date) -> list[str]:
    """This year's and last year's conference periods (a deadline lies at most two months
    after a cut-off, so older ones can owe no reminder)."""
    return [f"{year}-{months}m" for year in (today.year - 1, today.year)
            for months in CONFERENCE_MONTHS]


def _remind(
    uow: UnitOfWork, period_id: str, code: str, year: int, deadline: date, today: date
) -> int:
    report = uow.load(DistrictReport, district_report_id(period_id, code))
    due = report.remind(year, period_id, code, deadline, today)
    uow.save(report)
    return len(due)


def remind_district_reports(runtime: ServiceRuntime, today: date) -> int:
    """One pass; returns the reminders recorded. Each report in its own transaction."""
    recorded = 0
    context = CommandContext(actor=SYSTEM_ACTOR)
    for period_id in periods_to_watch(today):
        with runtime.uow(context) as uow:
            duty = uow.load(ReportingDuty, period_id)
            # The deadline in force: never before the cut-off as it stands (K11).
            deadline = (None if duty.deadline is None
                        else deadline_in_force(duty.deadline, period_cutoff(uow, period_id)))
        if deadline is None or today.toordinal() < deadline.toordinal() - REMIND_BEFORE_DAYS:
            continue
        year = int(period_id[:4])
        for code in duty.district_codes:
            try:
                # Counted once committed: a loser counts nothing.
                recorded += runtime.execute(
                    context, _remind, period_id, code, year, deadline, today
                )
            except ConcurrencyError:
                continue
    if recorded:
        runtime.relay.notify()
        log.info("district_report_reminders", today=today.isoformat(), recorded=recorded)
    return recorded
