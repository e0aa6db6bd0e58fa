"""Use cases of the reporting service: read a report, finalise it, move a period's window."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from services.reporting import messages
from services.reporting.adapters.tables import frozen_figures, frozen_reports
from services.reporting.application import successions
from services.reporting.application.canonical import canonical_json, content_hash
from services.reporting.application.comparability import Comparisons, rate_comparisons
from services.reporting.application.differences import differences, reported_figures
from services.reporting.application.fact_reads import latest_change, window_units
from services.reporting.application.figures import Figures, compute, compute_many
from services.reporting.application.planreport import deadline_set, plan_part
from services.reporting.application.state import ReportingState, state_of, today_of
from services.reporting.application.unittree import NATION, UnitTree, UnknownScope, unit_tree
from services.reporting.domain.events import RateComparison, ReportFinalised, registry
from services.reporting.domain.indicators import IndicatorTarget
from services.reporting.domain.model import FinalisedReport, ReportingPeriod, report_id
from services.reporting.domain.periods import (
    MONTHS,
    InvalidPeriodId,
    Period,
    default_period,
    following_year_ids,
    parse_period_id,
    previous_period_id,
    previous_year_report_id,
    same_year_neighbours,
    window_problem,
    year_opens,
)
from shared.aggregate import CommandContext, UnitOfWork
from shared.auth.checks import authorize, require_city
from shared.auth.principal import Principal
from shared.clock import VN_TZ, day_vn, format_date_vn, today_vn
from shared.concurrency import required_version
from shared.conferencedates import (
    MovedCutoffs,
    canonical_period_id,
    data_from_after,
)
from shared.conferencedates import period_id as id_of_period
from shared.db import read_connection
from shared.envelope import EventEnvelope, utcnow
from shared.errors import ActionRefused, InvalidInput, NotFound
from shared.eventstore import EventStore, events_table
from shared.runtime import ServiceRuntime
from shared.unitcheck import require_scope_within
from shared.validation import read_as_of

# -- input checks ----------------------------------------------------------------------------

def require_period_id(value: str) -> str:
    """The period id as the system writes it (`conferencedates.canonical_period_id`: "2023-6M"
    names 2023-6m, its period's aggregate and its reports' key); 400 when it names none."""
    try:
        return canonical_period_id(value)
    except InvalidPeriodId as exc:
        # The kernel's code and wording, as indicators answers it (finding O13).
        raise InvalidInput(exc.code, exc.message, **exc.details()) from exc


def parse_as_of(value: str | None, now: datetime) -> datetime:
    """The report's moment: the kernel's "as known at" rule, `now` when none is given."""
    return now if value is None or value == "" else read_as_of(value, now)


def require_tree(scope: str, on: date) -> UnitTree:
    try:
        return unit_tree(scope, on)
    except (UnknownScope, LookupError) as exc:
        # No day a report reads is before the catalogue's first era: it reaches back to the
        # API's first day (shared.clock.FIRST_DAY, K15), and every period, its previous one
        # and any cut-off a period is moved to lie after it.
        raise InvalidInput(
            "UNKNOWN_SCOPE",
            messages.UNKNOWN_SCOPE.format(value=scope[:20], on=on.strftime("%d/%m/%Y")),
            scope=scope,
        ) from exc


# -- periods ---------------------------------------------------------------------------------

def load_period(
    conn: Connection, store: EventStore, period_id: str, as_of: datetime | None = None
) -> Period:
    """The period as it was defined at `as_of`: a later adjustment does not move an older
    report's window, so reports stay reproducible.

    Its window opens where its year opens (`year_start`), whatever its own events say. A move
    of a year report's cut-off records the carried start on the next year's periods since
    G19 (f84ab2d), so for a store written since, the two agree; a store written before holds
    a moved cut-off whose next year still opens on the old default (15/12), which would count
    the days between in both years or in neither. Deriving the start from the cut-off as it
    stands reads both stores by the one rule, and a replay gives the same window."""
    period = _recorded_period(conn, store, period_id, as_of)
    opens = year_start(conn, store, period.year, as_of)
    if period.data_from == opens:
        return period
    reason = period.reason if period.adjusted else messages.WINDOW_FOLLOWS_YEAR.format(
        year=period.year - 1, cutoff=format_date_vn(opens - timedelta(days=1)))
    return period.with_window(opens, period.cutoff_on, reason)


def load_previous_period(
    conn: Connection, store: EventStore, period_id: str, as_of: datetime | None = None
) -> Period:
    """The period before `period_id` (its report's previous column), as `load_period` reads
    it. The first year's 3-month report follows a year the system has no period of (2014's
    cannot be asked for, moved or signed): that year report's default window, as the first
    year opens after it (`year_opens`)."""
    year, months = parse_period_id(period_id)
    if months == MONTHS[0] and previous_year_report_id(year) is None:
        return default_period(year - 1, MONTHS[-1])
    return load_period(conn, store, previous_period_id(period_id), as_of)


def _recorded_period(
    conn: Connection, store: EventStore, period_id: str, as_of: datetime | None
) -> Period:
    """The period as its own events (`PeriodAdjusted`) recorded it by `as_of`."""
    envelopes = store.load(conn, ReportingPeriod.aggregate_type, period_id, as_of)
    return ReportingPeriod.rehydrate(
        period_id, [registry.decode(e) for e in envelopes]
    ).period


def moved_cutoffs(
    conn: Connection, store: EventStore, year: int, as_of: datetime | None = None
) -> MovedCutoffs:
    """The cut-offs of `year`'s conferences as the Commission moved them, as known at
    `as_of`: the plan's items owed "by conference" are due on them
    (shared/conferencedates.cutoff_in_force), as the indicators service judges them."""
    moved: dict[str, date] = {}
    for months in MONTHS:
        period = load_period(conn, store, id_of_period(year, months), as_of)
        if period.adjusted:
            moved[period.id] = period.cutoff_on
    return moved


def year_start(conn: Connection, store: EventStore, year: int,
               as_of: datetime | None = None) -> date:
    """Where the periods of `year` open, as the previous year's report cut-off stands at
    `as_of` (`periods.year_opens`). Only the cut-off of that report is read, and a cut-off is
    its own events' alone: no chain back through the years."""
    previous = previous_year_report_id(year)
    return year_opens(year, None if previous is None
                      else _recorded_period(conn, store, previous, as_of))


