"""Where a thing that moves was on a day: the one rule of a dated fact's place (G21).

A religious site may move to another commune (an amendment of its register entry, dated).
A fact of the site dated before the move (a dossier lodged, a certificate issued, a
compliance case found) belongs to the commune the site was in that day: it counts in that
commune's report, and who may record it is who had that commune that day. The religion
service places each new fact so (`ReligiousSite.place_on`); a store written before G21
(0405e26) holds such facts under the commune of the day they were recorded, so the read
models place a site's dated facts by this rule over the site's placements rather than
trusting the stored commune (religion's register of cases, reporting's facts).

A move may also be recorded after facts dated on or after it (a desk enters a merger weeks
after it was decided; finding H2): those facts then belong to the new commune. A read model
that stored a fact's place re-places it when it folds the move (`re_placed`), keeping the
old placement readable "as of" before the move was recorded (reporting: superseded and
restated, `replacement_id`, as a correction is); one that places a site's facts by the
site's placement when it reads them needs nothing more.

Pure: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TypeVar

Place = TypeVar("Place")
Fact = TypeVar("Fact")

# Its own namespace: a restatement's id never collides with an event's or a retraction's.
_REPLACEMENT_NAMESPACE = uuid.UUID("2b7f0e4a-9c61-5d3e-8a15-4e0c9f7d6b23")


def placed_on(placements: Sequence[tuple[date, Place]], on: date) -> Place | None:
    """The place of the last placement dated on or before `on`, of `placements` (from which
    day, where) in their order (a move is dated after every earlier placement). A day before
    the first placement (nothing is recorded of a site before it is registered): the first.
    None when there is none."""
    if not placements:
        return None
    place = placements[0][1]
    for since, where in placements:
        if since > on:
            break
        place = where
    return place


def re_placed(
    placements: Sequence[tuple[date, Place]], facts: Iterable[tuple[date, Place, Fact]],
    since: date,
) -> list[tuple[Fact, Place]]:
    """The facts (their day, where they are placed, the fact) dated on or after `since` (the
    day a placement of `placements` begins) that `placed_on` now puts elsewhere, each with
    where it belongs. A move recorded after a fact dated on or after it moves that fact with
    the site; a fact dated before it stays where it was."""
    found: list[tuple[Fact, Place]] = []
    for on, where, fact in facts:
        if on < since:
            continue
        place = placed_on(placements, on)
        if place is not None and place != where:
            found.append((fact, place))
    return found


def replacement_id(placement_id: object, fact_id: object) -> uuid.UUID:
    """The id of the row that restates fact `fact_id` where the placement `placement_id`
    (recorded after it) puts it: derived from both, so a replay writes the same row."""
    return uuid.uuid5(_REPLACEMENT_NAMESPACE, f"{placement_id}:{fact_id}")
