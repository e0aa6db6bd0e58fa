"""Where a thing that moves was on a day: the one rule of a dated fact's place (G21).

A religious site may move to another commune (an amendment of its register entry, dated).
A fact of the site dated before the move (a dossier lodged, a certificate issued, a
compliance case found) belongs to the commune the site was in that day: it counts in that
commune's report, and who may record it is who had that commune that day. The religion
service places each new fact so (`ReligiousSite.place_on`); a store written before G21
(0405e26) holds such facts under the commune of the day they were recorded, so the read
models place a site's dated facts by this rule over the site's placements rather than
trusting the stored commune (religion's register of cases, reporting's facts).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

Place = TypeVar("Place")


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
