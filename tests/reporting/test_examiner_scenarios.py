"""An outside examiner's scenario: what an official types in over a year, dated on the
boundaries, and every output of reporting read back against a hand count.

The oracle here is plain Python written from DOMAIN.md (the four indicators, the statuses,
the pace) and the direct-dialogue rule as DOMAIN.md and Quyết định 1738-QĐ/TU state it (per
calendar year, min × days in office / days of the year, summed, rounded half up once); it
calls no kernel rule (shared/planrules.py, shared/dialoguerule.py): it would prove nothing.

The story (Hai Phong, real units, every event typed in the day after its date unless said):
* sites: A (Thị trấn Tiên Lãng) lodged on 14/03 (the 3-month cut-off: counts in it); B there
  lodged on 15/03 (counts from the 6-month report); C (Đại Thắng) lodged 01/02, rejected on
  14/03, lodged again on 15/06 (counts from 9 months); D (Quán Toan) lodged 05/01, certified on
  14/06 (I4 at 6 months), its certificate revoked on 15/06 (not at 9 months); E (Quán Toan)
  lodged, closed on 14/03 (out from 3 months: closed by the day); F (Đồ Sơn) registered and
  lodged on 14/12 (the year report's cut-off: in it); G (Đồ Sơn) registered and lodged on
  15/12 (2024's first day of data); A certified on 29/02/2024.
* heads under the rule of 1738-QĐ/TU (district 2 a year, commune 1, since 27/01/2015): Tiên
  Lãng's secretary in office all along, a session on 15/06 (the day after the 6-month
  cut-off); Thị trấn Tiên Lãng's chair, none; Hồng Bàng's secretary leaving on 31/03 (last
  day), his successor from 01/04.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import openpyxl
from docx import Document

from services.reporting.messages import (
    INDICATOR_SHORT,
    NO_STATUS,
    NO_TARGET,
    SHEET_INDICATORS,
    STATUS_LABELS,
)
from shared.adminunits import default_catalogue
from shared.envelope import utcnow
from tests.integration.helpers import rebuild_and_wait
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import (
    DAI_THANG,
    HONG_BANG,
    QUAN_TOAN,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    Events,
    recorded_after,
)

D = date
CITY, DO_SON = "31", "308"
DO_SON_COMMUNE = default_catalogue().children(DO_SON, D(2023, 12, 14))[0].code
DISTRICT_OF = {TIEN_LANG_TOWN: TIEN_LANG, DAI_THANG: TIEN_LANG, QUAN_TOAN: HONG_BANG,
               DO_SON_COMMUNE: DO_SON}
#: period: (first day of data, cut-off); Decree 09/2019's defaults.
PERIODS = {"2023-3m": (D(2022, 12, 15), D(2023, 3, 14)),
           "2023-6m": (D(2022, 12, 15), D(2023, 6, 14)),
           "2023-9m": (D(2022, 12, 15), D(2023, 9, 14)),
           "2023-12m": (D(2022, 12, 15), D(2023, 12, 14)),
           "2024-3m": (D(2023, 12, 15), D(2024, 3, 14))}
PLAN_BASE = 239  # plan II.1.3, 2023 only
TARGETS = {"I2": Fraction(1), "I3": Fraction(2, 5), "I4": Fraction(1, 10)}
RULE_FROM, PER_YEAR = D(2015, 1, 27), {"district": 2, "commune": 1}

# -- the story, as data the oracle reads and the events are made of ------------------------

#: site: (commune, registered, closed on (first day out) or None)
SITES = {"A": (TIEN_LANG_TOWN, D(2022, 6, 1), None), "B": (TIEN_LANG_TOWN, D(2023, 1, 10), None),
         "C": (DAI_THANG, D(2022, 1, 1), None), "D": (QUAN_TOAN, D(2022, 1, 1), None),
         "E": (QUAN_TOAN, D(2022, 1, 1), D(2023, 3, 14)),
         "F": (DO_SON_COMMUNE, D(2023, 12, 14), None), "G": (DO_SON_COMMUNE, D(2023, 12, 15), None)}
#: site: [(day, dossier state)]
DOSSIERS = {"A": [(D(2023, 3, 14), "lodged")], "B": [(D(2023, 3, 15), "lodged")],
            "C": [(D(2023, 2, 1), "lodged"), (D(2023, 3, 14), "rejected"),
                  (D(2023, 6, 15), "lodged")],
            "D": [(D(2023, 1, 5), "lodged")], "E": [(D(2023, 1, 5), "lodged")],
            "F": [(D(2023, 12, 14), "lodged")], "G": [(D(2023, 12, 15), "lodged")]}
#: site: (issued, revoked or None)
CERTIFICATES = {"D": (D(2023, 6, 14), D(2023, 6, 15)), "A": (D(2024, 2, 29), None)}
#: head: (unit, level, first day, last day or None)
HEADS = {"H1": (TIEN_LANG, "district", D(2020, 10, 1), None),
         "H2": (TIEN_LANG_TOWN, "commune", D(2021, 7, 1), None),
         "H5": (HONG_BANG, "district", D(2021, 1, 1), D(2023, 3, 31)),
         "H6": (HONG_BANG, "district", D(2023, 4, 1), None)}
#: sessions held: (head, unit, held on)
SESSIONS = {"SES0": ("H2", TIEN_LANG_TOWN, D(2023, 2, 20)),
            "SES1": ("H1", TIEN_LANG, D(2023, 6, 15)),
            "SES2": ("H1", TIEN_LANG, D(2023, 3, 16))}
#: sessions planned: (head, unit, planned on, [(decided on, new day)], cancelled on or None)
PLANNED = {"SES2": ("H1", TIEN_LANG, D(2023, 3, 14), [(D(2023, 3, 12), D(2023, 3, 16))], None),
           "SES3": ("H6", HONG_BANG, D(2023, 12, 14), [], D(2023, 12, 15))}
#: commitments of SES0: (made on, due on, completed on or None, typed in days late)
COMMITMENTS = {"K1": (D(2023, 2, 20), D(2023, 3, 14), D(2023, 3, 20), 30),
               "K2": (D(2023, 2, 20), D(2023, 3, 13), D(2023, 6, 15), 0),
               "K3": (D(2023, 12, 10), D(2023, 12, 31), None, 0),
               "K4": (D(2024, 2, 29), D(2024, 3, 14), None, 0)}
COUNTING = {"lodged", "requisitioned", "resubmitted", "accepted", "certificate_issued"}


def _events() -> Events:
    e = Events()
    for code, (commune, registered, closed) in SITES.items():
        e.site(code, commune, registered)
        for on, state in DOSSIERS.get(code, []):
            kind = {"lodged": "LandDossierLodged", "rejected": "DossierRejected"}[state]
            e.dossier(kind, code, commune, on, state)
        if closed is not None:
            e.add("religion", "site", code, "SiteClosed", closed,
                  {"code": code, "reason": "Giải thể"}, commune)
    for code, (issued, revoked) in CERTIFICATES.items():
        commune = SITES[code][0]
        e.certificate(code, commune, issued, f"CS {code}")
        if revoked is not None:
            _revoke(e, code, revoked)
    for level, per_year in PER_YEAR.items():
        e.add("dialogue", "rule", level, "DialogueRuleSet", RULE_FROM, {
            "level": level, "min_sessions_per_year": per_year,
            "effective_from": RULE_FROM.isoformat()})
    for head, (unit, level, first, last) in HEADS.items():
        role = "party_secretary" if level == "district" else "people_committee_chair"
        e.head(head, unit, role, first)
        if last is not None:
            e.left_office(head, unit, role, last)
    for session, (head, unit, planned, moves, cancelled) in PLANNED.items():
        e.add("dialogue", "session", session, "SessionPlanned", planned - timedelta(days=20), {
            "session_id": session, "unit_code": unit, "head_ids": [head],
            "planned_on": planned.isoformat(), "topic": "Giải phóng mặt bằng",
            "place": "Hội trường", "co_organiser": "UBMTTQ"}, unit)
        for decided, day in moves:
            e.add("dialogue", "session", session, "SessionRescheduled", decided, {
                "session_id": session, "planned_on": day.isoformat(),
                "previous_planned_on": planned.isoformat(), "reason": "Trùng lịch"}, unit)
        if cancelled is not None:
            e.add("dialogue", "session", session, "SessionCancelled", cancelled, {
                "session_id": session, "reason": "Mưa bão",
                "cancelled_on": cancelled.isoformat()}, unit)
    for session, (head, unit, on) in SESSIONS.items():
        e.held(session, unit, [head], on)
    for commitment, (made, due, completed, late) in COMMITMENTS.items():
        e.commitment(commitment, "SES0", TIEN_LANG_TOWN, made, due)
        if completed is None or completed > due:
            # The dialogue service's scheduler detects it the day after the due date (K4's of
            # 15/03/2024 is after 2024's first cut-off and never reaches back).
            e.add("dialogue", "commitment", commitment, "CommitmentOverdue",
                  due + timedelta(days=1), {"commitment_id": commitment,
                                            "due_on": due.isoformat()}, TIEN_LANG_TOWN)
        if completed is not None:
            e.add("dialogue", "commitment", commitment, "CommitmentCompleted", completed, {
                "commitment_id": commitment, "completed_on": completed.isoformat()},
                TIEN_LANG_TOWN, recorded_after(completed) + timedelta(days=late))
    return e


def _revoke(e: Events, code: str, on: date) -> None:
    e.add("religion", "certificate", code, "CertificateRevoked", on, {
        "site_code": code, "certificate_number": f"CS {code}", "revoked_on": on.isoformat(),
        "reason": "Cấp sai diện tích"}, SITES[code][0])


# -- the oracle -----------------------------------------------------------------------------

def _in(unit: str, commune: str) -> bool:
    return unit in (CITY, commune, DISTRICT_OF[commune])


def _open(code: str, d: date) -> bool:
    _, registered, closed = SITES[code]
    return registered <= d and (closed is None or closed > d)


def _state_at(steps: Iterable[tuple[date, str]], d: date) -> str | None:
    state = None
    for on, step in steps:
        if on <= d:
            state = step
    return state


def _certified(code: str, d: date, certificates: Mapping[str, tuple[date, date | None]]) -> bool:
    if code not in certificates:
        return False
    issued, revoked = certificates[code]
    return issued <= d and (revoked is None or revoked > d)


def _sites(unit: str, d: date, certificates: Mapping[str, tuple[date, date | None]] = CERTIFICATES
           ) -> tuple[int, int, int]:
    """(open sites, I3 numerator, I4 numerator) of `unit` at the end of `d`."""
    codes = [c for c, (commune, _, _) in SITES.items() if _in(unit, commune) and _open(c, d)]
    i3 = sum(1 for c in codes if _state_at(DOSSIERS.get(c, []), d) in COUNTING)
    i4 = sum(1 for c in codes if _certified(c, d, certificates))
    return len(codes), i3, i4


def _owed(first: date, last: date, per_year: int) -> int:
    """Sessions owed for the days [first, last] in office: per calendar year, per_year × days
    / days of that year, summed exactly, rounded half up once (from the rule's first day)."""
    first = max(first, RULE_FROM)
    total, day = Fraction(0), first
    while day <= last:
        year_end = D(day.year, 12, 31)
        end = min(last, year_end)
        days_in_year = (year_end - D(day.year, 1, 1)).days + 1
        total += Fraction(per_year * ((end - day).days + 1), days_in_year)
        day = end + timedelta(days=1)
    return math.floor(total + Fraction(1, 2))


def _i2(unit: str, start: date, d: date) -> tuple[int, int, bool]:
    """(heads meeting the rule, heads in office in the window, any head owing)."""
    met = total = 0
    owing = False
    for head, (where, level, first, last) in HEADS.items():
        if unit not in (CITY, where, DISTRICT_OF.get(where)):  # a commune's, its district's
            continue
        lo, hi = max(first, start), min(last or d, d)
        if lo > hi:
            continue
        total += 1
        owed = _owed(lo, hi, PER_YEAR[level])
        owing = owing or owed > 0
        held = sum(1 for h, _, on in SESSIONS.values() if h == head and lo <= on <= hi)
        met += held >= owed
    return met, total, owing


def _dialogue(unit: str, start: date, d: date) -> dict[str, int]:
    """The dialogue section's figures of `unit` in the window [start, d]: flows in it, the
    commitments' standing at the end of d (on its due day a commitment is still on time)."""
    def here(where: str) -> bool:
        return unit in (CITY, where, DISTRICT_OF.get(where))

    planned_for = {s: (moves[-1][1] if moves else planned)
                   for s, (_, _, planned, moves, _) in PLANNED.items()}
    made = {k: v for k, v in COMMITMENTS.items() if here(TIEN_LANG_TOWN) and v[0] <= d}
    done = {k for k, (_, _, completed, _) in made.items() if completed and completed <= d}
    overdue = {k for k, (_, due, _, _) in made.items() if k not in done and due < d}
    return {
        "sessions_planned": sum(1 for s, (_, where, *_) in PLANNED.items()
                                if here(where) and start <= planned_for[s] <= d),
        "sessions_held": sum(1 for _, where, on in SESSIONS.values()
                             if here(where) and start <= on <= d),
        "sessions_cancelled": sum(1 for _, where, _, _, off in PLANNED.values()
                                  if here(where) and off is not None and start <= off <= d),
        "commitments_made": sum(1 for v in made.values() if start <= v[0]),
        "commitments_total": len(made),
        "commitments_done": len(done),
        "commitments_overdue": len(overdue),
        "commitments_in_progress": len(made) - len(done) - len(overdue),
    }


def _status(numerator: int, denominator: int, target: Fraction, d: date) -> str | None:
    """DOMAIN.md's status of a "≥ T" figure of the 2023 plan year evaluated at d."""
    if denominator == 0:
        return None
    value = Fraction(numerator, denominator)
    if value >= target:
        return "dat"
    year_start, year_end = D(d.year, 1, 1), D(d.year, 12, 31)
    elapsed = Fraction((d - year_start).days + 1, (year_end - year_start).days + 1)
    if d < year_end and value < target * elapsed:
        return "co_nguy_co"
    return "chua_dat"


def _percent(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return math.floor(Fraction(numerator * 10000, denominator) + Fraction(1, 2)) / 100


def expected(period: str, unit: str) -> dict[str, tuple[int, int, float | None, str | None]]:
    """I2-I4 of `unit` in `period`: (numerator, denominator, %, status)."""
    start, d = PERIODS[period]
    year = d.year
    register, i3, i4 = _sites(unit, d)
    base = PLAN_BASE if unit == CITY and year == 2023 else register
    met, heads, owing = _i2(unit, start, d)
    figures = {"I3": (i3, base), "I4": (i4, base), "I2": (met, heads)}
    out = {}
    for key, (numerator, denominator) in figures.items():
        if key == "I2" and heads and not owing:  # not judged, target or none
            status = "chua_den_han"
        elif year != 2023:  # no target for 2024: no status
            status = None
        else:
            status = _status(numerator, denominator, TARGETS[key], d)
        out[key] = (numerator, denominator, _percent(numerator, denominator), status)
    return out


# -- reading the outputs ---------------------------------------------------------------------

def _json(reporting: Reporting, period: str, unit: str, **params: str) -> dict[str, Any]:
    response = reporting.client.get(f"/api/v1/reports/{period}",
                                     params={"unit": unit, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _label(status: str | None, year: int) -> str:
    if status is not None:
        return STATUS_LABELS[status]
    return NO_TARGET.format(year=year) if year != 2023 else NO_STATUS


def _check_outputs(reporting: Reporting, period: str, unit: str, *, documents: bool) -> None:
    """The JSON of `unit` and its row of the flat table against the hand count; with
    `documents`, the workbook, the Word report and the dashboard's tiles too."""
    want = expected(period, unit)
    year = PERIODS[period][1].year
    view = _json(reporting, period, unit)
    rows = {row["id"]: row for row in view["indicators"]}
    got = {key: (rows[key]["numerator"], rows[key]["denominator"], rows[key]["value"],
                 rows[key]["status"]) for key in want}
    assert got == want, (period, unit)
    dialogue = {f["key"]: f["value"] for section in view["sections"]
                for f in section["figures"] if f["key"] in DIALOGUE}
    assert dialogue == _dialogue(unit, *PERIODS[period]), (period, unit)
    if unit == CITY and year == 2023:  # the register's own count beside the plan's base
        register = _sites(unit, PERIODS[period][1])[0]
        assert rows["I3"]["register"] == register, (period, rows["I3"])
    # The flat table of every unit.
    flat = reporting.client.get(f"/api/v1/reports/{period}/units").json()["units"]
    [row] = [r for r in flat if r["code"] == unit]
    assert {k: (row["indicators"][k]["numerator"], row["indicators"][k]["denominator"],
                row["indicators"][k]["value"], row["indicators"][k]["status"])
            for k in want} == want, (period, unit)
    if not documents:
        return
    # The workbook's sheet of indicators.
    book = reporting.client.get(f"/api/v1/reports/{period}/tables.xlsx", params={"unit": unit})
    assert book.status_code == 200, book.text
    sheet = openpyxl.load_workbook(io.BytesIO(book.content))[SHEET_INDICATORS]
    cells = {r[0]: r for r in sheet.iter_rows(values_only=True) if r[0] in want}
    for key, (numerator, denominator, value, status) in want.items():
        assert cells[key][3:7] == (numerator, denominator, value, _label(status, year)), (
            period, unit, key, cells[key])
    # The Word report's table of indicators: result and status.
    word = reporting.client.get(f"/api/v1/reports/{period}/report.docx", params={"unit": unit})
    assert word.status_code == 200
    table = {row.cells[1].text: [c.text for c in row.cells] for t in Document(
        io.BytesIO(word.content)).tables for row in t.rows if len(row.cells) == 7}
    for key, (numerator, denominator, _, status) in want.items():
        cells_ = table[INDICATOR_SHORT[key]]
        assert cells_[3].split(" ")[0] == f"{numerator}/{denominator}", (period, unit, cells_)
        assert cells_[6] == _label(status, year), (period, unit, cells_)
    # The dashboard's tiles.
    page = reporting.client.get("/", params={"period": period, "unit": unit})
    assert page.status_code == 200
    for key, (numerator, denominator, _, status) in want.items():
        tile = page.text[page.text.index(f'id="tile-{key}"'):]
        tile = tile[:tile.index(">")]
        assert f'data-status="{status or ""}"' in tile, (period, unit, tile)
        assert f'data-numerator="{numerator}" data-denominator="{denominator}"' in tile


UNITS = (CITY, TIEN_LANG, HONG_BANG, DO_SON)
DIALOGUE = ("sessions_planned", "sessions_held", "sessions_cancelled", "commitments_made",
            "commitments_total", "commitments_done", "commitments_overdue",
            "commitments_in_progress")


def test_every_output_agrees_with_the_hand_count_and_a_rebuild_changes_nothing(
    reporting: Reporting,
) -> None:
    reporting.feed(_events())
    # The hand count itself, spelled out for the reader at the 6-month cut-off.
    assert expected("2023-6m", CITY) == {
        "I3": (3, 239, 1.26, "co_nguy_co"), "I4": (1, 239, 0.42, "co_nguy_co"),
        # Windows from 15/12/2022: H1 owes 2 × 182/365 → 1, held 16/03 (moved from 14/03);
        # H2 1 × 182/365 = 0.499 → 0; H5 owes 2 × 107/365 → 1, none; H6 2 × 75/365 → 0:
        # 3 of 4, ahead of 100 % × 165/365.
        "I2": (3, 4, 75.0, "chua_dat")}
    assert _dialogue(CITY, *PERIODS["2023-3m"]) == {
        "sessions_planned": 0, "sessions_held": 1, "sessions_cancelled": 0,
        "commitments_made": 2, "commitments_total": 2, "commitments_done": 0,
        # K2 due 13/03 overdue at 14/03; K1 due 14/03 still on time.
        "commitments_overdue": 1, "commitments_in_progress": 1}
    # The same report asked again, as of one moment (the hash covers its `as_of`), is the
    # same content before and after the read models are rebuilt by replay.
    moment = utcnow().isoformat()
    hashes = {}
    for period in PERIODS:
        # Every unit's JSON; the city's documents of a period still running in the plan year
        # (statuses against the pace) and of the next year (no target, no plan base).
        for unit in UNITS:
            _check_outputs(reporting, period, unit,
                           documents=unit == CITY and period in ("2023-6m", "2024-3m"))
        hashes[period] = _json(reporting, period, CITY, as_of=moment)["content_hash"]
    rebuild_and_wait(reporting.client)
    for period in PERIODS:
        assert _json(reporting, period, CITY, as_of=moment)["content_hash"] == hashes[period]


def test_a_signed_report_keeps_its_figures_and_lists_a_site_typed_in_late(
    reporting: Reporting,
) -> None:
    """After the 6-month report is signed, Quán Toan's desk types in a site it had forgotten:
    H, registered in 2021, lodged on 01/06 and certified on 14/06 (the cut-off). The signed
    report keeps I3 3/239 and I4 1/239; the figures of now count H (4/239, 2/239); the
    differences list the city's, Hồng Bàng's (1/1 → 2/2: numerators and denominators, the
    rate and status unchanged, so not listed) and Quán Toan's figures."""
    reporting.feed(_events())
    signed = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={"scope": CITY})
    assert signed.status_code == 201, signed.text
    late = Events()
    now = utcnow()
    late.site("H", QUAN_TOAN, D(2021, 5, 1), recorded=now)
    late.dossier("LandDossierLodged", "H", QUAN_TOAN, D(2023, 6, 1), "lodged", recorded=now)
    late.certificate("H", QUAN_TOAN, D(2023, 6, 14), "CS H", recorded=now)
    reporting.publish(late.items)

    def i3_i4(view: dict[str, Any]) -> tuple[tuple[int, int], tuple[int, int]]:
        rows = {row["id"]: row for row in view["indicators"]}
        return ((rows["I3"]["numerator"], rows["I3"]["denominator"]),
                (rows["I4"]["numerator"], rows["I4"]["denominator"]))

    frozen = _json(reporting, "2023-6m", CITY)
    assert i3_i4(frozen) == ((3, PLAN_BASE), (1, PLAN_BASE))
    live = _json(reporting, "2023-6m", CITY, as_of=utcnow().isoformat())
    assert i3_i4(live) == ((4, PLAN_BASE), (2, PLAN_BASE))
    changed = {(d["unit_code"], d["figure"]): (d["frozen"], d["current"])
               for d in frozen["differences"]}
    assert changed == {
        (CITY, "I3.numerator"): (3, 4), (CITY, "I3.value"): (1.26, 1.67),
        (CITY, "I4.numerator"): (1, 2), (CITY, "I4.value"): (0.42, 0.84),
        (HONG_BANG, "I3.numerator"): (1, 2), (HONG_BANG, "I3.denominator"): (1, 2),
        (HONG_BANG, "I4.numerator"): (1, 2), (HONG_BANG, "I4.denominator"): (1, 2),
        (QUAN_TOAN, "I3.numerator"): (1, 2), (QUAN_TOAN, "I3.denominator"): (1, 2),
        (QUAN_TOAN, "I4.numerator"): (1, 2), (QUAN_TOAN, "I4.denominator"): (1, 2),
        (CITY, "sites"): (4, 5), (HONG_BANG, "sites"): (1, 2), (QUAN_TOAN, "sites"): (1, 2),
        (CITY, "sites_with_dossier"): (3, 4),
        # Lodged in the window (15/12/2022-14/06): A, B, C, D, E; D and E in Quán Toan.
        (CITY, "dossiers_lodged"): (5, 6),
        **{(unit, "dossiers_lodged"): (2, 3) for unit in (HONG_BANG, QUAN_TOAN)},
        **{(unit, "sites_with_dossier"): (1, 2) for unit in (HONG_BANG, QUAN_TOAN)},
        **{(unit, key): (1, 2) for unit in (CITY, HONG_BANG, QUAN_TOAN)
           for key in ("sites_with_certificate", "certificates_issued")},
    }, changed
