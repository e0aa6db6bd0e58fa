"""The plan's four indicators (chỉ tiêu I1–I4): what counts, against what base, and how a
figure is judged. The one rulebook every service uses (DOMAIN.md, "The four indicators").

Kế hoạch công tác dân văn 2023 of the Commission, section II.1.1-1.3, sets four indicators.
Everything a service needs to turn its facts into a figure and a status is stated here once:

* **Counting at a date d** (the evaluation date or a report's cut-off), over the facts with a
  business date up to d and recorded up to the report's "as of" time:
  - I1 (`model_counts_i1`): a commune of the scope valid on d counts in the numerator when at
    least one model of a qualifying field (`i1_fields`: the definition's, the plan's
    `I1_FIELDS` when it names none) is registered there, started by d and not closed by d.
    The denominator is every commune of the scope valid on d, taken from the unit catalogue
    (`shared/adminunits`), never a typed number.
  - I2 (`i2_window`, `head_meets_rule`): a head counts in the denominator when in office at
    some time in the window (the year's data window of the conference reports, from the day
    after the previous year's 12-month cut-off in force (15/12 of the year before) to d, not
    past the year's 12-month cut-off in force (14/12) nor outside the indicator's period),
    at the unit of their last term in it; in the
    numerator when the sessions they held in the window reach what the direct-dialogue rule
    owes for their days in office there (`shared/dialoguerule.py`).
    When no head of the scope owes a session yet, the figure is "chưa đến hạn" (not yet due).
  - I3 (`site_counts_i3`): a site of the register not closed by d whose dossier is, at d, in
    a state that counts (`DOSSIER_COUNTING_STATES`: lodged, requisitioned, resubmitted,
    accepted, certificate issued); a rejected or withdrawn dossier does not count.
  - I4 (`site_counts_i4`): a site not closed by d holding a certificate not revoked at d.
  - The plan's base of I3 and I4 is `PLAN_RELIGIOUS_SITES` (239 sites, "tổng số 239 cơ sở"),
    the denominator of the plan's scope (the city). The plan gives no split by district, so a
    district or commune is measured against the open sites registered in it. Where the base
    is used, the register's own count is shown beside it, and `base_warnings` says when they
    differ or a numerator exceeds the base (the figure is then a data problem, not 1,673 %).
* **Status** (`status_of`), for a target "≥ T", value v, the indicator's period [start, end]
  (`defined_period`: the definition's, by default the plan year) and d:
  đạt when v ≥ T; có nguy cơ không đạt when v < T, the period is still running (d < end) and
  v is behind the pace; chưa đạt when v < T and either the period has ended or v is at or
  above the pace. The pace (`pace`) is T × the share of the period elapsed at the end of day
  d, counted from its first day (the plan year's 14/03/2023: 73/365; exactly on the pace
  counts as on pace). A
  ceiling "≤ T" is đạt while v ≤ T, else chưa đạt, whatever the date. No denominator, no
  status (None). Statuses are decided on exact fractions, never on rounded values.
* **Reported indicators** (`reported_roll_up`): an indicator of method "reported" (I5...)
  is a figure typed by units: a unit's is its latest report known at d, else the sum of the
  units under it; judged by `status_of` like the plan's. A sum says how complete it is
  (`reported_coverage`: how many of the units directly under the unit have a figure, of how
  many), so a city's sum of 3 of 15 districts is never read as the city's whole figure.
* **Beside the previous conference** (`rate_basis_changes`): a rate is shown beside the
  previous period's as that period reported it, on its own definition; the two are the same
  measure only on the same base (fixed or counted), I1 fields, period of the year, method and
  scope (`RateBasis`). Otherwise, typically across a year boundary, the gap is no rise or
  fall, and the outputs say so (finding J9).
* **Rounding** (`percent`): a percentage is shown with 2 decimals, rounded half up (31.795 →
  31.80, never the banker's 31.79), from the exact fraction. Nothing else rounds a figure.
* **Comparators** (`Comparator`): "ge" (at least) and "le" (at most); `comparator_of` reads
  the spellings other systems write (≥, >=, gte...).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Final, Literal, NamedTuple

from shared.adminunits import HAI_PHONG
from shared.conferencedates import NO_MOVES, MovedCutoffs, year_data_window
from shared.dialoguerule import RuleVersion, required_sessions
from shared.vnformat import format_number_vn

# -- vocabulary ----------------------------------------------------------------------------

Status = Literal["dat", "co_nguy_co", "chua_dat", "chua_den_han"]
DAT: Final = "dat"
CO_NGUY_CO: Final = "co_nguy_co"
CHUA_DAT: Final = "chua_dat"
#: Only I2's: nothing is owed yet by any head of the scope, so the figure is not judged.
CHUA_DEN_HAN: Final = "chua_den_han"
STATUSES: tuple[Status, ...] = (DAT, CO_NGUY_CO, CHUA_DAT, CHUA_DEN_HAN)

#: The Vietnamese names of the statuses, as every screen and document shows them.
STATUS_LABELS: dict[str, str] = {
    DAT: "Đạt",
    CO_NGUY_CO: "Có nguy cơ không đạt",
    CHUA_DAT: "Chưa đạt",
    CHUA_DEN_HAN: "Chưa đến hạn",
}
#: What a figure without a status shows.
NO_STATUS_LABEL = "Chưa có số liệu để đánh giá"

Comparator = Literal["ge", "le"]
AT_LEAST: Final = "ge"
AT_MOST: Final = "le"
COMPARATOR_SIGNS: dict[str, str] = {AT_LEAST: "≥", AT_MOST: "≤"}
_COMPARATORS: dict[str, Comparator] = {
    "ge": "ge", ">=": "ge", "≥": "ge", "gte": "ge", "at_least": "ge",
    "le": "le", "<=": "le", "≤": "le", "lte": "le", "at_most": "le",
}


def comparator_of(value: object) -> Comparator | None:
    """The comparator a spelling means; None for one this rulebook does not know."""
    return _COMPARATORS.get(str(value).strip().lower())


# -- the plan's indicators and bases --------------------------------------------------------

CORE_INDICATORS: tuple[str, ...] = ("I1", "I2", "I3", "I4")
#: Plan II.1.3: "tổng số 239 cơ sở" — the base of I3 and I4 for the plan's scope.
PLAN_RELIGIOUS_SITES: Final = 239


@dataclass(frozen=True)
class PlanTarget:
    """An indicator's target as the plan sets it: a comparator and a percentage."""

    indicator_id: str
    comparator: Comparator
    target_percent: Fraction
    base: int | None = None  # the plan's fixed denominator for its scope, if any

    @property
    def target(self) -> Fraction:
        """The target as a ratio (2/5 for 40 %)."""
        return self.target_percent / 100