def adjust_period(
    uow: UnitOfWork, period_id: str, data_from: date, cutoff_on: date, reason: str,
    expected_version: int | None,
) -> tuple[Period, list[EventEnvelope]]:
    # The reporting calendar is the Commission's: city level, with the reporting scope.
    require_city(uow.context, "reporting:write")
    year, _ = parse_period_id(period_id)
    # A year report's cut-off sets where the next year's periods open: they move with it.
    following = following_year_ids(period_id)
    # A finalisation at the same moment reads this window while this move checks for its
    # report: the period declared first, one of the two sees the other's commit. So are the
    # periods this move carries along (the next year's, after this one: one order for all).
    uow.serialise_on(ReportingPeriod, period_id, *following)
    # The window is replaced whole: never blind (428), once the caller may change it.
    period = uow.load(ReportingPeriod, period_id,
                      expected_version=required_version(expected_version))
    # A finalised report was counted in this window and signed: moving it would make the next
    # period's report compare against figures nobody signed, and the finalised report's
    # `differences` list the new window as changes. Refused whole, nothing written.
    _refuse_finalised(period_id, finalised_reports(uow.connection, period_id))
    opens = year_start(uow.connection, uow.store, year)
    bounds = (None if pid is None else load_period(uow.connection, uow.store, pid).cutoff_on
              for pid in same_year_neighbours(period_id))
    cutoff_before, cutoff_after = bounds
    problem = window_problem(period.period, data_from, cutoff_on, opens,
                             (cutoff_before, cutoff_after))
    if problem is not None:
        previous_cutoff = opens - timedelta(days=1)
        earliest = max(d for d in (cutoff_before, period.period.starts_on) if d is not None)
        latest = min(d for d in (cutoff_after, period.period.ends_on) if d is not None)
        raise InvalidInput(
            problem,
            messages.WINDOW_ERRORS[problem].format(
                period=period_id, expected=format_date_vn(opens),
                previous_cutoff=format_date_vn(previous_cutoff),
                earliest=format_date_vn(earliest), latest=format_date_vn(latest)),
            expected_data_from=opens.isoformat(),
            earliest_cutoff=earliest.isoformat(), latest_cutoff=latest.isoformat(),
        )
    # The district boards' deadline is set from the cut-off (indicators: DEADLINE_OUTSIDE):
    # a cut-off moved past it would leave every district late by construction, nothing
    # being filed before the cut-off (finding K11). The deadline is moved first. (A move
    # and a deadline crossing between the services are judged against the cut-off:
    # shared.taskrules.deadline_in_force.)
    deadline = deadline_set(uow.connection, period_id)
    if deadline is not None and deadline < cutoff_on:
        raise InvalidInput(
            "CUTOFF_AFTER_DEADLINE",
            messages.CUTOFF_AFTER_DEADLINE.format(
                period=period_id, deadline=format_date_vn(deadline),
                cutoff=format_date_vn(cutoff_on)),
            deadline=deadline.isoformat(),
        )
    # The next year's periods open the day after this cut-off: each one not opening there yet
    # is moved in the same transaction, unless a report of it was signed (its window with it).
    moved = [uow.load(ReportingPeriod, pid) for pid in following]
    next_opens = data_from_after(cutoff_on)
    moved = [p for p in moved if p.period.data_from != next_opens]
    signed = [rid for p in moved for rid in finalised_reports(uow.connection, p.id)]
    if signed:
        # This period is not signed: the next year's signed windows would move (J14).
        raise NextYearFinalised(period_id, year + 1, signed)
    follows = messages.WINDOW_FOLLOWS_YEAR.format(year=year, cutoff=format_date_vn(cutoff_on))
    envelopes: list[EventEnvelope] = []
    for later in moved:
        later.adjust(next_opens, later.period.cutoff_on, follows, today_vn())
        envelopes += uow.save(later)
    period.adjust(data_from, cutoff_on, reason, today_vn())
    # This period's event last: the response (and its ETag) names the period asked for.
    return period.period, envelopes + uow.save(period)


class NextYearFinalised(ActionRefused):
    """PERIOD_FINALISED (409) of a year report's cut-off whose move would move the next
    year's signed windows: the year report itself is not signed, and its message says so."""

    def __init__(self, period_id: str, year: int, reports: list[str]) -> None:
        super().__init__(
            "PERIOD_FINALISED", messages.PERIOD, action="adjust",
            subject=messages.PERIOD_SUBJECT.format(period=period_id),
            state="next_year_finalised", allowed=[], period_id=period_id, reports=reports,
        )
        self.message = messages.NEXT_YEAR_FINALISED.format(
            period=period_id, year=year, reports=", ".join(reports))
        self.args = (f"{self.code}: {self.message}",)


def _refuse_finalised(period_id: str, reports: list[str]) -> None:
    """PERIOD_FINALISED (409) when a move of `period_id`'s window would move `reports`."""
    if reports:
        raise ActionRefused(
            "PERIOD_FINALISED", messages.PERIOD, action="adjust",
            subject=messages.PERIOD_SUBJECT.format(period=period_id), state="finalised",
            allowed=[], note=messages.PERIOD_FINALISED.format(reports=", ".join(reports)),
            period_id=period_id, reports=reports,
        )


