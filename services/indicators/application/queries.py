"""Read-side answers of the indicators service, JSON-ready."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from services.indicators import messages
from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.adapters.definitions import known_indicator_id, load_definitions
from services.indicators.adapters.facts import load_models
from services.indicators.adapters.tables import contest_facts, model_facts
from services.indicators.application.compute import compute, known_successions
from services.indicators.domain.definitions import Definition, indicator_not_found, status_key
from services.indicators.domain.facts import ModelFact, ModelState, fold_models
from services.indicators.domain.figures import TOTAL, IndicatorFigures, UnitFigure
from services.indicators.domain.model import UnitSuccessionRecord
from shared.adminunits import (
    NOT_CURRENT_UNIT,
    AdminUnit,
    UnitCatalogue,
    catalogue_with,
    codes_placed_in,
    default_catalogue,
)
from shared.auth.principal import CITY_SCOPE
from shared.auth.units import covers_during
from shared.clock import format_date_vn, in_utc
from shared.conferencedates import MovedCutoffs, year_data_window
from shared.driversql import in_lists
from shared.envelope import utcnow
from shared.errors import InvalidInput, NotFound
from shared.eventstore import events_table
from shared.planrules import (
    entry_in_contest_year,
    model_running_on,
    pace,
    percent,
    ratio,
    status_of,
    warning_text,
)


@dataclass(frozen=True)
class Moment:
    """When a figure is looked at: facts dated up to `on`, recorded up to `as_of`."""

    on: date
    as_of: datetime


def find_definition(
    conn: Connection, indicator_id: str, year: int, as_of: datetime | None = None
) -> Definition:
    """The definition of `year` an indicator id names, whatever its case ("i3" is I3:
    `known_indicator_id`); 404 INDICATOR_NOT_FOUND when none. Use its `indicator_id` after."""
    definitions = load_definitions(conn, as_of)
    definition = definitions.get((known_indicator_id(definitions, indicator_id, year), year))
    if definition is None:
        raise indicator_not_found(indicator_id, year)
    return definition


def definition_json(definition: Definition) -> dict[str, Any]:
    return {
        "indicator_id": definition.indicator_id,
        "year": definition.year,
        "name": definition.name,
        "method": definition.method,
        "method_label": messages.METHOD_LABELS[definition.method],
        "computed": definition.computed,
        "numerator": definition.numerator_text,
        "denominator": definition.denominator_text,
        "comparator": definition.comparator,
        "comparator_label": messages.COMPARATOR_LABELS[definition.comparator],
        "target_percent": float(definition.target_percent),
        "denominator_fixed": definition.denominator_fixed,
        "scope_unit_codes": list(definition.scope),
        "period_start": definition.period_start.isoformat(),
        "period_end": definition.period_end.isoformat(),
        "period_label": (
            f"{format_date_vn(definition.period_start)} - {format_date_vn(definition.period_end)}"
        ),
        "qualifying_fields": list(definition.qualifying_fields),
        "plan_ref": definition.plan_ref,
    }


def unit_json(unit: AdminUnit | None, code: str) -> dict[str, Any]:
    if unit is None:
        return {"unit_code": code, "unit_name": messages.UNPLACED_UNIT, "level": None}
    return {"unit_code": unit.code, "unit_name": unit.name, "level": unit.level}


def _unit_of(figures: IndicatorFigures, code: str) -> dict[str, Any]:
    """The unit a figure is of; the total of a scope of several units (`TOTAL`) is of them
    all, named by them, not a unit the catalogue cannot place."""
    tree = figures.tree
    if code == TOTAL:
        names = ", ".join(tree.units[root].name for root in tree.roots if root in tree.units)
        return {"unit_code": code, "unit_name": messages.SCOPE_TOTAL.format(units=names),
                "level": None}
    return unit_json(tree.units.get(code), code)


def figure_json(figures: IndicatorFigures, figure: UnitFigure) -> dict[str, Any]:
    definition = figures.definition
    expected = pace(definition.target, definition.period_start, definition.period_end,
                    figures.on)
    return {
        **_unit_of(figures, figure.unit_code),
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "value_percent": percent(figure.value),
        "target_percent": float(definition.target_percent),
        "pace_percent": percent(expected) if definition.comparator == "ge" else None,
        "status": figure.status,
        "status_label": (
            messages.STATUS_LABELS[figure.status] if figure.status else messages.NO_STATUS
        ),
        "register_count": figure.register,
        # A reported indicator's sum: how many of the units directly under the unit have a
        # figure, of how many; null for a unit's own report and every counted indicator.
        "summed_from": None if figure.summed_from is None else figure.summed_from.as_json(),
        "warnings": [
            {"code": code, "message": warning_text(code, figure.numerator, figure.denominator,
                                                   figure.register or 0)}
            for code in figure.warnings
        ],
    }


def figures_view(
    figures: IndicatorFigures, unit_code: str | None, moment: Moment
) -> dict[str, Any]:
    """One unit's figure and the drill-down one level below it."""
    tree = figures.tree
    code = unit_code or (tree.roots[0] if len(tree.roots) == 1 else None)
    if code is None:
        focus = figures.total
        children = [figures.figures[r] for r in tree.roots]
    else:
        if code not in figures.figures:
            raise NotFound(
                "UNIT_NOT_IN_SCOPE",
                messages.UNIT_NOT_IN_SCOPE.format(code=code, on=format_date_vn(figures.on)),
            )
        focus = figures.figures[code]
        children = [figures.figures[k] for k in tree.children.get(code, ())]
    view: dict[str, Any] = {
        "indicator": definition_json(figures.definition),
        "on": figures.on.isoformat(),
        "as_of": moment.as_of.isoformat(),
        "status_rule": messages.STATUS_RULE,
        "unit": figure_json(figures, focus),
        "children": [figure_json(figures, child) for child in children],
    }
    if children:
        # The rows of several roots are the whole total: nothing above them.
        view.update(lines_json(figures, [code] if code is not None else []))
    return view