PLAN_TARGETS: dict[str, PlanTarget] = {
    "I1": PlanTarget("I1", AT_LEAST, Fraction(100)),
    "I2": PlanTarget("I2", AT_LEAST, Fraction(100)),
    "I3": PlanTarget("I3", AT_LEAST, Fraction(40), PLAN_RELIGIOUS_SITES),
    "I4": PlanTarget("I4", AT_LEAST, Fraction(10), PLAN_RELIGIOUS_SITES),
}


#: The year the plan (Kế hoạch công tác dân văn 2023) sets its targets for.
PLAN_YEAR: Final = 2023
#: What an indicator of a year without a definition shows in place of a target and status.
NO_TARGET_LABEL = "Chưa có chỉ tiêu năm {year}"


def plan_targets_apply(year: int) -> bool:
    """Whether the plan's own targets (`PLAN_TARGETS`) are an indicator's of `year` when the
    Commission has recorded no definition for it. Only the plan's year: the indicators
    service defines I1-I4 of 2023 from the plan and says a later year without a definition
    has no indicator (INDICATOR_NOT_FOUND), so a report of that year judges nothing rather
    than judging against a target nobody set for it."""
    return year == PLAN_YEAR


#: The province whose Commission wrote the plan (Ban Dân vận Thành ủy Hải Phòng): its
#: indicators, targets and base of 239 sites are that province's.
PLAN_PROVINCE: Final = HAI_PHONG


