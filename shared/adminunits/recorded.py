"""Successors recorded by officials (`UnitSuccessionRecorded`, J15): THE rule by which both
services' placements follow them.

The catalogue's data does not show the successor of some merged units (`successor_unknown`:
43 of Hai Phong's 50 codes gone on 01/01/2025, its 118 communes gone on 01/07/2025; M2). A
city-level official records one on the indicators service; the event is kept in both
services (the indicators' event store,
reporting's `rpt_unit_successions`) and the data files are never edited. A figure "as of" a
moment places facts by the catalogue completed with the successions recorded by then
(`known_at`, `catalogue_with`): a report as of a time before the recording keeps the old
placement (the district's line «Chưa gắn với đơn vị hành chính hiện hành»), one after it
counts the merged commune's facts at its successor, and a replay gives the same, as the
recording time is the event's own.

A successor recorded wrongly is corrected (`UnitSuccessionCorrected`): a new event, the old one
kept. As of a moment, the latest recorded by then of a predecessor wins, so figures as of a time
between the recording and its correction keep the first successor, and after it the corrected
one; both services read the correction as one more `RecordedSuccession`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from .catalogue import SuccessorWanted, UnitCatalogue, default_catalogue
from .model import UnitSuccession

#: The `basis` of a succession an official recorded (the data's own have theirs, e.g.
#: ``code_persisted``).
RECORDED_BASIS = "recorded"


@dataclass(frozen=True, slots=True)
class RecordedSuccession:
    """One `UnitSuccessionRecorded` or `UnitSuccessionCorrected`: the predecessor ceased the day
    before `effective`, its successor valid from it; `recorded_at`: when the official recorded
    it (a correction: when it was corrected)."""

    predecessor_code: str
    successor_code: str
    effective: date
    recorded_at: datetime

    @property
    def succession(self) -> UnitSuccession:
        return UnitSuccession(self.predecessor_code, self.successor_code, self.effective,
                              "merge", RECORDED_BASIS)


#: Why a recorded succession is not one the catalogue takes: the predecessor's
#: (`UnitCatalogue.successor_wanted` other than ``awaiting``), ``other_day`` (not the day it
#: ceased), ``no_such_successor`` (no unit of that code valid on that day) or
#: ``level_mismatch`` (a successor of another level).
SuccessionRefusal = Literal["no_such_unit", "current", "successor_known", "level_abolished",
                            "other_day", "no_such_successor", "level_mismatch"]


def succession_refusal(
    predecessor_code: str, successor_code: str, effective: date | None = None,
    catalogue: UnitCatalogue | None = None,
) -> SuccessionRefusal | None:
    """Why the catalogue cannot take `successor_code` as the successor of `predecessor_code`
    from `effective`, or None when it can: THE rule of an acceptable succession. The indicators
    service's command refuses by it (mapping each reason to its 422), and `known_at` follows
    only what it accepts, so a stream holding anything else is not followed.

    Accepted: a predecessor awaiting a successor (on the catalogue's `successor_unknown`
    list, its code no longer in use), ceased the day before `effective`, and a successor of
    the same level valid on that day. `effective` None: the day the predecessor ceased (a
    command names no day; it takes the catalogue's)."""
    base = catalogue or default_catalogue()
    wanted: SuccessorWanted = base.successor_wanted(predecessor_code)
    if wanted != "awaiting":
        return wanted
    [*_, predecessor] = base.history(predecessor_code)
    ceased = predecessor.valid_to
    if ceased is None:  # never, once awaiting (it says so for the type checker)
        return "current"
    if effective is not None and effective != ceased:
        return "other_day"
    successor = base.get(successor_code, ceased)
    if successor is None:
        return "no_such_successor"
    if successor.level != predecessor.level:
        return "level_mismatch"
    return None


def known_at(
    recorded: Iterable[RecordedSuccession], as_of: datetime,
    catalogue: UnitCatalogue | None = None,
) -> tuple[UnitSuccession, ...]:
    """The successions that complete the catalogue as known at `as_of`, by predecessor.

    Only those the catalogue can take (`succession_refusal`: what the indicators service's
    command requires; a stream holding anything else is not followed). One per predecessor:
    the latest recorded by `as_of` (the command refuses a second recording, so a later one is
    a correction of it, `UnitSuccessionCorrected`). A correction is stamped after the
    recording it corrects: it loads the recording committed before."""
    recorded = list(recorded)
    if not recorded:
        return ()  # every report asks; most stores have none
    base = catalogue or default_catalogue()
    chosen: dict[str, UnitSuccession] = {}
    for r in sorted(recorded, key=lambda r: (r.recorded_at, r.predecessor_code)):
        if r.recorded_at > as_of or succession_refusal(
                r.predecessor_code, r.successor_code, r.effective, base) is not None:
            continue
        chosen[r.predecessor_code] = r.succession
    return tuple(chosen[code] for code in sorted(chosen))


@functools.lru_cache(maxsize=16)
def catalogue_with(recorded: tuple[UnitSuccession, ...]) -> UnitCatalogue:
    """The default catalogue completed with these recorded successions (`known_at`); the
    catalogue itself when there are none. Kept: a handful of sets is ever asked for."""
    if not recorded:
        return default_catalogue()
    return default_catalogue().with_successions(recorded)