def finalised_reports(conn: Connection, period_id: str) -> list[str]:
    """The ids of the reports of a period finalised for any scope ("2023-6m@31"), in order."""
    prefix = report_id(period_id, "")
    return list(conn.execute(
        select(events_table.c.aggregate_id).distinct()
        .where(events_table.c.aggregate_type == FinalisedReport.aggregate_type,
               events_table.c.aggregate_id.startswith(prefix, autoescape=True))
        .order_by(events_table.c.aggregate_id)
    ).scalars())


def period_version(conn: Connection, store: EventStore, period_id: str) -> int:
    return store.current_version(conn, ReportingPeriod.aggregate_type, period_id)


# -- reports ---------------------------------------------------------------------------------

@dataclass
class Finalisation:
    report_id: str
    content_hash: str
    as_of: datetime
    finalised_at: datetime
    actor: str
    #: Signed as of a past `as_of` over facts recorded since, acknowledged (finding N13).
    later_facts_acknowledged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "content_hash": self.content_hash,
            "as_of": self.as_of.isoformat(),
            "finalised_at": self.finalised_at.isoformat(),
            "actor": self.actor,
            "later_facts_acknowledged": self.later_facts_acknowledged,
        }


#: How a report's previous column relates to the previous period's finalised report.
SHOWN_SIGNED = "signed"  # the column is the signed figures (the rule, `previous_column`)
SHOWN_RECOMPUTED = "recomputed"  # a report frozen before the rule: the figures it froze


@dataclass
class PreviousSigned:
    """The previous period's finalised report for the same scope, which a report's previous
    column is read against (DOMAIN: each figure "against the previous period": what that
    period reported and signed, not the same window counted again today)."""

    report_id: str
    content_hash: str
    #: Every figure of the scope whose signed value ("frozen") differs from the previous
    #: period's figure counted at the report's time ("current"): facts typed after the
    #: previous report was signed, dated inside its window (a restatement), in the rows of
    #: `differences`. A reader is shown those of the unit seen and its tree.
    scope_restatements: list[dict[str, Any]]
    #: SHOWN_SIGNED, or SHOWN_RECOMPUTED for a report frozen before this rule, whose column
    #: keeps the recomputed figures it was signed with ("current" in the rows).
    shown: str = SHOWN_SIGNED

    def as_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "content_hash": self.content_hash,
                "shown": self.shown}

    def frozen_context(self) -> dict[str, Any]:
        return {**self.as_dict(), "restatements": self.scope_restatements}


@dataclass(frozen=True)
class PreviousReported:
    """The previous period's reported indicators as a report's previous column shows them:
    the reported rows of every unit of the scope and the year's targets they are judged by
    (`views.reported_indicator_rows`)."""

    period: Period
    other_indicators: list[dict[str, Any]]
    targets: dict[str, IndicatorTarget]

    def frozen_context(self) -> dict[str, Any]:
        return {"other_indicators": self.other_indicators,
                "targets": {key: asdict(target) for key, target in self.targets.items()}}

    @classmethod
    def from_context(cls, period: Period, value: dict[str, Any]) -> PreviousReported:
        return cls(period, value["other_indicators"],
                   {key: IndicatorTarget.from_context(target)
                    for key, target in value["targets"].items()})


@dataclass
class Report:
    """What every output (JSON, dashboard, Word, Excel) renders."""

    period: Period
    previous_period: Period
    scope: str
    as_of: datetime
    tree: UnitTree
    content: dict[str, Any]
    previous_content: dict[str, Any]
    targets: dict[str, IndicatorTarget]
    reported_status: dict[tuple[str, str], str]
    #: The reported (not computed) indicators of every unit of the scope: a reader is shown
    #: those of the unit seen and its tree (`views.other_indicators_under`).
    scope_other_indicators: list[dict[str, Any]]
    finalisation: Finalisation | None = None
    #: True when `content` is the finalised report's frozen figures (`finalisation`'s hash):
    #: only then may an output print its stamp. A finalised report asked with an explicit
    #: `as_of` is computed live as known then: `finalisation` is kept to say which signed
    #: report it is not, and `scope_differences` lists how its figures differ from it.
    figures_finalised: bool = False
    #: Every figure of the scope moved since the report was finalised, for every unit of
    #: the scope: a reader is shown those of the unit seen and its tree only
    #: (`views.differences_under`), never this whole list.
    scope_differences: list[dict[str, Any]] = field(default_factory=list)
    digest: str = ""  # the content's hash, when known without hashing it again
    #: The plan's part (items and the district boards' reports); frozen with a finalised
    #: report; None without a plan that year or for a report frozen before it existed.
    plan: dict[str, Any] | None = None
    #: The report's day (`report_day`); None for a finalised report's frozen figures.
    day: date | None = None
    #: The previous period's finalised report the previous column is read against; None
    #: when the previous period was not finalised (for this scope, by the report's time).
    previous_signed: PreviousSigned | None = None
    #: The previous column of the reported indicators (I5...): the previous period's reported
    #: rows and targets, from the same report as the I1-I4 column (the signed one when
    #: `previous_signed`); None for a report frozen before the column existed.
    previous_reported: PreviousReported | None = None
    #: Whether each previous rate is the same measure as this one's, as the report was signed
    #: (`ReportFinalised.rate_comparisons`, review RV-P7), when `figures_finalised`; None
    #: otherwise (a running report, a live view as of a time, a report signed before they
    #: were recorded): then asked of the rule as it stands (`views._comparison`).
    rate_comparisons: Comparisons | None = None

    @property
    def figures_on(self) -> date:
        """The day the figures are taken at (stock at its end, flows up to it): the cut-off,
        or the report's day while the period runs (`Period.counted_on`)."""
        return self.period.counted_on(self.day).cutoff_on if self.day else self.period.cutoff_on

    @property
    def provisional(self) -> bool:
        """Figures of a period still running on the report's day (số liệu tạm tính): they
        move until its cut-off day has ended, that day itself included (events dated on it
        may still be typed in; finalising is refused until then)."""
        return self.day is not None and self.period.is_running(self.day)

    @property
    def content_hash(self) -> str:
        return self.digest or content_hash(self.content)

    @property
    def report_id(self) -> str:
        return report_id(self.period.id, self.scope)

    def unit(self, code: str) -> dict[str, Any]:
        unit: dict[str, Any] = self.content["units"][code]
        return unit

    def unattributed(self, code: str) -> dict[str, int] | None:
        """The figures of `code` its children's rows lack (`Figures.unattributed`); None when
        they add up, or for a report frozen before the line existed."""
        line: dict[str, int] | None = self.content.get("unattributed", {}).get(code)
        return line

    def own(self, code: str) -> dict[str, int] | None:
        """The figures recorded for `code` itself (`Figures.own`); None when there are none,
        or for a report frozen before the line existed."""
        line: dict[str, int] | None = self.content.get("own", {}).get(code)
        return line

    def previous_unit(self, code: str) -> dict[str, Any] | None:
        unit: dict[str, Any] | None = self.previous_content["units"].get(code)
        return unit