def plan_serves(province: str | None) -> bool:
    """Whether the plan's own indicators (I1-I4 of its year, their targets, its base) are
    those of a deployment or a report scope in `province`: Hải Phòng's alone, since another
    province's Commission sets its own (a deployment serving Hà Nội was given them, over
    Hải Phòng's units, and judged its own by them). None: the nation, which holds Hải Phòng."""
    return province is None or province == PLAN_PROVINCE


def plan_base(indicator_id: str, year: int) -> int | None:
    """The fixed base (denominator) of an indicator of `year` that no definition gives one
    to: the plan's 239 sites for I3 and I4 of the plan's year (II.1.3), none for another
    year. The plan's base is one of the plan's numbers, which apply to its year alone
    (`plan_targets_apply`, G11): a later year's sites are measured against the register's
    own count of open sites, as the indicators service measures an indicator whose
    definition names no base."""
    target = PLAN_TARGETS.get(indicator_id)
    return target.base if target is not None and plan_targets_apply(year) else None


def figure_day(period_start: date, period_end: date, on: date) -> date | None:
    """The day a stock figure of an indicator (I1, I3, I4: a state at a date) is taken at
    for a date `on` (a report's cut-off): `on`, never past the last day of the indicator's
    period; None before its first day: the indicator has no figure yet. The indicators
    service refuses a date outside the period and evaluates it "now" at the period's end,
    and I2's window stops there too (`i2_window`); a report shows the figure of that day,
    and before the period begins its counts without a status."""
    if on < period_start:
        return None
    return min(on, period_end)


def plan_year(year: int) -> tuple[date, date]:
    """The plan's period for a year: 1 January to 31 December."""
    return date(year, 1, 1), date(year, 12, 31)


def defined_period(year: int, start: date | None, end: date | None) -> tuple[date, date]:
    """The period an indicator of `year` is counted and judged over: the one its definition
    gives (the Commission may define I2 over April..December), each bound not given the plan
    year's."""
    plan_start, plan_end = plan_year(year)
    return start or plan_start, end or plan_end


# -- arithmetic -----------------------------------------------------------------------------

def ratio(numerator: int, denominator: int) -> Fraction | None:
    """The exact value of a figure; None without a denominator."""
    return Fraction(numerator, denominator) if denominator > 0 else None


def two_decimals(value: Fraction) -> float:
    """An exact value shown with 2 decimals, rounded half up from the fraction itself: the one
    rounding of every figure shown or stored (1/8 → 0.13, where `round(0.125, 2)` gives 0.12)."""
    return math.floor(value * 100 + Fraction(1, 2)) / 100


def percent(value: Fraction | None) -> float | None:
    """A ratio as a percentage, 2 decimals (`two_decimals`): 1/8 → 12.5; 6359/20000 → 31.8
    (31.795 up)."""
    if value is None:
        return None
    return two_decimals(value * 100)


def percent_of(numerator: int, denominator: int) -> float | None:
    return percent(ratio(numerator, denominator))


def elapsed_share(start: date, end: date, on: date) -> Fraction:
    """Share of the period [start, end] gone by at the end of day `on`, in [0, 1]: the day
    itself counts (1 January is 1/365 of 2023; 14 March 73/365)."""
    total = (end - start).days + 1
    elapsed = (on - start).days + 1
    return Fraction(min(max(elapsed, 0), total), total)


@functools.lru_cache(maxsize=1024)
def pace(target: Fraction, start: date, end: date, on: date) -> Fraction:
    """Where a "≥ T" figure should be at `on` on the straight line from 0 on the period's
    first day to T on its last: T × the share elapsed. (Kept per target and day: a live
    evaluation asks it of every unit whose figure is behind its target.)"""
    return target * elapsed_share(start, end, on)


def status_of(
    value: Fraction | None,
    target: Fraction,
    comparator: Comparator,
    start: date,
    end: date,
    on: date,
    *,
    due: bool = True,
) -> Status | None:
    """The status of a figure (value and target as ratios: 0.4 for 40 %) evaluated at `on`
    for the period [start, end]. `due` False: nothing is owed yet (I2 before any head owes a
    session), so the figure is not judged."""
    if value is None:
        return None
    return count_status(value.numerator, value.denominator, target, comparator, start, end, on,
                        due=due)


