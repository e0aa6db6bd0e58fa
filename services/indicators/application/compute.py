"""Figures of a definition on a business date as of a recording time, from the fact tables."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from services.indicators.adapters.facts import (
    load_heads,
    load_models,
    load_reported,
    load_rules,
    load_sessions,
    load_sites,
)
from services.indicators.domain.definitions import Definition
from services.indicators.domain.figures import (
    IndicatorFigures,
    compute_dialogue_heads,
    compute_model_coverage,
    compute_reported,
    compute_sites,
)
from services.indicators.domain.scope import ScopeTree
from shared.adminunits import default_catalogue
from shared.planrules import i2_window


@functools.lru_cache(maxsize=64)
def scope_tree(roots: tuple[str, ...], on: date) -> ScopeTree:
    """The catalogue never changes while the process runs, so trees are shared."""
    return ScopeTree.build(default_catalogue(), roots, on)


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
    tree = scope_tree(definition.scope, on)
    method = definition.method
    if method == "model_coverage":
        models = _cached(cache, "models", on, as_of, lambda: load_models(conn, on, as_of))
        return compute_model_coverage(definition, tree, models.values())
    if method == "dialogue_heads":
        start, end = i2_window(definition.period_start, definition.period_end, on)
        return compute_dialogue_heads(
            definition,
            tree,
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