def _finalisation(
    conn: Connection, store: EventStore, rid: str, recorded_until: datetime | None = None
) -> tuple[Finalisation, ReportFinalised] | None:
    envelopes = store.load(conn, FinalisedReport.aggregate_type, rid, recorded_until)
    for envelope in envelopes:
        event = registry.decode(envelope)
        if isinstance(event, ReportFinalised):
            return Finalisation(rid, event.content_hash, event.as_of.astimezone(UTC),
                                envelope.recorded_at, envelope.actor,
                                event.later_facts_acknowledged), event
    return None


def _frozen_content(
    state: ReportingState, conn: Connection, rid: str, digest: str
) -> dict[str, Any]:
    """The frozen figures of a hash, read afresh for each caller (who may change them): the
    text is kept, verified once per process (frozen figures are addressed by their hash)."""
    stored = state.frozen.get(digest)
    if stored is None:
        stored = _verified_text(conn, rid, digest)
        state.frozen.put(digest, stored)
    content: dict[str, Any] = orjson.loads(stored)
    return content


def _verified_text(conn: Connection, rid: str, digest: str) -> str:
    stored: str | None = conn.execute(
        select(frozen_figures.c.figures).where(frozen_figures.c.content_hash == digest)
    ).scalar_one_or_none()
    if stored is None:
        raise NotFound("FROZEN_FIGURES_MISSING", messages.FROZEN_FIGURES_MISSING.format(report=rid))
    # The stored text is the canonical text that was hashed: hashing it again checks it
    # without writing a national report out once more.
    if hashlib.sha256(stored.encode()).hexdigest() != digest:
        raise NotFound(
            "FROZEN_FIGURES_TAMPERED", messages.FROZEN_FIGURES_TAMPERED.format(report=rid)
        )
    return stored


@dataclass
class FrozenReport:
    """A finalised report as it was frozen (see `rpt_frozen_reports`)."""

    content: dict[str, Any]
    previous_content: dict[str, Any]
    targets: dict[str, IndicatorTarget]
    reported_status: dict[tuple[str, str], str]
    other_indicators: list[dict[str, Any]]
    plan: dict[str, Any] | None = None
    previous_hash: str = ""
    #: The previous column's signed report as frozen with it; LEGACY for a report frozen
    #: before the previous column was read against the signed one.
    previous_signed: PreviousSigned | str | None = None
    #: The reported indicators' previous column as frozen (`PreviousReported` without its
    #: period); None for a report frozen before it existed.
    previous_reported: dict[str, Any] | None = None


LEGACY = "legacy"


def _frozen_report(
    state: ReportingState, conn: Connection, rid: str, digest: str
) -> FrozenReport | None:
    """None for a report finalised before its context was frozen with it."""
    row = conn.execute(
        select(frozen_reports.c.previous_hash, frozen_reports.c.context)
        .where(frozen_reports.c.report_id == rid, frozen_reports.c.content_hash == digest)
    ).first()
    if row is None:
        return None
    context = json.loads(row.context)
    return FrozenReport(
        content=_frozen_content(state, conn, rid, digest),
        previous_content=_frozen_content(state, conn, rid, row.previous_hash),
        targets={key: IndicatorTarget.from_context(value)
                 for key, value in context["targets"].items()},
        reported_status={(unit, key): status
                         for unit, key, status in context["reported_status"]},
        other_indicators=context["other_indicators"],
        plan=context.get("plan"),
        previous_hash=row.previous_hash,
        previous_signed=_signed_of(context["previous_signed"])
        if "previous_signed" in context else LEGACY,
        previous_reported=context.get("previous_reported"),
    )


def _signed_of(frozen: dict[str, Any] | None) -> PreviousSigned | None:
    if frozen is None:
        return None
    return PreviousSigned(frozen["report_id"], frozen["content_hash"],
                          frozen["restatements"], frozen["shown"])