def not_yet_owed(denominator: int, *, due: bool) -> bool:
    """Whether a figure is «chưa đến hạn»: there is something to count (a denominator) and
    nothing is owed yet (`due` False: I2 before any head owes a session). The dialogue rule's,
    so it holds whether or not the year has a target to judge the figure by."""
    return denominator > 0 and not due


def count_status(
    numerator: int,
    denominator: int,
    target: Fraction,
    comparator: Comparator,
    start: date,
    end: date,
    on: date,
    *,
    due: bool = True,
) -> Status | None:
    """`status_of(ratio(numerator, denominator), ...)`, judged on the counts themselves: a
    ratio n/d (d > 0) is compared with p/q (q > 0) as n × q with p × d, exactly as the
    Fractions compare, without making one (a live evaluation judges the national and
    provincial counts anew at every event, and the Fraction was most of that cost)."""
    if denominator <= 0:
        return None
    if not_yet_owed(denominator, due=due):
        return CHUA_DEN_HAN
    at_target = numerator * target.denominator - target.numerator * denominator  # sign only
    if comparator == AT_MOST:
        return DAT if at_target <= 0 else CHUA_DAT
    if at_target >= 0:
        return DAT
    if on < end:
        due_by_now = pace(target, start, end, on)
        if numerator * due_by_now.denominator < due_by_now.numerator * denominator:
            return CO_NGUY_CO
    return CHUA_DAT


# -- data warnings --------------------------------------------------------------------------

NUMERATOR_ABOVE_BASE: Final = "NUMERATOR_ABOVE_BASE"
REGISTER_DIFFERS_FROM_BASE: Final = "REGISTER_DIFFERS_FROM_BASE"
WARNING_LABELS: dict[str, str] = {
    NUMERATOR_ABOVE_BASE: "Tử số ({numerator}) vượt quá số cơ sở của kế hoạch ({base}): "
                          "cần rà soát dữ liệu",
    REGISTER_DIFFERS_FROM_BASE: "Sổ theo dõi có {register} cơ sở, kế hoạch tính trên "
                                "{base} cơ sở",
}


def base_warnings(numerator: int, base: int, register: int) -> tuple[str, ...]:
    """What a figure measured against the plan's base must say beside it: the numerator
    above the base (more sites counted than the plan has), the register's own count of open
    sites not the base."""
    found: list[str] = []
    if numerator > base:
        found.append(NUMERATOR_ABOVE_BASE)
    if register != base:
        found.append(REGISTER_DIFFERS_FROM_BASE)
    return tuple(found)


def warning_text(code: str, numerator: int, base: int, register: int) -> str:
    return WARNING_LABELS[code].format(numerator=format_number_vn(numerator),
                                       base=format_number_vn(base),
                                       register=format_number_vn(register))


#: Where a figure is measured against a fixed base, what the base is and what the register
#: holds, said once beside the figure ("3/239": 239 is the plan's, not the register's).
PLAN_BASE_NOTE: Final = (
    "Mẫu số {base} là tổng số cơ sở tôn giáo đang sử dụng đất mà Kế hoạch lấy làm cơ sở "
    "tính chỉ tiêu (mục II.1.3: “tổng số {base} cơ sở”); sổ theo dõi hiện có {register} "
    "cơ sở đang sử dụng đất"
)
DECLARED_BASE_NOTE: Final = (
    "Mẫu số {base} của chỉ tiêu {indicator} là số cơ sở được khai báo khi xác định chỉ tiêu "
    "(Kế hoạch, mục II.1.3: tổng số {plan_base} cơ sở); sổ theo dõi hiện có {register} "
    "cơ sở đang sử dụng đất"
)


def base_note(indicator_id: str, base: int, register: int) -> str:
    """The note beside a figure measured against the fixed base `base`: the plan's own
    (239 for I3 and I4) or one declared for the indicator since."""
    plan_base = PLAN_TARGETS[indicator_id].base if indicator_id in PLAN_TARGETS else None
    if base == plan_base:
        return PLAN_BASE_NOTE.format(base=format_number_vn(base),
                                     register=format_number_vn(register))
    return DECLARED_BASE_NOTE.format(base=format_number_vn(base), indicator=indicator_id,
                                     plan_base=format_number_vn(plan_base or PLAN_RELIGIOUS_SITES),
                                     register=format_number_vn(register))


