"""The chunk figures of one subject, however its facts arrive, add up at every cut-off to what
the subject counts for there (the rule the reports computed from the facts follow)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from services.reporting.application.canonical import canonical_json, units_json
from services.reporting.application.chunk_figures import (
    ChunkChanges,
    FactRow,
    fact_order,
    units_key,
)
from services.reporting.application.report_figures import IndicatorFigure
from services.reporting.domain.chunks import (
    ChunkReading,
    chunk_end,
    chunk_of,
    chunk_reading,
    chunk_start,
    chunk_year,
    has_default_window,
    previous_chunk,
)
from services.reporting.domain.counting import SubjectHistory, stock_figures
from services.reporting.domain.periods import MONTHS, default_period

pytestmark = pytest.mark.unit

TIEN_LANG_TOWN = ("11755", "315", "31")
DAI_THANG = ("11758", "315", "31")
QUAN_TOAN = ("11296", "303", "31")
UNITS = (TIEN_LANG_TOWN, DAI_THANG, QUAN_TOAN)
FIRST_DAY = date(2022, 11, 1)
CHUNKS = sorted({chunk_of(FIRST_DAY + timedelta(days=n)) for n in range(0, 1000, 7)})

# (kind, effect, state) of the events a subject of each stock group goes through; a site's
# group mixes its own facts with its dossier's and certificate's (family from the kind).
FAMILY_OF = {"LandDossierLodged": "dossier", "DossierRequisitioned": "dossier",
             "DossierResubmitted": "dossier", "DossierWithdrawn": "dossier",
             "CertificateIssued": "certificate", "CertificateRevoked": "certificate"}
STEPS: dict[str, list[tuple[str, int | None, str | None]]] = {
    "site": [("SiteRegistered", 1, None), ("LandDossierLodged", 1, "lodged"),
             ("DossierRequisitioned", 1, "requisitioned"), ("CertificateIssued", 1, None),
             ("SiteAmended", 1, None), ("DossierResubmitted", 1, "lodged"),
             ("SiteAmended", None, None), ("CertificateRevoked", 0, None),
             ("DossierWithdrawn", 0, "withdrawn"), ("LandDossierLodged", 1, "lodged"),
             ("SiteClosed", 0, None)],
    "compliance": [("ComplianceCaseOpened", 1, "open"),
                   ("ComplianceCaseReviewStarted", 1, "under_review"),
                   ("ComplianceCaseResolved", 0, "resolved")],
    "commitment": [("CommitmentMade", None, "open"),
                   ("CommitmentProgressUpdated", None, "in_progress"),
                   ("CommitmentOverdue", None, "overdue"), ("CommitmentReopened", None, "open"),
                   ("CommitmentCompleted", None, "done")],
    "model": [("ModelRegistered", 1, "urban"), ("ModelRecognised", None, "city"),
              ("ModelClosed", 0, None), ("ModelRegistered", 1, "digital_transformation")],
}


def _facts(rng: random.Random, family: str, subject: str) -> list[FactRow]:
    steps = STEPS[family][: rng.randint(1, len(STEPS[family]))]
    day = FIRST_DAY + timedelta(days=rng.randrange(400))
    rows = []
    for seq, (kind, effect, state) in enumerate(steps, start=1):
        unit, district, province = rng.choice(UNITS)
        due = day + timedelta(days=rng.randrange(-30, 200)) if seq == 1 else None
        rows.append(FactRow(
            f"00000000-0000-0000-0000-{rng.getrandbits(48):012x}", FAMILY_OF.get(kind, family),
            kind, subject,
            effect, state, None, due if family == "commitment" else None, day,
            datetime(day.year, day.month, day.day, 2, tzinfo=UTC) + timedelta(days=1), seq,
            unit, district, province, None,
        ))
        day += timedelta(days=rng.randrange(0, 120))
    return rows


def _at_cutoff(family: str, rows: list[FactRow], cutoff: date) -> Counter[tuple[object, str]]:
    history: SubjectHistory | None = None
    for row in sorted(rows, key=fact_order):
        if row.business_on > cutoff:
            break
        if history is None:
            history = SubjectHistory.start(row)
        else:
            history.add(row)
    if history is None:
        return Counter()
    counted = stock_figures(family, history, cutoff)
    return Counter((units_key(row), figure) for row, figure in counted)


@pytest.mark.parametrize("family", sorted(STEPS))
def test_chunks_sum_to_the_stock_at_every_cutoff_whatever_the_arrival_order(family: str) -> None:
    rng = random.Random(f"chunks-{family}")
    for attempt in range(60):
        rows = _facts(rng, family, f"X{attempt}")
        arrival = rows[:]
        rng.shuffle(arrival)  # facts of a subject may come in any order, in any batches
        changes = ChunkChanges()
        stored: list[FactRow] = []
        while arrival:
            size = rng.randint(1, 3)
            batch, arrival = arrival[:size], arrival[size:]
            changes.add_subject(family, stored, [*stored, *batch])
            stored += batch
        for chunk in CHUNKS:
            summed: Counter[tuple[object, str]] = Counter()
            for (at, units), cell in changes.figures.items():
                for figure, amount in cell.items():
                    if at <= chunk:
                        summed[(units, figure)] += int(amount)
            expected = _at_cutoff(family, rows, chunk_end(chunk))
            assert +summed == expected, (attempt, chunk, rows)


def test_chunks_follow_the_decree_windows() -> None:
    assert chunk_of(date(2022, 12, 15)) == 20221221  # the first day of the 2023 reports
    assert chunk_of(date(2023, 3, 14)) == 20230314
    assert chunk_of(date(2023, 3, 15)) == 20230321
    assert chunk_of(date(2023, 12, 14)) == 20231214
    assert chunk_of(date(2023, 12, 31)) == 20231231  # I2's window opens on 1 January
    assert chunk_of(date(2024, 1, 1)) == 20240107
    assert chunk_of(date(2024, 2, 29)) == 20240229  # a leap day's chunk
    assert chunk_of(date(2023, 2, 28)) == 20230228  # no chunk after the 28th in 2023
    assert chunk_end(20230914) == date(2023, 9, 14)
    assert chunk_year(20221221) == chunk_year(20230314) == 2023
    assert chunk_year(20231214) == 2023 and chunk_year(20231221) == 2024
    day = date(2020, 1, 1)
    while day < date(2024, 1, 1):  # chunks tile the calendar, a week at most
        following = day + timedelta(days=1)
        chunk = chunk_of(day)
        assert chunk_start(chunk) <= day <= chunk_end(chunk)
        assert (chunk_end(chunk) - chunk_start(chunk)).days < 7
        if chunk_of(following) != chunk:
            assert chunk_end(chunk) == day and chunk_start(chunk_of(following)) == following
            assert previous_chunk(chunk_of(following)) == chunk
            assert chunk_of(following) > chunk  # numbered in the days' order
        if (day.month, day.day) in {(12, 15), (1, 1)} or (
                day.day == 15 and day.month in MONTHS):
            assert chunk_start(chunk) == day  # a window, or I2's, opens a chunk
        if day.day == 14 and day.month in MONTHS:
            assert chunk_end(chunk) == day  # a default cut-off closes one
        day = following
    period = default_period(2023, 9)
    assert has_default_window(period)
    assert not has_default_window(period.with_window(date(2022, 12, 15), date(2023, 9, 20), "x"))
    # A window that follows a moved year cut-off (2022-12m to 31/12) keeps its default cut-off
    # but is no run of whole chunks (Y03 starts on 15/12): counted from the facts.
    assert not has_default_window(period.with_window(date(2023, 1, 1), date(2023, 9, 14), "x"))



def test_a_running_periods_window_is_read_from_the_nearer_chunk_end() -> None:
    """Every day a period runs on: the chunks through the one holding the day less the days
    after it to that chunk's end, or the chunks through the one before plus the days from
    its end to the day, whichever has fewer days (ties: the first); a moved start or a
    cut-off moved later are not read from the chunks."""
    for months in (3, 6, 9, 12):
        period = default_period(2026, months)
        day = period.data_from
        while day <= period.cutoff_on:
            reading = chunk_reading(period.counted_on(day))
            assert reading is not None
            chunk = chunk_of(day)
            end = chunk_end(chunk)
            before = previous_chunk(chunk)
            eve = chunk_end(before)
            assert chunk_of(eve) == before and chunk_of(eve + timedelta(days=1)) == chunk
            if day == end:
                expected = ChunkReading((20251221, chunk), None)
            elif day - eve < end - day:
                expected = ChunkReading((20251221, before), (eve, day), +1)
            else:
                expected = ChunkReading((20251221, chunk), (day, end), -1)
            assert reading == expected
            assert reading.between is None or (
                reading.between[1] - reading.between[0]).days <= 3, "at most three days"
            day += timedelta(days=1)
    period = default_period(2026, 6)
    assert chunk_reading(period.with_window(date(2026, 1, 1), date(2026, 6, 14), "x")) is None
    assert chunk_reading(period.with_window(period.data_from, date(2026, 6, 20), "x")) is None
    assert chunk_reading(period.with_window(period.data_from, date(2026, 5, 20), "x"))


@pytest.mark.parametrize("target", [40.0, 0.0, 12.5, 1e-5, 2e16, 1e300])
def test_the_units_text_is_the_canonical_text_whatever_the_floats(target: float) -> None:
    figures = [
        IndicatorFigure("I3", 2, 4, 50.0, "dat", target, ">="),
        IndicatorFigure("I4", 0, 3, 0.0, "chua_dat", target, "<="),
        IndicatorFigure("I1", 1, 3, 33.3, "co_nguy_co", 100.0, ">="),
    ]
    units = {
        code: {"figures": {"sites": n, "attendance": 7 * n},
               "indicators": {f.indicator_id: f.as_dict() for f in figures}}
        for n, code in enumerate(("31", "315", "11755", "VN"))
    }
    floats = [value for figure in figures for value in (figure.value, figure.target)]
    assert units_json(units, floats) == canonical_json(units)
