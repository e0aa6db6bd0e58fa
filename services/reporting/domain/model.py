"""Aggregates of the reporting service: pure Python, no I/O."""

from __future__ import annotations

from datetime import date

from services.reporting import messages
from services.reporting.domain.events import PeriodAdjusted, ReportFinalised
from services.reporting.domain.periods import Period, default_period, parse_period_id
from shared.aggregate import Aggregate
from shared.clock import day_vn, format_date_vn
from shared.conferencedates import first_signing_day
from shared.envelope import DomainEvent
from shared.errors import ActionRefused, InvalidInput


class ReportingPeriod(Aggregate):
    """Kỳ báo cáo: one conference period of one year; its id is the period id ("2023-3m")."""

    aggregate_type = "period"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        year, months = parse_period_id(aggregate_id)
        self.period: Period = default_period(year, months)

    def adjust(self, data_from: date, cutoff_on: date, reason: str, on: date) -> None:
        self.record(
            PeriodAdjusted(
                period_id=self.id, data_from=data_from, cutoff_on=cutoff_on, reason=reason
            ),
            on,
        )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, PeriodAdjusted):
            self.period = self.period.with_window(event.data_from, event.cutoff_on, event.reason)


class FinalisedReport(Aggregate):
    """Báo cáo đã chốt: the frozen report of a period for a scope; id "<period>@<scope>"."""

    aggregate_type = "report"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.finalised: ReportFinalised | None = None

    def finalise(self, event: ReportFinalised, on: date, unit_code: str | None) -> None:
        self.require_finalisable(event)
        self.record(event, on, unit_code=unit_code)

    def require_finalisable(self, event: ReportFinalised) -> None:
        """The report's own refusals of `event`, asked before the use case's (which judge
        what was recorded by its `as_of`, and decide what the event says of it)."""
        if self.finalised is not None:
            raise ActionRefused(
                "REPORT_ALREADY_FINALISED", messages.REPORT, action="finalise",
                subject=messages.REPORT_SUBJECT.format(period=event.period_id),
                state="finalised", allowed=[],
                note=messages.REPORT_HASH.format(hash=self.finalised.content_hash[:12]),
                content_hash=self.finalised.content_hash,
            )
        # Frozen figures must be the period's whole figures: until its cut-off day has ended in
        # Vietnam (a future period, or an `as_of` inside or before that day), events dated up
        # to the cut-off can still be recorded and the signed report would miss them. The
        # cut-off is the window's as it stands (`_require_window_of_today`). What was recorded
        # by a later `as_of` is the use case's to judge (reports._require_facts_known).
        first_day = first_signing_day(event.cutoff_on)
        if day_vn(event.as_of) < first_day:
            raise InvalidInput(
                "CUTOFF_NOT_PASSED",
                messages.CUTOFF_NOT_PASSED.format(
                    period=event.period_id, cutoff=format_date_vn(event.cutoff_on),
                    first_day=format_date_vn(first_day)),
                cutoff_on=event.cutoff_on.isoformat(), first_day=first_day.isoformat(),
                as_of=event.as_of.isoformat(),
            )

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, ReportFinalised):
            self.finalised = event


def report_id(period_id: str, scope: str) -> str:
    return f"{period_id}@{scope}"