# -- counting: I1 ---------------------------------------------------------------------------

#: Plan II.1.1: models in building (exemplary) new-style rural communes and in urban
#: embellishment and modernisation. Digital transformation and other fields do not count.
I1_FIELDS: frozenset[str] = frozenset({"new_rural", "exemplary_rural", "urban"})


def i1_fields(defined: Collection[str]) -> frozenset[str]:
    """The fields whose models count toward I1 under a definition: those it names (the
    Commission may count "digital transformation" models for a year), the plan's when it
    names none (a definition recorded before definitions carried fields)."""
    return frozenset(defined) or I1_FIELDS


def closed_by(closed_on: date | None, on: date) -> bool:
    """Whether a subject closed on `closed_on` (a "Dân vận khéo" model, a religious site) is
    out on `on`. The closing day is the first day out: a model or site closed «ngày 30/06»
    (the day the decision to stop takes effect, «dừng từ ngày 30/06») did not run on 30/06.
    Every figure is the state at the end of a day (`elapsed_share`), and on 30/06 it ends
    closed, so I1, I3 and I4 leave it out of a report cut off on 30/06; a fact dated 30/06
    that presents it (a recognition, a contest entry, a plan item's evidence, a dossier step,
    a certificate) would present it on a day it does not count, so no such fact is dated on
    or after the closing day, and the closing comes after the day of its last such fact."""
    return closed_on is not None and closed_on <= on


def model_running_on(started_on: date | None, closed_on: date | None, on: date) -> bool:
    """Whether a "Dân vận khéo" model runs on `on`: started by that day and not closed by it
    (`closed_by`: its closing day is its first day out). The one rule of a model's life: I1
    counts a model by it; a fact that presents the model on a day (its recognition, a contest
    entry, a plan item's evidence) is accepted (findings K12, K13) and counted in a report
    (reporting's fact projection) only on a day it runs. A model whose registration was voided
    (`started_on` None: it never was) runs on no day."""
    return started_on is not None and started_on <= on and not closed_by(closed_on, on)


def model_counts_i1(
    field: str, started_on: date, closed_on: date | None, on: date,
    fields: Collection[str] = I1_FIELDS,
) -> bool:
    """Whether a model makes its commune count toward I1 at `on` (`fields`: the qualifying
    fields, `i1_fields` of the definition)."""
    return field in fields and model_running_on(started_on, closed_on, on)


# -- the contest of "Dân vận khéo" models -----------------------------------------------------

#: The contest promoting "Dân vận khéo" models was launched by the 2023 plan (II.2.3:
#: «Cuộc thi Tuyên truyền mô hình "Dân vận khéo" ... năm 2023»).
FIRST_CONTEST_YEAR: Final = 2023


def entry_in_contest_year(
    contest_year: int, submitted_on: date, moved: MovedCutoffs = NO_MOVES
) -> bool:
    """Whether an entry submitted on `submitted_on` counts for the contest of `contest_year`:
    the contest of a year is that year's, as the plan's («năm 2023»), and its entries are the
    conference reports' of that year, so its day lies in the year's data window in force
    (`conferencedates.year_data_window`: from the day after the previous year's 12-month
    cut-off in force to the year's own, 15/12 of the year before to 14/12 by default; `moved`:
    the cut-offs the Commission moved). An entry of the 2023 contest submitted on 20/12/2023
    came after the 2023 year report's cut-off and is no 2024 entry: it counts in no period,
    unless the Commission moves that cut-off past its day (finding O15). The days of the
    window move with the cut-offs, so whether an entry counts is decided when it is counted,
    never once when it is recorded (`entry_counts_in`)."""
    first, last = year_data_window(contest_year, moved)
    return first <= submitted_on <= last


def entry_counts_in(contest_year: int, report_year: int) -> bool:
    """Whether a contest entry counts in a conference report of `report_year` whose window
    holds its day: exactly when it is an entry of that year's contest. The report's window
    lies in its year's data window in force (a year's periods open on the year's one data
    start, and no cut-off passes the year report's: `periods.window_problem`), and
    consecutive years' data windows tile the time line, so the day lies in its contest's
    data window in force (`entry_in_contest_year`) exactly when the report is of its
    contest's year. Asked so, the rule needs neither the day nor the moved cut-offs: a
    report counts by the window it was given, whatever was moved before or after the entry
    arrived."""
    return contest_year == report_year