def previous_column(
    state: ReportingState, conn: Connection, store: EventStore, previous_id: str, scope: str,
    recorded_until: datetime, counted: dict[str, Any],
) -> tuple[dict[str, Any], PreviousSigned | None]:
    """The one rule of a report's previous column: the figures the previous period's report
    for the scope was finalised with, when it was finalised by `recorded_until` (the
    report's time, as the period's window is read), with the figures that differ from those
    `counted` now listed as restated; else the `counted` figures themselves.

    The signed figures, because a reader compares a report with the report of the previous
    conference as it was signed and sent; the restatement says by how much a backdated fact
    has moved it since, so the two signed reports never silently disagree."""
    found = _signed(state, conn, store, previous_id, scope, recorded_until)
    if found is None:
        return counted, None
    rid, digest, signed = found
    return signed, PreviousSigned(rid, digest, differences(signed, counted))


def signed_content(
    state: ReportingState, conn: Connection, store: EventStore, period_id: str, scope: str,
    recorded_until: datetime,
) -> dict[str, Any] | None:
    """The figures the period's report for the scope was finalised with by `recorded_until`,
    or None when it was not: what a page shows for a signed period beside its own (J2)."""
    found = _signed(state, conn, store, period_id, scope, recorded_until)
    return None if found is None else found[2]


def _signed(
    state: ReportingState, conn: Connection, store: EventStore, period_id: str, scope: str,
    recorded_until: datetime,
) -> tuple[str, str, dict[str, Any]] | None:
    """(report id, hash, frozen figures) of the period's report for the scope, when it was
    finalised by `recorded_until`."""
    rid = report_id(period_id, scope)
    found = _finalisation(conn, store, rid, recorded_until)
    if found is None:
        return None
    digest = found[0].content_hash
    return rid, digest, _frozen_content(state, conn, rid, digest)


def previous_reported(
    state: ReportingState, conn: Connection, previous: Figures,
    previous_signed: PreviousSigned | None,
) -> PreviousReported | None:
    """The reported indicators' previous column, from the report the I1-I4 column is read
    from (`previous_column`): the previous period's signed report when there is one (None
    when it was frozen without its reported rows' context), else `previous` counted now."""
    if previous_signed is None:
        return PreviousReported(previous.period, previous.other_indicators, previous.targets)
    frozen = _frozen_report(state, conn, previous_signed.report_id,
                            previous_signed.content_hash)
    if frozen is None:
        return None
    return PreviousReported(previous.period, frozen.other_indicators, frozen.targets)


def _freeze(conn: Connection, rid: str, figures: Figures, previous: Figures,
            now: datetime, plan: dict[str, Any] | None = None,
            previous_signed: PreviousSigned | None = None,
            previous_reported: PreviousReported | None = None) -> str:
    """Store what a finalised report shows: its figures, the previous period's (the signed
    ones when `previous_signed`: their text is stored already, under their hash) and the
    context beside them. Returns the hash of its figures."""
    digests = []
    for frozen in (figures, previous):
        if frozen is previous and previous_signed is not None:
            digests.append(previous_signed.content_hash)
            continue
        # One canonical text per report, hashed and stored as it is.
        text = frozen.canonical_text()
        digest = hashlib.sha256(text.encode()).hexdigest()
        digests.append(digest)
        exists = conn.execute(
            select(frozen_figures.c.content_hash).where(frozen_figures.c.content_hash == digest)
        ).first()
        if exists is None:
            conn.execute(
                insert(frozen_figures),
                {"content_hash": digest, "figures": text, "stored_at": now},
            )
    context = {
        "targets": {key: asdict(target) for key, target in figures.targets.items()},
        "reported_status": sorted([unit, key, status]
                                  for (unit, key), status in figures.reported_status.items()),
        "other_indicators": figures.other_indicators,
        "plan": plan,
        "previous_signed": None if previous_signed is None
        else previous_signed.frozen_context(),
    }
    if previous_reported is not None:
        context["previous_reported"] = previous_reported.frozen_context()
    conn.execute(insert(frozen_reports), {
        "report_id": rid, "content_hash": digests[0], "previous_hash": digests[1],
        "context": canonical_json(context), "stored_at": now,
    })
    return digests[0]