def lines_json(figures: IndicatorFigures, above: list[str]) -> dict[str, Any]:
    """The lines that make a table's rows add up to its total, counted on `above` (the
    units above the rows): `counted_at_unit_itself`, recorded for those units themselves (a
    district's own heads), and `unattributed`, of facts naming no unit of the figures' day
    (the kernel's `NOT_CURRENT_UNIT`: sites of a commune merged away, its successor
    unrecorded, counted on the unit above it). Each only when it holds anything."""
    own, stray = figures.lines_under(above)
    lines: dict[str, Any] = {}
    if any(own):
        lines["counted_at_unit_itself"] = {"numerator": own[0], "denominator": own[1]}
    if any(stray):
        lines["unattributed"] = {"label": NOT_CURRENT_UNIT, "numerator": stray[0],
                                 "denominator": stray[1]}
    return lines


def reader_total(figures: IndicatorFigures, reader_unit: str | None) -> dict[str, Any] | None:
    """The figure a summary's "total" shows its reader: the definition's whole scope to the
    city (`reader_unit` None), the reader's own unit to a district or commune, as the unit's
    own route defaults to it (`readable_unit`). The whole scope's counts are not a board's to
    read: less its own they are the rest of the city's, refused on every other route (finding
    J4). None when the reader's unit is not among the figures (a definition of other units)."""
    if reader_unit is None:
        return figure_json(figures, figures.total)
    figure = figures.figures.get(reader_unit)
    return figure_json(figures, figure) if figure is not None else None


def year_overview(
    conn: Connection, year: int, as_of: datetime | None,
    moment_of: Callable[[Definition], Moment], reader_unit: str | None = None,
) -> list[dict[str, Any]]:
    """Every indicator of the year as defined at `as_of` (None: now) with the figure its
    reader may read (`reader_total`); `moment_of(definition)` -> Moment."""
    out = []
    for (_, def_year), definition in sorted(load_definitions(conn, as_of).items()):
        if def_year != year:
            continue
        moment = moment_of(definition)
        figures = compute(conn, definition, moment.on, moment.as_of)
        out.append(
            {
                "indicator": definition_json(definition),
                "on": moment.on.isoformat(),
                "total": reader_total(figures, reader_unit),
            }
        )
    return out