def entry_days(contest_year: int, moved: MovedCutoffs = NO_MOVES) -> tuple[date, date]:
    """The days an entry of the contest of `contest_year` may be dated on when it is
    recorded: from the day the year's data window opens as it stands (the day after the
    previous year's 12-month cut-off in force) to 31 December of the year, the latest day
    its own 12-month cut-off may be moved to (the year report's period ends then). Every
    day the entry counts on now (`entry_in_contest_year`) is one of them, and so is every
    day after the year's cut-off that the Commission may still bring in by moving it (an
    entry of 20/12/2023 counts in 2023 once the cut-off is 25/12). A day before the window
    counts in the year before's reports, whose contest it is not."""
    return year_data_window(contest_year, moved)[0], plan_year(contest_year)[1]


# -- counting: I2 ---------------------------------------------------------------------------

def i2_window(
    period_start: date, period_end: date, on: date, data_window: tuple[date, date]
) -> tuple[date, date]:
    """The days I2 looks at on `on`: the year's data window (`data_window`: the day after
    the previous year's 12-month cut-off in force to the year's own,
    `conferencedates.year_data_window`, 15/12 of the year before to 14/12 by default) up to
    `on`, as every flow figure of the conference reports. A session held on 20/12/2022 is
    judged by 2023's I2, the year whose reports count it as held; every held session counts
    in exactly one year's I2 (finding O14). The indicator's period (`defined_period`) bounds
    it where the Commission defined it otherwise than the plan year: a period starting
    after 1 January opens the window on its first day, one ending before the year's cut-off
    closes it on its last (a head's sessions after it belong to no figure of the period). A
    window whose last day precedes its first (`on` before the window) holds no day."""
    data_from, year_cutoff = data_window
    # The period's own year (a definition's period lies in its year): a window cut off in
    # December of the year before (a report counted while its year's data have begun but
    # not its plan year) opens on `data_from` all the same.
    first = data_from if period_start <= plan_year(period_start.year)[0] else period_start
    return first, min(on, period_end, year_cutoff)


def term_last_day(left_on: date | None, unit_last_day: date | None) -> date | None:
    """A head's last day in office: the day they left or, if earlier, the last day of their
    unit (a term cannot outlast its unit: a district abolished on 1 July 2025 ends its heads'
    terms on 30 June); None while in office. A term whose last day falls before its first
    never was."""
    return min((d for d in (left_on, unit_last_day) if d is not None), default=None)


def office_in_window(
    terms: Iterable[tuple[date, date | None]], start: date, end: date
) -> list[tuple[date, date]]:
    """The parts of [start, end] a head was in office: each term (first day, last day or None
    while in office) clipped to the window; terms outside it are dropped."""
    return [
        (max(first, start), min(last or end, end))
        for first, last in terms
        if start <= end and first <= end and (last is None or last >= start)
    ]


def owed_sessions(
    windows: Sequence[tuple[date, date]], versions: Sequence[RuleVersion]
) -> int:
    """What the direct-dialogue rule owes a head over their days in office in the window."""
    return required_sessions(windows, versions)


def head_meets_rule(held: int, owed: int) -> bool:
    return held >= owed


# -- counting: I3 and I4 --------------------------------------------------------------------

#: The dossier states in which a site counts toward I3.
DOSSIER_COUNTING_STATES: frozenset[str] = frozenset(
    {"lodged", "requisitioned", "resubmitted", "accepted", "certificate_issued"})
#: The states that take a dossier out of I3 (until it is lodged again).
DOSSIER_STOPPED_STATES: frozenset[str] = frozenset({"rejected", "withdrawn"})


def dossier_switch(state: str | None) -> int | None:
    """What a dossier step does to I3: 1 it counts from now, 0 it stops counting, None no
    change (preparation, a state this rulebook does not know)."""
    if state in DOSSIER_COUNTING_STATES:
        return 1
    if state in DOSSIER_STOPPED_STATES:
        return 0
    return None