def build_report(
    runtime: ServiceRuntime, period_id: str, scope: str, as_of_param: str | None,
    reader: str | None = None,
) -> Report:
    """The report of a period for a scope.

    With an explicit `as_of`: computed from the facts recorded by then (reproducible), never
    the frozen figures. When the report was finalised by then (its finalisation recorded at
    or before `as_of`), `finalisation` says which signed report this live view is not
    (`figures_finalised` False: no output prints its stamp) and `scope_differences` lists
    the frozen figures against these; a finalisation recorded later is not known at `as_of`.
    Without one: a finalised report shows its frozen figures and the listed differences
    against the figures of now; a report not finalised is computed as of now.
    A period not begun on the report's day (`report_day`) is refused (PERIOD_NOT_STARTED); a
    period still running is counted up to that day (`Period.counted_on`) and is provisional.
    `reader`: the unit scope of a reader below the city (`plan_reader`); the plan's part is
    then that reader's own (planreport.plan_part), folded from the plan's events as of the
    report's own time, so a finalised report reads the same to a district board every time.
    """
    period_id = require_period_id(period_id)
    now = utcnow()
    as_of = parse_as_of(as_of_param, now)
    store = runtime.store
    state = state_of(runtime)
    with read_connection(runtime.engine) as conn:
        rid = report_id(period_id, scope)
        found = _finalisation(conn, store, rid)
        if found is not None and as_of_param and found[0].finalised_at > as_of:
            found = None  # not finalised yet as known at `as_of`
        frozen_as_of = found[0].as_of if found and not as_of_param else None
        figures_as_of = frozen_as_of or as_of
        period = load_period(conn, store, period_id, figures_as_of)
        frozen = None
        if found is not None and frozen_as_of is not None:
            frozen = _frozen_report(state, conn, rid, found[0].content_hash)
            # Finalised after its cut-off day ended: its figures are the cut-off's.
            day = None
            counted = period
        else:
            explicit = as_of if as_of_param else None
            day = require_begun(period, report_day(explicit, today_of(runtime)))
            counted = period.counted_on(day)
        tree = require_tree(scope, counted.cutoff_on)
        previous = load_previous_period(conn, store, period_id, figures_as_of)
        require_tree(scope, previous.cutoff_on)
        if frozen is not None and frozen_as_of is not None:
            report = Report(
                period=period, previous_period=previous, scope=scope, as_of=frozen_as_of,
                tree=tree, content=frozen.content, previous_content=frozen.previous_content,
                targets=frozen.targets, reported_status=frozen.reported_status,
                scope_other_indicators=frozen.other_indicators, plan=frozen.plan,
            )
            if reader is not None and frozen.plan is not None:
                report.plan = plan_part(
                    conn, period, tree, frozen_as_of, reader,
                    moved_cutoffs(conn, store, period.year, frozen_as_of))
            report.previous_signed = _frozen_previous_signed(
                state, conn, store, frozen, previous.id, scope, frozen_as_of)
            if frozen.previous_reported is not None:
                report.previous_reported = PreviousReported.from_context(
                    previous, frozen.previous_reported)
        else:
            figures, previous_figures = compute_many(
                state, conn, [counted, previous], scope, figures_as_of)
            report = _report(figures, previous_figures)
            report.period, report.day = period, day
            report.plan = plan_part(
                conn, counted, tree, figures_as_of, reader,
                moved_cutoffs(conn, store, period.year, figures_as_of))
            report.previous_content, report.previous_signed = previous_column(
                state, conn, store, previous.id, scope, figures_as_of, report.previous_content)
            report.previous_reported = previous_reported(
                state, conn, previous_figures, report.previous_signed)
        if found is not None:
            def rolled_up(
                other_indicators: Sequence[Mapping[str, Any]],
                targets: Mapping[str, IndicatorTarget],
            ) -> dict[str, Any]:
                """The reported indicators' figures of one side of the comparison."""
                return reported_figures(tree, other_indicators, targets, period.year,
                                        counted.cutoff_on)

            report.finalisation = found[0]
            report.figures_finalised = frozen_as_of is not None
            if frozen_as_of is not None:
                report.rate_comparisons = _signed_comparisons(found[1])
                if frozen is None:  # finalised before its context was frozen with it
                    report.content = _frozen_content(state, conn, rid, found[0].content_hash)
                report.digest = found[0].content_hash
                current_period = load_period(conn, store, period_id, as_of)
                current = compute(state, conn, current_period, scope, as_of)
                # A report frozen before its context was has no reported rows to compare.
                reported = None if frozen is None else (
                    rolled_up(frozen.other_indicators, frozen.targets),
                    rolled_up(current.other_indicators, current.targets))
                report.scope_differences = differences(
                    report.content, current.content(), reported)
            else:  # a live view as of `as_of`: what differs from the signed figures
                signed = _frozen_report(state, conn, rid, found[0].content_hash)
                reported = None if signed is None else (
                    rolled_up(signed.other_indicators, signed.targets),
                    rolled_up(report.scope_other_indicators, report.targets))
                report.scope_differences = differences(
                    _frozen_content(state, conn, rid, found[0].content_hash), report.content,
                    reported)
    return report


def _recorded(compared: Comparisons) -> tuple[RateComparison, ...] | None:
    """The answers of the rule of comparable rates as a finalisation's event records them."""
    return tuple(RateComparison(indicator_id=indicator_id, base_before=before, base_now=now,
                                basis_changes=changes)
                 for (indicator_id, before, now), changes in compared.items())


def _signed_comparisons(event: ReportFinalised) -> Comparisons | None:
    """The answers of the rule of comparable rates a report was signed with; None for one
    finalised before they were recorded (review RV-P7: its note stays the rule's as it
    stands, what it showed until then; no event can be edited to freeze it afterwards)."""
    if event.rate_comparisons is None:
        return None
    return {(c.indicator_id, c.base_before, c.base_now): tuple(c.basis_changes)
            for c in event.rate_comparisons}


def report_day(as_of: datetime | None, today: date) -> date:
    """The day a report is of: `today` (the business clock) for a report as of now; the day
    in Vietnam of an explicit "as of" (no later than today), so that a report asked again
    later as of that moment gives the figures it gave then."""
    return today if as_of is None else min(day_vn(as_of), today)


def require_begun(period: Period, day: date) -> date:
    """`day`, when the period has begun on it; else PERIOD_NOT_STARTED (422): a period whose
    data window opens later has no figure, not a report of zeros (or of a future state)."""
    if not period.has_begun(day):
        raise InvalidInput(
            "PERIOD_NOT_STARTED",
            messages.PERIOD_NOT_STARTED.format(period=period.id,
                                               data_from=format_date_vn(period.data_from)),
            period_id=period.id, data_from=period.data_from.isoformat(),
        )
    return day


def _frozen_previous_signed(
    state: ReportingState, conn: Connection, store: EventStore, frozen: FrozenReport,
    previous_id: str, scope: str, frozen_as_of: datetime,
) -> PreviousSigned | None:
    """The previous column's signed report of a finalised report: as frozen with it; for a
    report frozen before the rule (its column the figures recomputed then, kept as signed),
    the previous period's report signed by then, and where the column differs from it, the
    rows saying so."""
    if not isinstance(frozen.previous_signed, str):
        return frozen.previous_signed
    rid = report_id(previous_id, scope)
    found = _finalisation(conn, store, rid, frozen_as_of)
    if found is None:
        return None
    digest = found[0].content_hash
    if digest == frozen.previous_hash:
        return PreviousSigned(rid, digest, [])
    signed = _frozen_content(state, conn, rid, digest)
    return PreviousSigned(rid, digest, differences(signed, frozen.previous_content),
                          SHOWN_RECOMPUTED)


