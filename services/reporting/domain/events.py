"""Events of the reporting service. A type keeps its name; new schema versions get upcasters."""

from __future__ import annotations

from datetime import date, datetime

from shared.envelope import DomainEvent, EventRegistry

registry = EventRegistry(service="reporting")


@registry.register
class PeriodAdjusted(DomainEvent):
    """The data window of one conference period of one year was moved from the default."""

    event_type = "PeriodAdjusted"
    aggregate_type = "period"
    period_id: str
    data_from: date
    cutoff_on: date
    reason: str


@registry.register
class ReportFinalised(DomainEvent):
    """A conference report was finalised: its figures are frozen under `content_hash`.

    The frozen figures themselves are kept, content-addressed by that hash, in the table
    `rpt_frozen_figures` written in the same transaction (they can exceed a NATS message).
    """

    event_type = "ReportFinalised"
    aggregate_type = "report"
    report_id: str
    period_id: str
    scope: str
    as_of: datetime
    data_from: date
    cutoff_on: date
    content_hash: str
    figure_count: int
    # Added after v1 without a new version (docs/events.md: fields may be added): a report
    # finalised before it reads False, nobody having acknowledged anything (finding N13).
    # True: signed as of a past `as_of` whose figures facts recorded by the signing changed,
    # the signer acknowledging them (`acknowledge_later_facts`, else 409).
    later_facts_acknowledged: bool = False