def site_counts_i3(site_open: bool, dossier_counting: bool) -> bool:
    """A site counts toward I3 at d when open at d and its dossier counts at d."""
    return site_open and dossier_counting


def site_counts_i4(site_open: bool, certificate_held: bool) -> bool:
    """A site counts toward I4 at d when open at d and holding a certificate not revoked."""
    return site_open and certificate_held


# -- reported indicators (I5...: figures typed by units) -----------------------------------

class SummedFrom(NamedTuple):
    """How complete a reported figure summed from the units under a unit is
    (`reported_coverage`): a city's 45/60 may be the sum of 3 of its 15 districts, and a signed
    report must not present it as the city's whole figure."""

    #: The units directly under it that have a figure (their own report, or a sum of theirs):
    #: a district summed from its communes is one of them.
    with_figure: int
    #: Every unit directly under it.
    under: int

    def as_json(self) -> dict[str, int]:
        """The `summed_from` of every service's JSON (null for a unit's own report)."""
        return {"units_with_figure": self.with_figure, "units_under": self.under}


class ReportedFigure(NamedTuple):
    """A unit's figure of a reported indicator (`reported_coverage`)."""

    numerator: int
    denominator: int
    #: None when the figure is the unit's own report; else how complete its sum is.
    summed_from: SummedFrom | None


def reported_coverage(
    order: Iterable[str],
    children: Callable[[str], Iterable[str]],
    reported: Mapping[str, tuple[int, int]],
) -> dict[str, ReportedFigure]:
    """The figures of an indicator whose figures units report (method "reported") rather than
    computed from events, and how complete each one is: a unit's is its own latest report
    known (`reported`, `summed_from` None), else the sum of the figures of the units under it
    that have one, with how many of the units directly under it have a figure and how many
    there are (`SummedFrom`); a unit with neither has none (absent: no figure, no status,
    nothing to be complete). `order`: the units, each after every unit under it."""
    figures: dict[str, ReportedFigure] = {}
    for code in order:
        own = reported.get(code)
        if own is not None:
            figures[code] = ReportedFigure(own[0], own[1], None)
            continue
        under = list(children(code))
        kids = [figures[kid] for kid in under if kid in figures]
        if kids:
            figures[code] = ReportedFigure(sum(kid.numerator for kid in kids),
                                           sum(kid.denominator for kid in kids),
                                           SummedFrom(len(kids), len(under)))
    return figures


def reported_roll_up(
    order: Iterable[str],
    children: Callable[[str], Iterable[str]],
    reported: Mapping[str, tuple[int, int]],
) -> dict[str, tuple[int, int]]:
    """The figures (numerator, denominator) of `reported_coverage` without how complete they
    are: a unit's own latest report, else the sum of the units under it that have a figure."""
    return {code: (figure.numerator, figure.denominator)
            for code, figure in reported_coverage(order, children, reported).items()}


# -- a rate beside the previous conference's (finding J9) ----------------------------------

#: What makes an indicator's rate at the previous conference measure another thing than this
#: one's (`rate_basis_changes`): another fixed base, or the count where there was a base (or
#: the reverse); other qualifying fields of models (I1); another period of the year (I2's
#: window, the day a stock figure is taken); reported figures where there were counted ones
#: (or the reverse); another scope of units.
BASIS_BASE: Final = "base"
BASIS_FIELDS: Final = "fields"
BASIS_PERIOD: Final = "period"
BASIS_METHOD: Final = "method"
BASIS_SCOPE: Final = "scope"
BASIS_CHANGES: tuple[str, ...] = (BASIS_BASE, BASIS_FIELDS, BASIS_PERIOD, BASIS_METHOD,
                                  BASIS_SCOPE)

#: The plan's scope of an indicator: the whole city. A definition without units of its own
#: covers it, and the indicators service reads one so (`scope_unit_codes` ["31"]): "toàn
#: thành phố theo Kế hoạch" and ["31"] are one scope, described two ways (finding P2).
PLAN_SCOPE: tuple[str, ...] = (HAI_PHONG,)

#: A day of an indicator's period as its definition places it in its year: (years after the
#: indicator's year, month, day), so 1 January of 2023's definition and of 2024's are one day.
YearDay = tuple[int, int, int]