def plan_reader(principal: Principal) -> str | None:
    """Whose plan part a principal reads: None (the whole) for the city, else its unit scope."""
    return None if principal.is_city else principal.unit_scope


def _report(figures: Figures, previous: Figures) -> Report:
    return Report(
        period=figures.period,
        previous_period=previous.period,
        scope=figures.scope,
        as_of=figures.as_of,
        tree=figures.tree,
        content=figures.content(),
        previous_content=previous.content(),
        targets=figures.targets,
        reported_status=figures.reported_status,
        scope_other_indicators=figures.other_indicators,
        digest=figures.content_hash(),
    )


def _require_window_of_today(known: Period, current: Period, as_of: datetime) -> None:
    """A report is signed on its period's window as it stands. With an `as_of` from before the
    window last moved (its cut-off, or the year before's), the report would freeze the old
    window while the period keeps the new one and the next year opens after it: the days
    between would be in no signed report (finding H6). Refused, naming the window to sign."""
    if (known.data_from, known.cutoff_on) != (current.data_from, current.cutoff_on):
        raise InvalidInput(
            "AS_OF_BEFORE_WINDOW_MOVED",
            messages.AS_OF_BEFORE_WINDOW_MOVED.format(
                period=current.id, as_of=as_of.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y"),
                data_from=format_date_vn(current.data_from),
                cutoff=format_date_vn(current.cutoff_on),
                old_from=format_date_vn(known.data_from),
                old_cutoff=format_date_vn(known.cutoff_on)),
            data_from=current.data_from.isoformat(), cutoff_on=current.cutoff_on.isoformat(),
            as_of=as_of.isoformat(),
        )


def require_may_finalise(
    context: CommandContext, period_id: str, scope: str | None, jurisdiction: str,
) -> tuple[str, str]:
    """Who may finalise which scope, checked before anything else (before the wait for the
    sources, J13): the period's id and the scope, the jurisdiction when none is given."""
    authorize(context, "reports:finalise")
    period_id = require_period_id(period_id)
    scope = scope or jurisdiction
    require_scope_within(scope, jurisdiction)
    # Finalising freezes the figures of the whole scope: the caller's unit scope must hold it.
    authorize(context, "reports:finalise", scope, today_vn())
    return period_id, scope


def _moment_vn(moment: datetime) -> datetime:
    """`moment` in Vietnam's time, to the whole second up: an `as_of` given as shown sees what
    was recorded at `moment` (a refusal names a moment the caller may send back)."""
    rounded = moment.replace(microsecond=0)
    if rounded < moment:
        rounded += timedelta(seconds=1)
    return rounded.astimezone(VN_TZ)


