"""Events of the reporting service. A type keeps its name; new schema versions get upcasters."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

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


class RateComparison(BaseModel):
    """Whether an indicator's rate measured against `base_now` (None: a counted
    denominator) is the same measure as a previous rate measured against `base_before`, as
    the report was signed: the parts of the measure that differ (`basis_changes`, the
    kernel's `planrules.BASIS_CHANGES`; empty: comparable). Plain strings, not a Literal: a
    part the kernel may name later is no invalid payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator_id: str
    base_before: int | None
    base_now: int | None
    basis_changes: tuple[str, ...]


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
    # Added after v1 without a new version (review RV-P7): the answer of the rule of
    # comparable rates (`planrules.rate_basis_changes`) for every row of the report, as
    # signed, so that a later fix of the rule changes no signed report's «không so sánh trực
    # tiếp được» note (`application/comparability.py`). None: finalised before it was
    # recorded; such a report's note is asked of the rule as it stands, as it always was.
    rate_comparisons: tuple[RateComparison, ...] | None = None