@dataclass(frozen=True)
class RateDefinition:
    """The parts of a year's definition of an indicator a rate is measured by: `fields` the
    models' fields I1 counts (`i1_fields`; empty for another indicator); `period` its first
    and last day in its year (`year_days`); `method` None (counted from events) or
    "reported"; `scope` its units (empty: the plan's)."""

    fields: frozenset[str]
    period: tuple[YearDay, YearDay]
    method: str | None = None
    scope: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateBasis:
    """What one unit's rate of an indicator is measured by: `base` the fixed denominator it
    was measured against (None: a counted denominator, the register's sites, the catalogue's
    communes, the heads in office), and the `definition` it was counted (or reported) by;
    None when not known (a report signed before its previous period's definitions were
    frozen with it): then only the base is compared."""

    base: int | None
    definition: RateDefinition | None = None


def rate_scope(units: Iterable[str]) -> tuple[str, ...]:
    """A definition's scope as its units, to compare one year's with another's: each once,
    in order; none (the plan's) is the city's (`PLAN_SCOPE`)."""
    return tuple(sorted(set(units))) or PLAN_SCOPE


def year_days(year: int, start: date, end: date) -> tuple[YearDay, YearDay]:
    """A definition's period (`defined_period`) as days of its year (`YearDay`)."""
    return ((start.year - year, start.month, start.day), (end.year - year, end.month, end.day))


def rate_basis_changes(before: RateBasis, now: RateBasis) -> tuple[str, ...]:
    """Why a rate measured on `before` (the previous conference's, as it was counted and
    reported) and one on `now` (this report's) are not the same measure, in `BASIS_CHANGES`'
    order; empty when they are. The previous column shows the previous rate as it was
    reported, on its own definition (a signed report is not counted again by another year's
    rules); where the measure changed (typically across a year boundary: the 3-month report
    beside the year before's report, a year whose base, fields, period, method or scope
    differ), the difference between the two rates is no rise or fall, and every output says
    so beside it. A change of target alone leaves the rate comparable (each status was
    judged against its own year's target). Scopes are compared as units (`rate_scope`): a
    year without a scope of its own and one scoped to the city measure the same units."""
    changes: list[str] = []
    if before.base != now.base:
        changes.append(BASIS_BASE)
    was, is_ = before.definition, now.definition
    if was is not None and is_ is not None:
        for name, differs in ((BASIS_FIELDS, was.fields != is_.fields),
                              (BASIS_PERIOD, was.period != is_.period),
                              (BASIS_METHOD, was.method != is_.method),
                              (BASIS_SCOPE, rate_scope(was.scope) != rate_scope(is_.scope))):
            if differs:
                changes.append(name)
    return tuple(changes)


# -- commitments at a cut-off (the report's stock figures) ---------------------------------

CommitmentStanding = Literal["done", "overdue", "in_progress"]


def first_overdue_on(due_on: date) -> date:
    """The first day a commitment not done is overdue at: the day after its due date (the
    inverse of `last_overdue_due_on`)."""
    return due_on + timedelta(days=1)


def overdue_since(due_on: date, last_event_on: date) -> date:
    """The day a commitment not done becomes overdue: the day after its due date or, when
    its last event is later (a commitment completed after its due date and reopened without
    a new one), that event's day: it was done until its reopening, and an overdue never
    precedes the event it follows (docs/events.md orders a commitment's events by business
    date)."""
    return max(first_overdue_on(due_on), last_event_on)


def last_overdue_due_on(on: date) -> date:
    """The latest due date a commitment not done is overdue with at the end of day `on`:
    the day before (on its due date itself it is still on time). What a list filters by
    in SQL, so the lists and `commitment_standing` draw the line at the same day."""
    return on - timedelta(days=1)


def commitment_standing(done: bool, due_on: date | None, on: date) -> CommitmentStanding:
    """A commitment at the end of day `on`: done when completed by then; overdue when not
    and its due date has passed (the day after the due date, as the dialogue service
    detects it); otherwise still in progress. Decided from the state at `on`, never from an
    "overdue" recorded later."""
    if done:
        return "done"
    if due_on is not None and due_on <= last_overdue_due_on(on):
        return "overdue"
    return "in_progress"