def _shown(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S ngày %d/%m/%Y")


def _instant(moment: datetime) -> str:
    """A moment in a refusal's details as the API answers every `as_of` (ISO 8601, UTC): the
    message speaks Vietnam's time to a person, the details one form to a program."""
    return moment.astimezone(UTC).isoformat()


def _require_facts_known(
    conn: Connection, period: Period, scope: str, as_of: datetime, now: datetime,
) -> None:
    """AS_OF_BEFORE_FIRST_FACTS (422): as known at `as_of`, no source had recorded any fact of
    the scope dated in the period's window, and now one has. The signed report would be one
    of zeros, for good (finding N13: a past period signed as of its conference day while its
    data were typed in years later, as they are when the system replaces spreadsheets). The
    cut-off rule (`first_signing_day`) cannot see this: it judges the day, not what was known
    by then. "Known" is the reports' own: `known_at` of the fact tables, placed on the
    report's tree by the successions known at each moment, as the figures are."""
    rows = window_units(conn, period.data_from, period.cutoff_on, as_of, now)
    if not rows:
        return
    then = unit_tree(scope, period.cutoff_on, successions.known(conn, as_of))
    if any(row.known_then and then.place(row.unit_code, row.district_code,
                                          row.province_code) is not None for row in rows):
        return
    current = unit_tree(scope, period.cutoff_on, successions.known(conn, now))
    placed = [row.first_recorded for row in rows
              if row.known_now and current.place(row.unit_code, row.district_code,
                                                 row.province_code) is not None]
    if not placed:
        return  # nothing of the period now either: its zeros are its figures
    first = _moment_vn(min(placed))
    raise InvalidInput(
        "AS_OF_BEFORE_FIRST_FACTS",
        messages.AS_OF_BEFORE_FIRST_FACTS.format(
            period=period.id, as_of=_shown(as_of.astimezone(VN_TZ)),
            data_from=format_date_vn(period.data_from), cutoff=format_date_vn(period.cutoff_on),
            first=_shown(first)),
        as_of=_instant(as_of), first_as_of=_instant(first),
        data_from=period.data_from.isoformat(), cutoff_on=period.cutoff_on.isoformat(),
    )


def _later_facts(
    state: ReportingState, conn: Connection, period: Period, scope: str, figures: Figures,
    now: datetime,
) -> LaterFactsNotAcknowledged | None:
    """The LATER_FACTS_NOT_ACKNOWLEDGED (409) a signing as of a past `as_of` meets when its
    report differs from the report of now (None: nothing differs): facts recorded since
    (typed in late, corrected, a successor recorded) would stand in its `differences` from
    the moment it is signed. Signing as of the conference what was known then is the
    Commission's right, the later facts listed beside it; but the caller says so
    (`acknowledge_later_facts`), else a past `as_of` copied from an example or typed by
    mistake freezes figures nobody meant to sign (finding N13). The difference is the one
    the signed report would show (`differences`, as `build_report`)."""
    current = compute(state, conn, period, scope, now)
    changed = differences(figures.content(), current.content(), (
        reported_figures(figures.tree, figures.other_indicators, figures.targets,
                         period.year, period.cutoff_on),
        reported_figures(current.tree, current.other_indicators, current.targets,
                         period.year, period.cutoff_on)))
    if not changed:
        return None
    # From the latest recording since `as_of` of what the report reads (its facts, and the
    # successions it places them by), it sees what it sees now.
    moments = [moment for moment in (
        latest_change(conn, period.cutoff_on, figures.as_of, now),
        *(r.recorded_at for r in successions.recorded(conn)
          if figures.as_of < r.recorded_at <= now)) if moment is not None]
    return LaterFactsNotAcknowledged(period.id, figures.as_of, len(changed),
                                     _moment_vn(max(moments, default=now)))


class LaterFactsNotAcknowledged(ActionRefused):
    """LATER_FACTS_NOT_ACKNOWLEDGED (409) of a signing as of a past moment whose figures facts
    recorded since would change: the report may still be signed (`allowed`: finalise), with
    the acknowledgement or as of `sees_all`; the message says so, with the count."""

    def __init__(self, period_id: str, as_of: datetime, count: int,
                 sees_all: datetime) -> None:
        super().__init__(
            "LATER_FACTS_NOT_ACKNOWLEDGED", messages.REPORT, action="finalise",
            subject=messages.REPORT_SUBJECT.format(period=period_id), state="later_facts",
            allowed=["finalise"], as_of=_instant(as_of), figures_differing=count,
            first_as_of=_instant(sees_all), acknowledge_field="acknowledge_later_facts",
        )
        self.message = messages.LATER_FACTS_NOT_ACKNOWLEDGED.format(
            period=period_id, as_of=_shown(as_of.astimezone(VN_TZ)), count=count,
            first=_shown(sees_all))
        self.args = (f"{self.code}: {self.message}",)


def finalise_report(
    uow: UnitOfWork, state: ReportingState, period_id: str, scope: str | None,
    as_of_param: str | None, asked_at: datetime | None = None,
    acknowledge_later_facts: bool = False,
) -> tuple[Finalisation, list[EventEnvelope]]:
    """`asked_at`: when the sources were asked to show their events applied (catchup.py); the
    report's as_of is then, and one given is refused after it, as after now: an event stamped
    later may not be applied yet (finding L6). A given as_of is refused when nothing of the
    period was known by then (`_require_facts_known`), and, unless
    `acknowledge_later_facts`, when facts recorded since would change its figures
    (`_later_facts`); acknowledged, the event records it (`later_facts_acknowledged`)."""
    period_id, scope = require_may_finalise(uow.context, period_id, scope, uow.jurisdiction)
    # The period declared before its window is read (and before the report's moment is
    # taken), so that a move of the window at the same moment either comes first and is
    # counted, or comes after and finds this report (PERIOD_FINALISED): `adjust_period`.
    uow.serialise_on(ReportingPeriod, period_id)
    now = utcnow()
    asked = min(asked_at or now, now)
    as_of = parse_as_of(as_of_param, asked)
    rid = report_id(period_id, scope)
    report = uow.load(FinalisedReport, rid)
    conn = uow.connection
    period = load_period(conn, uow.store, period_id, as_of)
    _require_window_of_today(period, load_period(conn, uow.store, period_id), as_of)
    tree = require_tree(scope, period.cutoff_on)
    previous = load_previous_period(conn, uow.store, period_id, as_of)
    require_tree(scope, previous.cutoff_on)
    figures = compute(state, conn, period, scope, as_of)
    content = figures.content()
    digest = figures.content_hash()
    event = ReportFinalised(
        report_id=rid,
        period_id=period_id,
        scope=scope,
        as_of=as_of,
        data_from=period.data_from,
        cutoff_on=period.cutoff_on,
        content_hash=digest,
        figure_count=sum(len(u["figures"]) for u in content["units"].values()),
    )
    report.require_finalisable(event)
    if as_of_param:
        # After the report's own refusals (signed already, its cut-off day not ended): only a
        # moment the caller chose can be before what the sources have recorded. Without one,
        # the report is of the ask's moment, which sees every fact applied (J13).
        _require_facts_known(conn, period, scope, as_of, asked)
        later = _later_facts(state, conn, period, scope, figures, asked)
        if later is not None and not acknowledge_later_facts:
            raise later
        # The event says the signer knew (an acknowledgement sent with nothing to
        # acknowledge is no signing over later facts, and is not recorded as one).
        event = event.model_copy(update={"later_facts_acknowledged": later is not None})
    previous_figures = compute(state, conn, previous, scope, as_of)
    # The previous column as the report shows it (`previous_column`): frozen as shown.
    previous_content, previous_signed = previous_column(
        state, conn, uow.store, previous.id, scope, as_of, previous_figures.content())
    reported = previous_reported(state, conn, previous_figures, previous_signed)
    # Which previous rates are the same measure as this period's, as signed (RV-P7): from
    # what is frozen with the report, the same the signed report's rows are made of.
    compared = rate_comparisons(
        content, previous_content, figures.targets, period.year,
        reported.targets if reported else None, previous.year, figures.other_indicators,
        reported is not None)
    event = event.model_copy(update={"rate_comparisons": _recorded(compared)})
    report.finalise(event, today_vn(), unit_code=None if scope == NATION else scope)
    plan = plan_part(conn, period, tree, as_of,
                     moved=moved_cutoffs(conn, uow.store, period.year, as_of))
    _freeze(conn, rid, figures, previous_figures, now, plan, previous_signed, reported)
    envelopes = uow.save(report)
    return Finalisation(rid, digest, as_of, envelopes[-1].recorded_at, uow.context.actor,
                        event.later_facts_acknowledged), envelopes
