"""Figures of a definition on a business date as of a recording time, from the fact tables."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.adapters.facts import (
    load_heads,
    load_models,
    load_reported,
    load_rules,
    load_sessions,
    load_sites,
)
from services.indicators.domain.definitions import Definition
from services.indicators.domain.events import SUCCESSION_EVENT_TYPES
from services.indicators.domain.figures import (
    IndicatorFigures,
    compute_dialogue_heads,
    compute_model_coverage,
    compute_reported,
    compute_sites,
)
from services.indicators.domain.model import UnitSuccessionRecord
from services.indicators.domain.scope import ScopeTree
from shared.adminunits import RecordedSuccession, UnitSuccession, catalogue_with, known_at
from shared.clock import in_utc
from shared.conferencedates import year_data_window
from shared.eventstore import events_table
from shared.planrules import i2_window


@functools.lru_cache(maxsize=64)
def scope_tree(
    roots: tuple[str, ...], on: date, recorded: tuple[UnitSuccession, ...] = ()
) -> ScopeTree:
    """The tree placing facts by the catalogue completed with `recorded` (the successions
    officials recorded, as known at a moment: `known_successions`). The data never changes
    while the process runs and a recording makes another key, so trees are shared: one kept
    before a recording is never used for figures after it."""
    return ScopeTree.build(catalogue_with(recorded), roots, on)


def known_successions(conn: Connection, as_of: datetime) -> tuple[UnitSuccession, ...]:
    """The successions officials recorded (`UnitSuccessionRecorded`, J15, and their
    corrections, `UnitSuccessionCorrected`) that figures as of `as_of` place facts by: the
    kernel's rule (`shared.adminunits.known_at`), as reporting's reports follow it. A handful
    of events, read from the store."""
    e = events_table
    rows = conn.execute(select(e.c.payload, e.c.recorded_at).where(
        e.c.aggregate_type == UnitSuccessionRecord.aggregate_type,
        e.c.event_type.in_(SUCCESSION_EVENT_TYPES)))
    recorded = []
    for payload, recorded_at in rows:
        event = json.loads(payload)
        recorded.append(RecordedSuccession(
            event["predecessor_code"], event["successor_code"],
            date.fromisoformat(event["effective"]), in_utc(recorded_at)))
    return known_at(recorded, as_of)


#: Facts already loaded in this transaction, by (kind, on, as_of): I3 and I4 read the same
#: sites, so an event that moves both loads them once.
FactCache = dict[tuple[str, date, datetime], Any]


def _cached(cache: FactCache | None, kind: str, on: date, as_of: datetime,
            load: Callable[[], Any]) -> Any:
    if cache is None:
        return load()
    key = (kind, on, as_of)
    if key not in cache:
        cache[key] = load()
    return cache[key]


def compute(
    conn: Connection,
    definition: Definition,
    on: date,
    as_of: datetime,
    cache: FactCache | None = None,
) -> IndicatorFigures:
    recorded = _cached(cache, "successions", date.min, as_of,
                       lambda: known_successions(conn, as_of))
    tree = scope_tree(definition.scope, on, recorded)
    method = definition.method
    if method == "model_coverage":
        models = _cached(cache, "models", on, as_of, lambda: load_models(conn, on, as_of))
        return compute_model_coverage(definition, tree, models.values())
    if method == "dialogue_heads":
        # The year's data window as the conference reports count it, by the 12-month
        # cut-offs in force (the moves consumed from reporting's stream): both services
        # judge the same sessions (finding O14).
        moved = _cached(cache, "cutoffs", date.min, as_of,
                        lambda: moved_cutoffs(conn, as_of))
        start, end = i2_window(definition.period_start, definition.period_end, on,
                               year_data_window(definition.year, moved))
        return compute_dialogue_heads(
            definition,
            tree,
            (start, end),
            _cached(cache, "heads", on, as_of, lambda: load_heads(conn, on, as_of)),
            _cached(cache, f"sessions {start}", end, as_of,
                    lambda: load_sessions(conn, start, end, as_of)),
            _cached(cache, "rules", on, as_of, lambda: load_rules(conn, as_of)),
        )
    if method in ("sites_with_dossier", "sites_with_certificate"):
        sites = _cached(cache, "sites", on, as_of, lambda: load_sites(conn, on, as_of))
        return compute_sites(
            definition, tree, sites.values(), certificate=method == "sites_with_certificate"
        )
    return compute_reported(
        definition,
        tree,
        load_reported(conn, definition.indicator_id, definition.year, on, as_of),
    )