def evidence_view(
    figures: IndicatorFigures,
    unit_code: str,
    counts_only: bool,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    if unit_code not in figures.figures:
        raise NotFound(
            "UNIT_NOT_IN_SCOPE",
            messages.UNIT_NOT_IN_SCOPE.format(code=unit_code, on=format_date_vn(figures.on)),
        )
    items = [i for i in figures.evidence_under(unit_code) if i.counts or not counts_only]
    items.sort(key=lambda i: (i.unit_code, i.key))
    return {
        "indicator_id": figures.definition.indicator_id,
        "year": figures.definition.year,
        "unit": figure_json(figures, figures.figures[unit_code]),
        "on": figures.on.isoformat(),
        "total_items": len(items),
        "items": [
            {
                "counted_at": i.unit_code,
                "kind": i.kind,
                "key": i.key,
                "in_numerator": i.counts,
                **i.detail,
            }
            for i in items[offset : offset + limit]
        ],
    }


def restated_view(figures: IndicatorFigures, to: date) -> dict[str, Any]:
    """The communes' figures of the period carried to the units valid on `to` (a derived view:
    the period's figures are not changed). A commune held by several units on `to` is counted
    once, under the first; one the catalogue cannot carry is listed as not carried; what is
    counted above the commune level (e.g. district heads) is shown apart."""
    if to <= figures.on:
        raise InvalidInput(
            "RESTATE_TO_BEFORE_PERIOD",
            messages.RESTATE_TO_BEFORE_PERIOD.format(
                to=format_date_vn(to), on=format_date_vn(figures.on)
            ),
        )
    tree = figures.tree
    catalogue = tree.catalogue  # completed with the successions recorded (`compute`)
    grouped: dict[str, dict[str, Any]] = {}
    unmapped: dict[str, Any] = {"numerator": 0, "denominator": 0, "communes": []}
    for code in tree.communes:
        figure = figures.figures[code]
        successors = catalogue.restate(code, to, on=tree.on)
        if not successors:
            unmapped["numerator"] += figure.own_numerator
            unmapped["denominator"] += figure.own_denominator
            unmapped["communes"].append(code)
            continue
        row = grouped.setdefault(
            successors[0], {"numerator": 0, "denominator": 0, "from": [], "split": []}
        )
        row["numerator"] += figure.own_numerator
        row["denominator"] += figure.own_denominator
        row["from"].append(code)
        if len(successors) > 1:
            row["split"].append({"commune_code": code, "also_in": successors[1:]})
    above = {
        "label": messages.ABOVE_COMMUNE,
        "numerator": sum(f.own_numerator for c, f in figures.figures.items()
                         if tree.units[c].level != "commune"),
        "denominator": sum(f.own_denominator for c, f in figures.figures.items()
                           if tree.units[c].level != "commune"),
    }
    definition = figures.definition
    units = []
    for code, row in sorted(grouped.items()):
        value = ratio(row["numerator"], row["denominator"])
        status = status_of(value, definition.target, definition.comparator,
                           definition.period_start, definition.period_end, figures.on)
        units.append(
            {
                **unit_json(catalogue.get(code, to), code),
                "numerator": row["numerator"],
                "denominator": row["denominator"],
                "value_percent": percent(value),
                "status": status,
                "status_label": messages.STATUS_LABELS[status] if status else messages.NO_STATUS,
                "from_units": row["from"],
                "split": row["split"],
            }
        )
    unmapped["label"] = NOT_CURRENT_UNIT
    return {
        "indicator": definition_json(definition),
        "on": figures.on.isoformat(),
        "restated_to": to.isoformat(),
        "units": units,
        "not_carried": unmapped,
        "above_commune": above,
        "sum": {
            "numerator": sum(u["numerator"] for u in units) + unmapped["numerator"]
            + above["numerator"],
            "denominator": sum(u["denominator"] for u in units) + unmapped["denominator"]
            + above["denominator"],
        },
        "period_total": figure_json(figures, figures.total),
    }


def status_history(conn: Connection, indicator_id: str, year: int, unit_code: str) -> list[
    dict[str, Any]
]:
    rows = conn.execute(
        select(events_table.c.payload, events_table.c.recorded_at, events_table.c.causation_id)
        .where(
            events_table.c.aggregate_type == "indicator",
            events_table.c.aggregate_id == status_key(indicator_id, year, unit_code),
        )
        .order_by(events_table.c.aggregate_version)
    ).all()
    out = []
    for payload, recorded_at, causation in rows:
        data = json.loads(payload)
        out.append(
            {
                **data,
                "status_label": messages.STATUS_LABELS[data["status"]],
                "recorded_at": in_utc(recorded_at).isoformat(),
                "caused_by_event": causation,
            }
        )
    return out


def models_view(
    conn: Connection,
    on: date,
    as_of: datetime,
    unit_code: str | None,
    field: str | None,
    active_only: bool,
    reader_scope: str = CITY_SCOPE,
) -> list[dict[str, Any]]:
    """The register on `on` as known at `as_of`, narrowed to a unit if asked: the models a
    figure of `on` as of `as_of` counts at the unit or under it (I1's drill-down, reporting's
    rows): those of the units it succeeded too, a merged commune's at its successor, by the
    kernel's placement (`codes_placed_in`) over the catalogue completed with the successions
    recorded by `as_of`, as `compute` places them (finding N1: filtered by the model's own
    code, a model of a merged commune left every list, the city's included). And narrowed
    to the models of the reader's scope: those whose unit was the scope's on some day of the
    model's life (shared.auth.units.covers_during), the life the model's own page is read by
    (its start and, if it closed, its closing: as recorded to date, whatever `on`)."""
    catalogue = default_catalogue()
    placed = None if unit_code is None else codes_placed_in(
        catalogue_with(known_successions(conn, as_of)), unit_code, on, below=True)
    lives = {} if reader_scope == CITY_SCOPE else load_models(conn, date.max, utcnow())
    # A board's models: also those its figures and lists count at a unit of its scope (a
    # merged commune's at its successor), placed as known now, as the model's page is read
    # (`catalogue_now`, finding N7).
    scoping = None if reader_scope == CITY_SCOPE else catalogue_now(conn)
    out = []
    for model in sorted(load_models(conn, on, as_of).values(), key=lambda m: m.model_id):
        if field is not None and model.field != field:
            continue
        life = lives.get(model.model_id, model)
        if not covers_during(reader_scope, life.unit_code, life.started_on, life.closed_on,
                             scoping):
            continue
        if active_only and not model.active:
            continue
        if placed is not None and model.unit_code not in placed:
            continue
        unit = catalogue.get(model.unit_code, model.started_on)
        status = "closed" if not model.active else (
            "recognised" if model.recognition_level != "none" else "building"
        )
        out.append(
            {
                "model_id": model.model_id,
                "unit_code": model.unit_code,
                "unit_name": unit.name if unit else None,
                "field": model.field,
                "field_label": messages.FIELD_LABELS.get(model.field, model.field),
                "title": model.title,
                "started_on": model.started_on.isoformat(),
                "recognition_level": model.recognition_level,
                "recognition_label": messages.RECOGNITION_LABELS.get(model.recognition_level),
                "recognised_on": model.recognised_on.isoformat() if model.recognised_on else None,
                "status": status,
                "status_label": messages.MODEL_STATUS_LABELS[status],
                "closed_on": model.closed_on.isoformat() if model.closed_on else None,
            }
        )
    return out


def catalogue_now(conn: Connection) -> UnitCatalogue:
    """The catalogue completed with the successors officials have recorded so far (J15): what
    a board's reads of one record and its lists place records by (`covers_during`)."""
    return catalogue_with(known_successions(conn, utcnow()))


def contest_view(conn: Connection, year: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(contest_facts)
        .where(contest_facts.c.contest_year == year)
        .order_by(contest_facts.c.seq)
    ).all()
    # An entry presents its model where the model's registration in force places it: a
    # correction of the model's commune takes its entries along (as reporting counts them).
    presented = [row.model_id for row in rows if row.kind == "submitted"]
    placed = _registered_units(conn, presented)
    lives, known = _model_lives(conn, presented)
    # The year's data window by the cut-offs in force, as reporting counts (finding O15).
    moved = moved_cutoffs(conn)
    entries: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.kind == "submitted":
            reason = _not_counted(year, row.on_date, row.model_id in known,
                                  lives.get(row.model_id), moved)
            entries[row.entry_id] = {
                "entry_id": row.entry_id,
                "model_id": row.model_id,
                "title": row.title,
                "unit_code": placed.get(row.model_id) or row.unit_code,
                "author": row.author,
                "submitted_on": row.on_date.isoformat(),
                "award": None,
                "award_label": None,
                # Whether the reports count it (reporting's figure `contest_entries`), and
                # why not: an official sees the entries the figures leave out.
                "counted": reason is None,
                "not_counted_reason": reason,
            }
        elif row.entry_id in entries:
            entries[row.entry_id]["award"] = row.award
            entries[row.entry_id]["award_label"] = messages.AWARD_LABELS.get(row.award)
            entries[row.entry_id]["awarded_on"] = row.on_date.isoformat()
    return sorted(entries.values(), key=lambda e: (e["unit_code"], e["entry_id"]))


def _model_lives(conn: Connection, model_ids: list[str]) -> tuple[dict[str, ModelState], set[str]]:
    """The models' lives as recorded to date (`fold_models`: a voided one has none), and the
    models with any fact here (one unknown here is not judged, as reporting does not)."""
    facts: list[ModelFact] = []
    for some in in_lists(sorted(set(model_ids))):
        facts += [ModelFact(*row) for row in conn.execute(
            select(model_facts.c.model_id, model_facts.c.kind, model_facts.c.on_date,
                   model_facts.c.unit_code, model_facts.c.field, model_facts.c.title,
                   model_facts.c.recognition_level)
            .where(model_facts.c.model_id.in_(some)))]
    facts.sort(key=lambda fact: fact.on)  # stable: within a day, as stored
    return fold_models(facts), {fact.model_id for fact in facts}


def _not_counted(year: int, submitted_on: date, known: bool, life: ModelState | None,
                 moved: MovedCutoffs) -> str | None:
    """Why the reports count an entry in no period (None: they count it on its day), by the
    kernel's rules as reporting counts them: dated outside its contest's year's data window
    by the cut-offs in force (`entry_in_contest_year`: an entry of 20/12/2023 came after the
    2023 year report's default cut-off, finding O15), or on a day its model did not run
    (`model_running_on`: before its start, on or after its closing day, or a model whose
    registration was voided)."""
    if not entry_in_contest_year(year, submitted_on, moved):
        first, last = year_data_window(year, moved)
        return messages.ENTRY_NOT_COUNTED_OUTSIDE_YEAR.format(
            year=year, first=format_date_vn(first), last=format_date_vn(last))
    if not known:
        return None
    if life is None:
        return messages.ENTRY_NOT_COUNTED_VOIDED
    if model_running_on(life.started_on, life.closed_on, submitted_on):
        return None
    if submitted_on < life.started_on:
        return messages.ENTRY_NOT_COUNTED_BEFORE_START.format(
            start=format_date_vn(life.started_on))
    assert life.closed_on is not None
    return messages.ENTRY_NOT_COUNTED_CLOSED.format(on=format_date_vn(life.closed_on))


def _registered_units(conn: Connection, model_ids: list[str]) -> dict[str, str]:
    """The unit of each model's registration in force (the last one written: a correction's,
    if corrected)."""
    units: dict[str, str] = {}
    for some in in_lists(sorted(set(model_ids))):
        for model_id, unit_code in conn.execute(
            select(model_facts.c.model_id, model_facts.c.unit_code)
            .where(model_facts.c.model_id.in_(some), model_facts.c.kind == "registered")
            .order_by(model_facts.c.seq)
        ):
            units[model_id] = unit_code
    return units


def labels() -> Mapping[str, Any]:
    return {
        "status": messages.STATUS_LABELS,
        "fields": messages.FIELD_LABELS,
        "recognition_levels": messages.RECOGNITION_LABELS,
        "awards": messages.AWARD_LABELS,
        "status_rule": messages.STATUS_RULE,
    }


def recorded_successions(conn: Connection, codes: list[str]) -> dict[str, dict[str, Any]]:
    """The successors officials recorded (UnitSuccessionRecorded) for these merged codes, read
    from the event store: a few rows, one per completed code, each written by hand. A
    corrected one (UnitSuccessionCorrected) shows its correction, the one in force, with its
    `version` (the If-Match of a next correction)."""
    wanted = set(codes)
    rows = conn.execute(
        select(events_table.c.aggregate_id, events_table.c.aggregate_version,
               events_table.c.payload, events_table.c.actor, events_table.c.recorded_at)
        .where(events_table.c.aggregate_type == UnitSuccessionRecord.aggregate_type)
        .order_by(events_table.c.position)
    ).all()
    return {
        row.aggregate_id: {**json.loads(row.payload), "actor": row.actor,
                           "recorded_at": row.recorded_at.isoformat(),
                           "version": row.aggregate_version}
        for row in rows
        if row.aggregate_id in wanted
    }
