"""Figures of a definition on a business date as of a recording time, from the fact tables."""

from __future__ import annotations

import functools
from datetime import date, datetime

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


@functools.lru_cache(maxsize=64)
def scope_tree(roots: tuple[str, ...], on: date) -> ScopeTree:
    """The catalogue never changes while the process runs, so trees are shared."""
    return ScopeTree.build(default_catalogue(), roots, on)


def compute(
    conn: Connection, definition: Definition, on: date, as_of: datetime
) -> IndicatorFigures:
    tree = scope_tree(definition.scope, on)
    method = definition.method
    if method == "model_coverage":
        return compute_model_coverage(definition, tree, load_models(conn, on, as_of).values())
    if method == "dialogue_heads":
        return compute_dialogue_heads(
            definition,
            tree,
            load_heads(conn, on, as_of),
            load_sessions(conn, definition.period_start, on, as_of),
            load_rules(conn, as_of),
        )
    if method in ("sites_with_dossier", "sites_with_certificate"):
        return compute_sites(
            definition,
            tree,
            load_sites(conn, on, as_of).values(),
            certificate=method == "sites_with_certificate",
        )
    return compute_reported(
        definition,
        tree,
        load_reported(conn, definition.indicator_id, definition.year, on, as_of),
    )
