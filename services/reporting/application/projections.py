"""Projections of the reporting service: every relevant event becomes one fact row.

One projection per source stream (religion, dialogue, indicators). A handler maps the event
to a row, with no reads apart from the stored facts of the subjects a batch touches (their
stock figures per chunk depend on their whole history) and the rare event that names no
unit. What the facts mean is decided by `domain/counting.py`, which both the chunk figures
written here and the reports computed from the facts follow.

A fetched batch is written on the driver's cursor with a few multi-row statements per table
(`shared.driversql`), in the transaction that records the batch's events as processed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from services.reporting.adapters.factsql import FACT_COLUMNS, FactSql
from services.reporting.adapters.tables import (
    dialogue_facts,
    figure_chunks,
    head_sessions,
    indicators_facts,
    plan_events,
    religion_facts,
    source_marks,
    unit_successions,
)
from services.reporting.adapters.units import NO_UNITS, EventUnits, units_of
from services.reporting.application.chunk_figures import (
    ChunkChanges,
    FactRow,
    Units,
    fact_order,
    stored_facts,
    units_key,
)
from services.reporting.application.planprojection import plan_projection
from services.reporting.application.successions import successions_projection
from services.reporting.domain.chunks import chunk_of, chunk_year, head_chunk_of
from services.reporting.domain.counting import (
    MODEL_NOT_RUNNING,
    OUTSIDE_CONTEST_YEAR,
    RETRACTED,
    STOCK_FAMILIES,
    contest_state,
    fact_sign,
    flow_amount,
    flow_figures,
    group_families,
    group_of,
)
from shared.clock import day_vn, in_utc
from shared.consumer import Projection
from shared.corrections import retraction_id
from shared.driversql import in_lists
from shared.envelope import EventEnvelope, as_business_time
from shared.placements import placed_on, re_placed, replacement_id
from shared.planrules import dossier_switch, model_running_on
from shared.rebuild import ReadModels, TableMap

# What a handler extracts from one event; everything else of the row comes from the envelope.
Extract = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class FactRule:
    """How one event type becomes a fact row. A correction (`<Fact>Corrected`,
    shared/corrections.py) has `correcting`: the kind of the fact it states (the corrected
    event's type; None when that is no fact here), which its row is written as."""

    family: str
    subject_field: str
    extract: Extract
    correcting: Callable[[dict[str, Any]], str | None] | None = None


# Per (family, subject) of a family outside the stock groups: the first of its facts by
# (business date, version) that has units, and those units; None: it has none.
First = dict[tuple[str, str], tuple[tuple[date, int], EventUnits] | None]
# The same of a batch's facts: each with units, by (business date, version), with its event id
# (a correction later in the batch may replace it).
BatchFirst = dict[tuple[str, str], list[tuple[tuple[date, int], EventUnits, str]]]


# An event about to be written: envelope, family, subject, extracted values, its own unit, the
# kind of its row, and for a correction the event id it corrects and whether it is void (its
# fact never happened, or is no fact here).
_Extracted = tuple[EventEnvelope, str, str, dict[str, Any], Any, str, str | None, bool]
Stored = dict[tuple[str, str], list[FactRow]]


class FactWriter:
    """The batch handler of one fact projection: the facts, then what they change in the
    chunk figures, the sessions per head and the source's mark, in the batch's transaction.
    It runs for every event of a rebuild, hence the one loop and the caches."""

    def __init__(
        self, source: str, table: Table, rules: dict[str, FactRule], tables: TableMap
    ) -> None:
        self.source = source
        # The tables of one generation (`shared.rebuild`): the live ones, or a rebuild's.
        self.table = tables(table)
        self.chunks = tables(figure_chunks)
        self.sessions = tables(head_sessions)
        self.marks = tables(source_marks)
        self.rules = rules
        # The stock groups of this source: a subject's facts of a group are one history.
        self.stock_groups = frozenset(STOCK_FAMILIES.get(source, ()))
        # The models of a batch with a fact stored (`_known_models`), read as it starts.
        self._known: set[str] = set()
        # The stored contest entries that stood as the batch asked the second time, by the
        # model they present (`_entries_presenting`), and how often it asked.
        self._entries: dict[str, list[FactRow]] | None = None
        self._entry_asks = 0

    def write_batch(self, conn: Connection, envelopes: list[EventEnvelope]) -> None:
        extracted = [self._extract(fact, retracts) for e in envelopes
                     for fact, retracts in facts_of(e) if fact.event_type in self.rules]
        if not extracted:
            return
        sql = FactSql.of(conn, self.table, self.chunks, self.sessions, self.marks)
        self._entries, self._entry_asks = None, 0
        if sql.lock is not None:
            conn.exec_driver_sql(*sql.lock)
        stored: Stored = {}
        for group in self.stock_groups:
            subjects = [item[2] for item in extracted if group_of(item[1]) == group]
            if group == SITE_GROUP:  # the sites a case is placed by (`_site_place`)
                subjects += [site for site in (_case_site(item[3]) for item in extracted)
                             if site]
            if group == MODEL_GROUP:  # the models the entries present (`_model_life`)
                subjects += [model for model in (_entry_model(item[3].get("data"))
                                                 for item in extracted if item[1] == ENTRY_FAMILY)
                             if model]
                self._known = self._known_models(conn, subjects)
            families = group_families(group)
            for subject, found in stored_facts(conn, self.table, families, subjects).items():
                stored[(group, subject)] = found
        params, changes = self._rows(conn, sql, extracted, stored)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            complete, facts = self._marks_before(cursor, sql)
            sql.insert_facts.run(cursor, params)
            if complete:
                stamp = facts + len(params)  # the source's fact count after this batch
                for figures, chunk_rows in changes.rows(self.source, stamp).items():
                    sql.upsert_chunks(figures).run(cursor, chunk_rows)
                if changes.sessions:
                    sql.upsert_head_sessions.run(cursor, sorted(
                        (head, chunk, held, stamp)
                        for (head, chunk), held in changes.sessions.items()))
            latest = max(row[9] for row in params)  # stored times sort as the times do
            cursor.execute(sql.update_marks, (len(params), latest, latest, self.source))
        finally:
            cursor.close()

    def _marks_before(self, cursor: Any, sql: FactSql) -> tuple[bool, int]:
        """Whether the chunk figures hold every fact of this source so far, and how many
        facts it has. A source seen for the first time starts its mark: complete when its
        table is still empty."""
        cursor.execute(sql.mark_complete, (self.source,))
        found = cursor.fetchone()
        if found is None:
            cursor.execute(sql.any_fact)
            complete = cursor.fetchone() is None
            cursor.execute(sql.insert_marks, (self.source, str(uuid.uuid4()), complete))
            cursor.execute(sql.mark_complete, (self.source,))
            found = cursor.fetchone()
        return bool(found[0]), int(found[1])

    def _extract(self, envelope: EventEnvelope, retracts: bool = False) -> _Extracted:
        rule = self.rules[envelope.event_type]
        payload = envelope.payload
        kind, corrects, void, extract = envelope.event_type, None, False, rule.extract
        if rule.correcting is not None:
            # The fact as it should have been, read by the rule of its own kind.
            corrected_kind = rule.correcting(payload)
            corrects = str(payload.get("corrects") or "")
            void = bool(payload.get("void")) or corrected_kind not in self.rules
            if corrected_kind in self.rules:
                kind, extract = corrected_kind, self.rules[corrected_kind].extract
        values = extract(payload)
        if retracts:
            values["effect"] = RETRACTED
        subject = str(values.pop("subject", None) or payload.get(rule.subject_field) or
                      envelope.aggregate_id)[:160]
        return (envelope, rule.family, subject, values, values.pop("unit", None), kind,
                corrects, void)

    def _rows(
        self, conn: Connection, sql: FactSql, extracted: list[_Extracted], stored: Stored
    ) -> tuple[list[tuple[Any, ...]], ChunkChanges]:
        """The parameter rows of the facts, and what they add to the chunk figures."""
        params: list[tuple[Any, ...]] = []
        changes = ChunkChanges()
        touched: Stored = {}
        # Of the subjects whose events name no unit: read from the table in one go.
        stored_first = self._stored_firsts(conn, extracted)
        known = set(self._known)  # the models with a fact so far (`_model_life`)
        batch_first: BatchFirst = {}  # of this batch's facts written so far
        # This batch's rows by event id (index in `params`, the row, its data), and the facts
        # its corrections replaced (stored or of this batch).
        written: dict[str, tuple[int, FactRow, Any]] = {}
        superseded: set[str] = set()
        # The facts of this batch's moves re-placed, by the id of the row each stood in.
        moved: dict[str, str] = {}
        days: dict[datetime, tuple[date, Any, int]] = {}
        keys: dict[EventUnits, Units] = {}
        stock_groups, to_date, to_time = self.stock_groups, sql.date, sql.time
        for envelope, family, subject, values, explicit, kind, corrects, void in extracted:
            occurred = envelope.occurred_at
            day = days.get(occurred)
            if day is None:
                on = day_vn(occurred)
                day = days[occurred] = (on, to_date(on), chunk_of(on))
            on, stored_on, chunk = day
            recorded = envelope.recorded_at.astimezone(UTC)
            event_id = envelope.event_key  # str(event_id), made once (EventEnvelope)
            seq = envelope.aggregate_version
            replaced = None
            if corrects is not None:
                corrects = self._standing_for(conn, corrects, moved, written, (stored, touched))
                replaced = self._supersede(conn, sql, corrects, recorded, params, written,
                                           stored_first, changes)
                if replaced is not None:
                    superseded.add(corrects)
                    seq = replaced.seq  # the right fact stands where the wrong one stood
                    if group_of(replaced.family) in stock_groups:  # its stocks move (void too)
                        touched.setdefault((group_of(replaced.family), replaced.subject), [])
            hint = explicit or envelope.unit_code
            if family in SITE_DATED_FAMILIES:
                hint = self._site_place(family, subject, values, on, (stored, touched),
                                        superseded) or hint
            if hint:
                units = units_of(hint, on)
            elif explicit == "":  # about no unit at all (e.g. a city-wide target)
                units = NO_UNITS
            else:
                units = self._earlier_units(conn, family, subject, (stored, touched),
                                            (stored_first, batch_first), superseded)
            data = values.get("data")
            state = values.get("state")
            amount = values.get("amount")
            due_on = values.get("due_on")
            effect = values.get("effect")
            if state is not None:
                state = str(state)[:60]
            if amount is not None:
                amount = _number(amount)
            if due_on is not None:
                due_on = _date(due_on)
            if family == MODEL_GROUP:
                known.add(subject)
            presented = _presented_model(family, kind, subject, data)
            if presented is not None:  # counted only on a day its model runs
                state = _running_state(state, data, on, _model_life(
                    presented, known, (stored, touched), superseded))
            unit_code, district_code, province_code = units
            # A void correction's row records it and never counts: superseded as it is made.
            params.append((
                event_id, family, kind, subject, effect, state, amount, to_date(due_on),
                stored_on, to_time(recorded), seq, unit_code, district_code, province_code,
                orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode() if data else None,
                to_time(recorded) if void else None,
            ))
            if void:
                if replaced is not None and replaced.family == MODEL_GROUP:
                    # The model never was: its recognitions and entries stop counting.
                    self._model_life_changed(conn, sql, (envelope, replaced.subject, recorded),
                                             known, (stored, touched),
                                             (params, written, superseded), moved,
                                             stored_first, changes)
                continue
            row = FactRow(event_id, family, kind, subject, effect, state, amount, due_on, on,
                          recorded, seq, unit_code, district_code, province_code, None)
            written[event_id] = (len(params) - 1, row, data)
            if units.unit_code is not None and group_of(family) not in stock_groups:
                batch_first.setdefault((family, subject), []).append(
                    ((on, seq), units, event_id))
            group = group_of(family)
            if group in stock_groups:
                touched.setdefault((group, subject), []).append(row)
            self._count_flows(changes, row, data, keys, chunk, 1)
            if (replaced is not None and family in FOLLOWS_REGISTRATION
                    and replaced.unit_code != unit_code):
                self._follow_registration(
                    conn, sql, (envelope, replaced, units, recorded), (stored, touched),
                    (params, written, superseded), moved, stored_first, changes)
            if family == MODEL_GROUP and (kind == MODEL_CLOSED or replaced is not None):
                # A closing or a corrected start: the model's life moved (`_model_life`).
                self._model_life_changed(conn, sql, (envelope, subject, recorded), known,
                                         (stored, touched), (params, written, superseded),
                                         moved, stored_first, changes)
            if family == SITE_GROUP and effect == 1 and unit_code:  # placed (moved) from `on`
                self._replace_site_facts(conn, sql, row, params, written, superseded, moved,
                                         (stored, touched), stored_first, changes)
        for (group, subject), new in touched.items():
            before = stored.get((group, subject), [])
            changes.add_subject(group, before, [r for r in (*before, *new)
                                                if r.event_id not in superseded])
        return params, changes

    def _follow_registration(
        self, conn: Connection, sql: FactSql,
        correction: tuple[EventEnvelope, FactRow, EventUnits, datetime],
        facts: tuple[Stored, Stored],
        batch: tuple[list[tuple[Any, ...]], dict[str, tuple[int, FactRow, Any]], set[str]],
        moved: dict[str, str], stored_first: First, changes: ChunkChanges,
    ) -> None:
        """A registration corrected into another unit takes the facts that hang off it along
        (a model's recognitions: `FOLLOWS_REGISTRATION`): each fact placed by the corrected
        registration stops counting from the correction's recording time, and the same fact
        placed in the right unit counts from then, under an id derived from the correction's
        and its own (`_follow_id`: a replay writes the same rows). A report as of before the
        correction keeps the old placement; the chunk figures move with the rows; a later
        correction of such a fact replaces its restatement (`moved`, `_standing_for`)."""
        envelope, replaced, units, recorded = correction
        superseded = batch[2]
        group = group_of(replaced.family)
        hanging = [row for rows in facts for row in rows.get((group, replaced.subject), ())
                   if row.kind in FOLLOWS_REGISTRATION[replaced.family]
                   and row.unit_code == replaced.unit_code and row.event_id not in superseded]
        hanging += self._naming_registration(conn, replaced, batch)
        for old in sorted({row.event_id: row for row in hanging}.values(), key=fact_order):
            event_id = _follow_id(envelope.event_id, old.event_id)
            if self._restate(conn, sql, old.event_id, event_id, recorded, units, batch, facts,
                             stored_first, changes):
                moved[old.event_id] = event_id

    def _naming_registration(
        self, conn: Connection, replaced: FactRow,
        batch: tuple[list[tuple[Any, ...]], dict[str, tuple[int, FactRow, Any]], set[str]],
    ) -> list[FactRow]:
        """The facts of other subjects that name the corrected registration's subject in
        their data and stand where it stood (a model's contest entries: `FOLLOWS_BY_NAME`),
        stored or of this batch (a replay brings the whole store in one)."""
        _, written, superseded = batch
        found: list[FactRow] = []
        for family, field_name in FOLLOWS_BY_NAME.get(replaced.family, {}).items():
            def names(data: Any, field_name: str = field_name) -> bool:
                return isinstance(data, dict) and data.get(field_name) == replaced.subject
            found += [row for _, row, data in written.values()
                      if row.family == family and row.unit_code == replaced.unit_code
                      and row.event_id not in superseded and names(data)]
            t = self.table
            stored = conn.execute(select(*(t.c[name] for name in FACT_COLUMNS[:-1])).where(
                t.c.family == family, t.c.unit_code == replaced.unit_code,
                t.c.superseded_at.is_(None), t.c.data.is_not(None)))
            found += [row for row in map(_stored_row, stored)
                      if row.event_id not in written and row.event_id not in superseded
                      and row.data is not None and names(orjson.loads(row.data))]
        return found

    def _known_models(self, conn: Connection, models: list[str]) -> set[str]:
        """The models with a fact stored, whether it still stands or not (a model whose
        registration was voided is known, and runs on no day; one reporting has heard
        nothing of is not judged)."""
        t = self.table
        found: set[str] = set()
        for some in in_lists(sorted(set(models))):
            found.update(conn.execute(select(t.c.subject).distinct().where(
                t.c.family == MODEL_GROUP, t.c.subject.in_(some))).scalars())
        return found

    def _model_life_changed(
        self, conn: Connection, sql: FactSql, change: tuple[EventEnvelope, str, datetime],
        known: set[str], facts: tuple[Stored, Stored],
        batch: tuple[list[tuple[Any, ...]], dict[str, tuple[int, FactRow, Any]], set[str]],
        moved: dict[str, str], stored_first: First, changes: ChunkChanges,
    ) -> None:
        """A model's life changed (closed, its start corrected, its registration voided): each
        of its recognitions and contest entries whose day left (or re-entered) the days the
        model runs (`shared.planrules.model_running_on`) stops counting from the change's
        recording time and is restated with the state it now has (`_running_state`), under
        an id derived from the change's and its own (`_life_id`: a replay writes the same
        rows). Facts recorded while the model ran stay facts: a report as of before the
        change counts them as it did; a signed report keeps its figures and lists the change
        after signing, as for a correction."""
        envelope, model, recorded = change
        _, written, superseded = batch
        life = _model_life(model, known, facts, superseded)
        hanging = [row for rows in facts for row in rows.get((MODEL_GROUP, model), ())
                   if row.kind == MODEL_RECOGNISED and row.event_id not in superseded]
        hanging += self._entries_presenting(conn, model, written, superseded)
        for old in sorted({row.event_id: row for row in hanging}.values(), key=fact_order):
            mine = written.get(old.event_id)
            data = mine[2] if mine is not None else orjson.loads(old.data) if old.data else None
            wanted = _running_state(old.state, data, old.business_on, life)
            if wanted == old.state:
                continue
            event_id = _life_id(envelope.event_id, old.event_id)
            units = EventUnits(old.unit_code, old.district_code, old.province_code)
            if self._restate(conn, sql, old.event_id, event_id, recorded, units, batch, facts,
                             stored_first, changes, state=(wanted,)):
                moved[old.event_id] = event_id

    def _entries_presenting(
        self, conn: Connection, model: str, written: dict[str, tuple[int, FactRow, Any]],
        superseded: set[str],
    ) -> list[FactRow]:
        """The contest entries that present `model` and stand, of this batch or stored."""
        found = [row for _, row, data in written.values()
                 if row.family == ENTRY_FAMILY and row.event_id not in superseded
                 and _entry_model(data) == model]
        found += [row for row in self._stored_entries(conn, model)
                  if row.event_id not in written and row.event_id not in superseded]
        return found

    def _stored_entries(self, conn: Connection, model: str) -> list[FactRow]:
        """The stored contest entries presenting `model` that stood when read. The model is
        in the entry's data only: a live batch closing one model finds its entries with one
        LIKE (a scan of the entries); a batch asking again (a rebuild's, closing thousands of
        models) reads every standing entry once and keeps them by model, rather than one scan
        per model (5,000 models closed over 20,000 entries: most of a rebuild's time). The
        rows kept are as a new read would find them: in a batch, stored rows change only by
        being superseded (`_supersede`, named in `superseded`), its own rows are written at
        its end (`written` until then)."""
        self._entry_asks += 1
        t = self.table
        columns = [t.c[name] for name in FACT_COLUMNS[:-1]]
        standing = (t.c.family == ENTRY_FAMILY, t.c.superseded_at.is_(None))
        if self._entry_asks == 1:
            code = orjson.dumps(model).decode()
            for ch in ("\\", "%", "_"):
                code = code.replace(ch, "\\" + ch)
            rows = conn.execute(select(*columns).where(
                *standing, t.c.data.like(f'%"model_id":{code}%', escape="\\")))
            return [row for row in map(_stored_row, rows)
                    if row.data is not None and _entry_model(orjson.loads(row.data)) == model]
        if self._entries is None:
            self._entries = {}
            for row in map(_stored_row, conn.execute(select(*columns).where(*standing))):
                presented = _entry_model(orjson.loads(row.data)) if row.data else None
                if presented is not None:
                    self._entries.setdefault(presented, []).append(row)
        return self._entries.get(model, [])

    def _restate(
        self, conn: Connection, sql: FactSql, fact_id: str, restated_id: str,
        recorded: datetime, units: EventUnits,
        batch: tuple[list[tuple[Any, ...]], dict[str, tuple[int, FactRow, Any]], set[str]],
        facts: tuple[Stored, Stored], stored_first: First, changes: ChunkChanges,
        state: tuple[str | None] | None = None,
    ) -> bool:
        """Fact `fact_id` stops counting from `recorded` (`_supersede`), and the same fact
        counts from then in `units`, as row `restated_id`: a fact a later event placed
        elsewhere (a registration corrected into another unit, a site's move recorded after
        it), or (`state`, given as a 1-tuple) with another state (a model's recognition or
        entry whose day left or re-entered its model's life). A report as of before
        `recorded` keeps the old row; the chunk figures move with the rows. False when it is
        no fact here (or replaced already)."""
        params, written, superseded = batch
        mine = written.get(fact_id)  # of this batch: its text is in its parameters
        old = self._supersede(conn, sql, fact_id, recorded, params, written, stored_first,
                              changes)
        if old is None:
            return False
        superseded.add(fact_id)
        text = params[mine[0]][14] if mine is not None else old.data
        data = mine[2] if mine is not None else orjson.loads(text) if text else None
        unit_code, district_code, province_code = units
        new_state = old.state if state is None else state[0]
        params.append((
            restated_id, old.family, old.kind, old.subject, old.effect, new_state, old.amount,
            sql.date(old.due_on), sql.date(old.business_on), sql.time(recorded), old.seq,
            unit_code, district_code, province_code, text, None,
        ))
        row = old._replace(event_id=restated_id, recorded_at=recorded, unit_code=unit_code,
                           district_code=district_code, province_code=province_code,
                           data=None, state=new_state)
        written[restated_id] = (len(params) - 1, row, data)
        group = group_of(old.family)
        if group in self.stock_groups:
            facts[1].setdefault((group, old.subject), []).append(row)
        self._count_flows(changes, row, data, {}, chunk_of(old.business_on), 1)
        return True

    @staticmethod
    def _site_place(
        family: str, subject: str, values: dict[str, Any], on: date, facts: tuple[Stored, Stored],
        superseded: set[str],
    ) -> str | None:
        """The commune a site's dated fact belongs to: the site's on the fact's date (G21,
        the kernel's `placements.placed_on` over the site's registration and moves written
        before it), whatever commune the event names. A store written before G21 (0405e26)
        holds a lodging, a certificate or a case dated before a move under the commune of the
        day it was recorded; placed here, its facts count where the site was, and a replay
        of that store gives the same. A case's later steps follow where its opening was
        placed. None: no placement known (the event's own unit then)."""
        if family == "compliance":
            site = _case_site(values)
            if site is None:
                if "data" in values:  # opened without a site: its own commune
                    return None
                opened = [row for written in facts for row in written.get((family, subject), ())
                          if row.unit_code is not None and row.event_id not in superseded]
                return min(opened, key=fact_order).unit_code if opened else None
        else:
            site = subject
        return placed_on(_placements(site, facts, superseded), on)

    def _replace_site_facts(
        self, conn: Connection, sql: FactSql, placed: FactRow, params: list[tuple[Any, ...]],
        written: dict[str, tuple[int, FactRow, Any]], superseded: set[str],
        moved: dict[str, str], facts: tuple[Stored, Stored], stored_first: First,
        changes: ChunkChanges,
    ) -> None:
        """A site placed (moved) from `placed`'s day, recorded after dossier or certificate
        facts or compliance cases dated on or after it (finding H2): each such fact now
        placed elsewhere (`placements.re_placed`; a case by the day it was found, its later
        steps with it) is superseded at the move's recording time and restated where the
        site was on its day, as a correction restates a fact (`_supersede`). A report as of
        before the move still counts it in the old commune; a replay writes the same rows
        (`placements.replacement_id`)."""
        site = placed.subject
        rows = [row for written_rows in facts for row in written_rows.get((SITE_GROUP, site), ())
                if row.event_id not in superseded]
        dated = [(row.business_on, row.unit_code, row) for row in rows
                 if row.family in SITE_DATED_FAMILIES]
        placements = _placements(site, facts, superseded)
        found = re_placed(placements, dated, placed.business_on)
        if len(placements) > 1:  # a registration alone re-places nothing
            for opening, commune in re_placed(placements, self._site_cases(
                    conn, site, placed.business_on, facts, written, superseded),
                    placed.business_on):
                found += [(row, commune) for written_rows in facts
                          for row in written_rows.get((CASE_FAMILY, opening.subject), ())
                          if row.event_id not in superseded and row.unit_code != commune]
        recorded = placed.recorded_at
        for row, commune in found:
            event_id = str(replacement_id(placed.event_id, row.event_id))
            if self._restate(conn, sql, row.event_id, event_id, recorded,
                             units_of(commune, row.business_on),
                             (params, written, superseded), facts, stored_first, changes):
                moved[row.event_id] = event_id

    def _site_cases(
        self, conn: Connection, site: str, since: date, facts: tuple[Stored, Stored],
        written: dict[str, tuple[int, FactRow, Any]], superseded: set[str],
    ) -> list[tuple[date, str | None, FactRow]]:
        """The openings of the compliance cases found at `site` on or after `since` that
        stand (their day, unit, row), of this batch or stored. A stored case's facts join
        the batch's stored facts (`facts[0]`), so that its stock figures move with them."""
        stored, touched = facts
        openings = [row for (family, _), rows in touched.items() if family == CASE_FAMILY
                    for row in rows if row.kind == CASE_OPENED and row.event_id in written
                    and _case_site({"data": written[row.event_id][2]}) == site]
        t = self.table
        code = orjson.dumps(site).decode()
        for ch in ("\\", "%", "_"):
            code = code.replace(ch, "\\" + ch)
        query = select(t.c.subject, t.c.data).where(
            t.c.family == CASE_FAMILY, t.c.kind == CASE_OPENED, t.c.business_on >= since,
            t.c.superseded_at.is_(None), t.c.data.like(f'%"site_code":{code}%', escape="\\"))
        cases = {subject for subject, data in conn.execute(query)
                 if _case_site({"data": orjson.loads(data)}) == site}
        new = [case for case in cases if (CASE_FAMILY, case) not in stored]
        for case, rows in stored_facts(conn, self.table, (CASE_FAMILY,), new).items():
            stored[(CASE_FAMILY, case)] = rows
        openings += [row for case in cases for row in stored.get((CASE_FAMILY, case), ())
                     if row.kind == CASE_OPENED]
        return [(row.business_on, row.unit_code, row) for row in
                {row.event_id: row for row in openings}.values()
                if row.event_id not in superseded and row.business_on >= since]

    def _standing_for(
        self, conn: Connection, corrects: str, moved: dict[str, str],
        written: dict[str, tuple[int, FactRow, Any]], facts: tuple[Stored, Stored],
    ) -> str:
        """The row that stands for fact `corrects` now: itself, or where a move recorded
        after it (`_replace_site_facts`) or a correction of its registration
        (`_follow_registration`) restated it, in this batch or an earlier one, so a
        correction of a re-placed fact replaces its restatement."""
        t = self.table
        seen: set[str] = set()
        while corrects not in seen:
            seen.add(corrects)
            if corrects in moved:
                corrects = moved[corrects]
                continue
            if corrects in written:
                return corrects
            found = conn.execute(select(t.c.family, t.c.subject, t.c.superseded_at).where(
                t.c.event_id == corrects)).first()
            group = None if found is None else group_of(found.family)
            if found is None or found.superseded_at is None or (
                    group != SITE_GROUP and group not in FOLLOWS_REGISTRATION):
                return corrects
            at = in_utc(found.superseded_at)
            # What superseded it was recorded then: a move of its site, a correction of its
            # registration (itself superseded since, maybe), or a correction of it (which
            # restates nothing under these ids).
            placings = {row.event_id for written_rows in facts
                        for row in written_rows.get((group, found.subject), ())
                        if row.family == group and row.recorded_at == at}
            placings.update(event_id for event_id, recorded in conn.execute(
                select(t.c.event_id, t.c.recorded_at).where(
                    t.c.family == group, t.c.subject == found.subject))
                if in_utc(recorded) == at)
            ids = sorted({*(str(replacement_id(placing, corrects)) for placing in placings),
                          *(_follow_id(placing, corrects) for placing in placings)})
            known = set(conn.execute(select(t.c.event_id).where(t.c.event_id.in_(ids)))
                        .scalars()) if ids else set()
            restated = [i for i in ids if i in known]
            if not restated:
                return corrects
            corrects = restated[0]
        return corrects

    def _count_flows(
        self, changes: ChunkChanges, row: FactRow, data: Any, keys: dict[EventUnits, Units],
        chunk: int, sign: int,
    ) -> None:
        """What one fact adds to (`sign` 1) or, replaced by a correction, takes from (-1) the
        flow figures of its chunk and the sessions of its heads."""
        changes.touched.add(chunk)
        metrics = flow_figures(self.source, row.kind, row.state, chunk_year(chunk))
        if not metrics:
            return
        units = EventUnits(row.unit_code, row.district_code, row.province_code)
        key = keys.get(units)
        if key is None:
            key = keys[units] = units_key(units)
        sign *= fact_sign(row.effect)  # a retraction counts minus one
        for metric in metrics:
            counted = flow_amount(metric, 1, row.amount)
            if counted:
                changes.add(chunk, key, metric, sign * counted)
        if row.kind == "SessionHeld":
            for head in _heads(data):
                changes.sessions[(head, head_chunk_of(row.business_on))] += sign

    def _supersede(
        self, conn: Connection, sql: FactSql, corrects: str, recorded: datetime,
        params: list[tuple[Any, ...]], written: dict[str, tuple[int, FactRow, Any]],
        stored_first: First, changes: ChunkChanges,
    ) -> FactRow | None:
        """The fact `corrects` stops counting from `recorded` (a row of this batch, or a stored
        one, updated at once so that this batch's later reads see it): its flows are taken
        back. None when it is no fact here (or replaced already)."""
        mine = written.pop(corrects, None)
        if mine is not None:
            index, row, data = mine
            params[index] = (*params[index][:-1], sql.time(recorded))
        else:
            t = self.table
            found = conn.execute(select(*(t.c[name] for name in FACT_COLUMNS[:-1])).where(
                t.c.event_id == corrects, t.c.superseded_at.is_(None))).first()
            if found is None:
                return None
            row = _stored_row(found)
            data = orjson.loads(row.data) if row.data else None
            conn.execute(t.update().where(t.c.event_id == corrects).values(
                superseded_at=recorded))
            if (row.family, row.subject) in stored_first:  # the first may have been it
                del stored_first[(row.family, row.subject)]
                stored_first.update(self._stored_firsts_of(conn, {(row.family, row.subject)}))
        self._count_flows(changes, row, data, {}, chunk_of(row.business_on), -1)
        return row

    def _earlier_units(
        self, conn: Connection, family: str, subject: str, facts: tuple[Stored, Stored],
        firsts: tuple[First, BatchFirst], superseded: set[str],
    ) -> EventUnits:
        """An event without a unit belongs where its subject's earlier events were: the first
        of them by business date that has units, among every fact written before it and not
        replaced by a correction, stored (`facts[0]`, `firsts[0]`) or earlier in this batch
        (`facts[1]`, `firsts[1]`). The same whether the events came one by one or in one
        batch, as a replay brings them."""
        group = group_of(family)
        if group in self.stock_groups:
            placed = [row for written in facts for row in written.get((group, subject), ())
                      if row.unit_code is not None and row.event_id not in superseded]
            if not placed:
                return NO_UNITS
            row = min(placed, key=fact_order)
            return EventUnits(row.unit_code, row.district_code, row.province_code)
        stored_first, batch_first = firsts
        key = (family, subject)
        known = [first for first in (stored_first.get(key), min(
            ((order, units) for order, units, event_id in batch_first.get(key, ())
             if event_id not in superseded), default=None, key=lambda first: first[0]))
            if first]
        return min(known, key=lambda first: first[0])[1] if known else NO_UNITS

    def _stored_firsts(self, conn: Connection, extracted: list[_Extracted]) -> First:
        """For each subject of a family outside the stock groups that an event of the batch
        names no unit for: the first of its stored facts by (business date, version) that has
        units. One read for the batch (an import of an old store names no unit on most of
        its events: a read per subject cost a rebuild a tenth more CPU)."""
        return self._stored_firsts_of(conn, {
            (family, subject) for envelope, family, subject, _, explicit, *_ in extracted
            if not (explicit or envelope.unit_code) and explicit != ""
            and group_of(family) not in self.stock_groups})

    def _stored_firsts_of(self, conn: Connection, wanted: set[tuple[str, str]]) -> First:
        found: First = {}
        if not wanted:
            return found
        t = self.table
        families = sorted({family for family, _ in wanted})
        for some in in_lists(sorted({subject for _, subject in wanted})):
            query = (
                select(t.c.family, t.c.subject, t.c.business_on, t.c.seq, t.c.unit_code,
                       t.c.district_code, t.c.province_code)
                .where(t.c.family.in_(families), t.c.subject.in_(some),
                       t.c.unit_code.is_not(None), t.c.superseded_at.is_(None))
            )
            for family, subject, on, seq, unit, district, province in conn.execute(query):
                key = (family, subject)
                if key not in wanted:
                    continue  # a subject of the list, of another family the batch has
                known = found.get(key)
                if known is None or (on, seq) < known[0]:
                    found[key] = ((on, seq), EventUnits(unit, district, province))
        return found

    def reset(self, conn: Connection) -> None:
        """Drop this source's chunk figures and mark: the replay starts them afresh."""
        conn.execute(self.chunks.delete().where(self.chunks.c.source == self.source))
        conn.execute(self.marks.delete().where(self.marks.c.source == self.source))
        if self.source == "dialogue":
            conn.execute(self.sessions.delete())


# -- corrections (shared/corrections.py) ---------------------------------------------------
# A correction is written as the facts it amounts to, each shaped as the corrected event
# would have been: the corrected fact retracted (True), dated and placed as it was, and the
# fact restated with its right values (False) when it still stands. Their ids come from the
# correction's, so a replay writes the same rows.
Restatements = list[tuple[EventEnvelope, bool]]


def _as_fact(envelope: EventEnvelope, event_type: str, on: str, event_id: Any,
             **payload: Any) -> EventEnvelope:
    return replace(envelope, event_id=event_id, event_type=event_type, payload=payload,
                   occurred_at=as_business_time(date.fromisoformat(on[:10])))


def _session_held_corrected(envelope: EventEnvelope) -> Restatements:
    p = envelope.payload
    session, unit = p.get("session_id"), p.get("unit_code")
    found = [(_as_fact(envelope, "SessionHeld", p["previous_held_on"],
                       retraction_id(envelope.event_id), session_id=session,
                       unit_code=unit, head_ids=p.get("previous_head_ids") or [],
                       held_on=p["previous_held_on"]), True)]
    if not p.get("void") and p.get("held_on"):
        found.append((_as_fact(envelope, "SessionHeld", p["held_on"], envelope.event_id,
                               session_id=session, unit_code=unit,
                               head_ids=p.get("head_ids") or [], held_on=p["held_on"]), False))
    return found


def _session_rescheduled(envelope: EventEnvelope) -> Restatements:
    """A session moved to another day (finding L1): its planning restated on the new day, as
    a correction of the planned date. The planning on `previous_planned_on` is retracted
    (dated and placed as it counted) and the session counts as planned on `planned_on`, from
    the reschedule's recording on: a report as of before it, and a finalised one, keep the
    old day. The event's own business date (the day it was decided) counts for nothing."""
    p = envelope.payload
    session, unit = p.get("session_id"), envelope.unit_code
    return [
        (_as_fact(envelope, "SessionPlanned", p["previous_planned_on"],
                  retraction_id(envelope.event_id), session_id=session, unit_code=unit,
                  planned_on=p["previous_planned_on"]), True),
        (_as_fact(envelope, "SessionPlanned", p["planned_on"], envelope.event_id,
                  session_id=session, unit_code=unit, planned_on=p["planned_on"]), False),
    ]


def _took_office_corrected(envelope: EventEnvelope) -> Restatements:
    p = envelope.payload
    took = {"head_id": p.get("head_id"), "unit_code": p.get("unit_code"), "role": p.get("role"),
            "full_name": p.get("full_name")}
    return [
        (_as_fact(envelope, "HeadTookOffice", p["previous_from_date"],
                  retraction_id(envelope.event_id), **took,
                  from_date=p["previous_from_date"]), True),
        (_as_fact(envelope, "HeadTookOffice", p["from_date"], envelope.event_id, **took,
                  from_date=p["from_date"]), False),
    ]


def _left_office_corrected(envelope: EventEnvelope) -> Restatements:
    # The leaving of the wrong day retracted (a RETRACTED row of kind HeadLeftOffice, which
    # `domain.heads.terms_of` reads as the term reopened), the right one restated (L2).
    p = envelope.payload
    left = {"head_id": p.get("head_id"), "unit_code": p.get("unit_code"), "role": p.get("role")}
    return [
        (_as_fact(envelope, "HeadLeftOffice", p["previous_to_date"],
                  retraction_id(envelope.event_id), **left,
                  to_date=p["previous_to_date"]), True),
        (_as_fact(envelope, "HeadLeftOffice", p["to_date"], envelope.event_id, **left,
                  to_date=p["to_date"]), False),
    ]


# Per source service, its correction events and the facts each amounts to.
_CORRECTIONS: dict[str, dict[str, Callable[[EventEnvelope], Restatements]]] = {
    "dialogue": {"SessionHeldCorrected": _session_held_corrected,
                 "HeadTookOfficeCorrected": _took_office_corrected,
                 "SessionRescheduled": _session_rescheduled,
                 "HeadLeftOfficeCorrected": _left_office_corrected},
}


def facts_of(envelope: EventEnvelope) -> Restatements:
    """The facts one event is written as: itself, or what a correction amounts to."""
    expand = _CORRECTIONS.get(envelope.service, {}).get(envelope.event_type)
    return [(envelope, False)] if expand is None else expand(envelope)


#: The facts that hang off a registration, by the registration's family: placed where it
#: is, they follow a correction of its unit (`FactWriter._follow_registration`).
FOLLOWS_REGISTRATION: dict[str, frozenset[str]] = {"model": frozenset({"ModelRecognised"})}
#: The facts of other subjects that follow a registration too, by the registration's family:
#: their family and the field of their data naming its subject (a contest entry presents a
#: model, and counts where the model is: `FactWriter._naming_registration`).
FOLLOWS_BY_NAME: dict[str, dict[str, str]] = {"model": {"contest": "model_id"}}
_FOLLOW_NAMESPACE = uuid.UUID("6f1d2c1e-3b0a-4f57-9a55-0d8b7e2c4a91")


def _follow_id(correction_id: object, fact_id: object) -> str:
    """The id of the row that restates fact `fact_id` where the registration correction
    `correction_id` puts it (`FactWriter._follow_registration`)."""
    return str(uuid.uuid5(_FOLLOW_NAMESPACE, f"{correction_id}:{fact_id}"))

#: A model's stock group, the kinds of its facts that bound its life or present it on a day,
#: and the family of the contest entries that present it.
MODEL_GROUP, MODEL_CLOSED, MODEL_RECOGNISED = "model", "ModelClosed", "ModelRecognised"
ENTRY_FAMILY, ENTRY_SUBMITTED = "contest", "ContestEntrySubmitted"
_LIFE_NAMESPACE = uuid.UUID("0b5e3f7a-9c21-4d6e-8a43-5f2d1c7e9b60")
#: A model's life as the facts written so far give it: whether any fact of it is known, its
#: start (its registration in force; None once voided) and its closing day.
ModelLife = tuple[bool, date | None, date | None]


def _life_id(change_id: object, fact_id: object) -> str:
    """The id of the row that restates fact `fact_id` with the state a change of its model's
    life gives it (`FactWriter._model_life_changed`)."""
    return str(uuid.uuid5(_LIFE_NAMESPACE, f"{change_id}:{fact_id}"))


def _entry_model(data: Any) -> str | None:
    """The model a contest entry presents (its data names it)."""
    model = data.get("model_id") if isinstance(data, dict) else None
    return str(model) if model else None


def _presented_model(family: str, kind: str, subject: str, data: Any) -> str | None:
    """The model a fact presents on its day (a recognition, a contest entry), if any."""
    if family == MODEL_GROUP and kind == MODEL_RECOGNISED:
        return subject
    if family == ENTRY_FAMILY and kind == ENTRY_SUBMITTED:
        return _entry_model(data)
    return None


def _model_life(model: str, known: set[str], facts: tuple[Stored, Stored],
                superseded: set[str]) -> ModelLife:
    rows = [row for written in facts for row in written.get((MODEL_GROUP, model), ())
            if row.event_id not in superseded]
    started = min((row.business_on for row in rows if row.kind == "ModelRegistered"),
                  default=None)
    closed = min((row.business_on for row in rows if row.kind == MODEL_CLOSED), default=None)
    return model in known, started, closed


def _running_state(state: str | None, data: Any, on: date, life: ModelLife) -> str | None:
    """The state of a recognition or an entry dated `on` by its model's life: not counted
    (`MODEL_NOT_RUNNING`) on a day the model does not run (the kernel's `model_running_on`);
    counted again, with its own state (a recognition's level, an entry's contest year, kept
    in its data), when its day re-enters the life. An entry stored before finding O15 dated
    outside its contest's plan year counts in no period anyway; a model reporting knows
    nothing of is not judged."""
    known, started, closed = life
    if state == OUTSIDE_CONTEST_YEAR or not known:
        return state
    if not model_running_on(started, closed, on):
        return MODEL_NOT_RUNNING
    if state != MODEL_NOT_RUNNING:
        return state
    # A recognition's level, an entry's contest year (`_contest_entry`).
    kept = (data.get("recognition_level") or data.get("contest_year")
            if isinstance(data, dict) else None)
    return str(kept) if kept else None


#: The stock group of a site's own facts, and the families of facts dated at a site.
SITE_GROUP = "site"
SITE_DATED_FAMILIES = frozenset({"dossier", "certificate", "compliance"})
#: A compliance case's family and its opening, which names the site (`_case_site`).
CASE_FAMILY, CASE_OPENED = "compliance", "ComplianceCaseOpened"


def _placements(site: str, facts: tuple[Stored, Stored], superseded: set[str]
                ) -> list[tuple[date, str]]:
    """The site's placements (from which day, which commune): its registration and moves
    among the facts written so far, in their order; a fact a correction replaced no longer
    places the site."""
    rows = sorted((row for written in facts for row in written.get((SITE_GROUP, site), ())
                   if row.family == SITE_GROUP and row.effect == 1 and row.unit_code
                   and row.event_id not in superseded),
                  key=fact_order)
    return [(row.business_on, str(row.unit_code)) for row in rows]


def _case_site(values: dict[str, Any]) -> str | None:
    """The site a compliance case's opening names (its later steps name none)."""
    data = values.get("data")
    site = data.get("site_code") if isinstance(data, dict) else None
    return str(site) if site else None

def _stored_row(values: Any) -> FactRow:
    """A fact row read back (its recording time in UTC, as the batch's rows have it)."""
    row = FactRow._make(values)
    recorded = row.recorded_at
    return row._replace(recorded_at=recorded.replace(tzinfo=UTC) if recorded.tzinfo is None
                        else recorded.astimezone(UTC))


def _heads(data: Any) -> Iterable[str]:
    heads = data.get("head_ids") if isinstance(data, dict) else None
    return [str(h) for h in heads] if isinstance(heads, list) else []


def _same(table: Table) -> Table:
    return table


def _projection(
    name: str, table: Table, rules: dict[str, FactRule], tables: TableMap,
    on_reset: Callable[[], object] | None,
) -> Projection:
    """A projection writing one fact row per event, a fetched batch at a time."""
    writer = FactWriter(name, table, rules, tables)
    # A fact costs tens of microseconds to write: batches of 4,096 still commit within a
    # fraction of the ack wait (~0.3 s). Bigger batches commit less often and add more
    # events to each chunk row they upsert: a rebuild of 1M events ran a fifth faster than
    # with 1,024 (and that a fifth faster than with 256); 8,192 was slower again.
    return FactProjection(name=name, source_service=name, tables=[writer.table],
                          batch_handler=writer.write_batch,
                          batch_event_types=sorted({*rules, *_CORRECTIONS.get(name, {})}),
                          batch_size=4096, writer=writer, on_reset=on_reset)


@dataclass
class FactProjection(Projection):
    """A fact projection; dropping it also drops its chunk figures and forgets every kept
    report (`on_reset`: the service state's), so figures after a rebuild are computed again
    from the replayed facts."""

    writer: FactWriter | None = None
    on_reset: Callable[[], object] | None = None

    def reset(self, conn: Connection) -> None:
        super().reset(conn)
        if self.writer is not None:
            self.writer.reset(conn)
        if self.on_reset is not None:
            self.on_reset()


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _const(**values: Any) -> Extract:
    return lambda _payload: dict(values)


# -- religion ------------------------------------------------------------------------------

def _site_registered(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "amount": p.get("land_area_m2"), "unit": p.get("commune_code"),
            "data": {"name": p.get("name"), "religion": p.get("religion")}}


def _site_amended(p: dict[str, Any]) -> dict[str, Any]:
    changes = p.get("changes") or {}
    moved = isinstance(changes, dict) and "commune_code" in changes
    # A move re-affirms the site under its new commune; other amendments change no figure.
    return {"effect": 1 if moved else None, "unit": p.get("commune_code")}


def _dossier(default_state: str) -> Extract:
    """A dossier step: whether it counts toward I3 from now is the kernel's rule."""
    def extract(p: dict[str, Any]) -> dict[str, Any]:
        state = p.get("state") or default_state
        return {"effect": dossier_switch(str(state)), "state": state}
    return extract


def _case(effect: int, default_state: str) -> Extract:
    return lambda p: {"effect": effect, "state": p.get("state") or default_state,
                      "unit": p.get("commune_code")}


def _case_opened(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "state": "open", "unit": p.get("commune_code"),
            "data": {"violation_type": p.get("violation_type"), "site_code": p.get("site_code")}}


def _certificate_issued(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "amount": p.get("certified_area_m2"),
            "data": {"number": p.get("certificate_number"),
                     "authority": p.get("issuing_authority")}}


def _as_kind(kind: str) -> Callable[[dict[str, Any]], str | None]:
    return lambda _payload: kind


def _corrected_step(p: dict[str, Any]) -> str | None:
    """The kind of a corrected dossier step (none of this projection's for a certificate's
    dossier step: the certificate's own event is the fact)."""
    return str(p.get("corrected_type") or "") or None


_RELIGION_RULES: dict[str, FactRule] = {
    "SiteRegistered": FactRule("site", "code", _site_registered),
    "SiteAmended": FactRule("site", "code", _site_amended),
    "SiteClosed": FactRule("site", "code", _const(effect=0)),
    "DossierPreparationStarted": FactRule(
        "dossier", "site_code", _dossier("in_preparation")),
    "LandDossierLodged": FactRule("dossier", "site_code", _dossier("lodged")),
    "DossierRequisitioned": FactRule(
        "dossier", "site_code", _dossier("requisitioned")),
    "DossierResubmitted": FactRule("dossier", "site_code", _dossier("lodged")),
    "DossierAccepted": FactRule("dossier", "site_code", _dossier("accepted")),
    "DossierRejected": FactRule("dossier", "site_code", _dossier("rejected")),
    "DossierWithdrawn": FactRule("dossier", "site_code", _dossier("withdrawn")),
    "CertificateIssued": FactRule("certificate", "site_code", _certificate_issued),
    "CertificateRevoked": FactRule("certificate", "site_code", _const(effect=0)),
    # Corrections: a row of the corrected fact's kind in its place (`FactWriter._supersede`).
    "SiteRegisteredCorrected": FactRule("site", "code", _const(),
                                        _as_kind("SiteRegistered")),
    "DossierStepCorrected": FactRule("dossier", "site_code", _const(), _corrected_step),
    "CertificateIssuedCorrected": FactRule("certificate", "site_code", _const(),
                                           _as_kind("CertificateIssued")),
    "ComplianceCaseOpened": FactRule("compliance", "case_id", _case_opened),
    "ComplianceCaseReviewStarted": FactRule(
        "compliance", "case_id", _case(1, "under_review")),
    "ComplianceCaseResolved": FactRule("compliance", "case_id", _case(0, "resolved")),
    "ComplianceCaseReferred": FactRule("compliance", "case_id", _case(0, "referred")),
}


# -- dialogue ------------------------------------------------------------------------------

def _head(effect: int) -> Extract:
    return lambda p: {"effect": effect, "state": p.get("role"), "unit": p.get("unit_code")}


def _session_planned(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "planned", "unit": p.get("unit_code"), "data": {"topic": p.get("topic")}}


def _session_held(p: dict[str, Any]) -> dict[str, Any]:
    heads = [str(h) for h in p.get("head_ids") or []]
    return {"state": "held", "unit": p.get("unit_code"), "data": {"head_ids": heads}}


def _session_report(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "reported", "amount": p.get("attendance")}


def _issue(p: dict[str, Any]) -> dict[str, Any]:
    # The text and any citizen detail stay in the dialogue service: figures need neither.
    return {"state": p.get("handling"), "unit": p.get("unit_code"),
            "data": {"category": p.get("category")}}


def _commitment_made(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": "open", "unit": p.get("unit_code"), "due_on": p.get("due_on")}


def _commitment_progress(p: dict[str, Any]) -> dict[str, Any]:
    return {"state": p.get("status") or "in_progress", "amount": p.get("progress_pct")}


def _commitment_reopened(p: dict[str, Any]) -> dict[str, Any]:
    # A reopening may give a new due date: the commitment is overdue only after that one.
    return {"state": "open", "due_on": p.get("due_on")}


def _rule(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": p.get("level"), "amount": p.get("min_sessions_per_year")}


_DIALOGUE_RULES: dict[str, FactRule] = {
    "HeadTookOffice": FactRule("head", "head_id", _head(1)),
    "HeadLeftOffice": FactRule("head", "head_id", _head(0)),
    "SessionPlanned": FactRule("session", "session_id", _session_planned),
    "SessionCancelled": FactRule("session", "session_id", _const(state="cancelled")),
    "SessionHeld": FactRule("session", "session_id", _session_held),
    "SessionReportFiled": FactRule("session", "session_id", _session_report),
    "IssueRaised": FactRule("issue", "issue_id", _issue),
    "CommitmentMade": FactRule("commitment", "commitment_id", _commitment_made),
    "CommitmentProgressUpdated": FactRule(
        "commitment", "commitment_id", _commitment_progress),
    "CommitmentCompleted": FactRule("commitment", "commitment_id", _const(state="done")),
    "CommitmentOverdue": FactRule("commitment", "commitment_id", _const(state="overdue")),
    "CommitmentReopened": FactRule("commitment", "commitment_id", _commitment_reopened),
    "DialogueRuleSet": FactRule("rule", "level", _rule),
}


# -- indicators ----------------------------------------------------------------------------

def _model_registered(p: dict[str, Any]) -> dict[str, Any]:
    return {"effect": 1, "state": p.get("field"), "unit": p.get("unit_code"),
            "data": {"title": p.get("title"), "recognition_level": p.get("recognition_level")}}


def _contest_entry(p: dict[str, Any]) -> dict[str, Any]:
    # The model it presents: the entry follows a correction of the model's commune. Its state
    # is its contest's year: it counts only in that year's reports, on a day the year's data
    # window in force holds (the kernel's rule, finding O15), which a report judges when it
    # counts (`counting.flow_figures`): the window moves with the cut-offs, before or after
    # the entry arrived. The year in the data too: the state says MODEL_NOT_RUNNING while the
    # entry's day is out of its model's life, and gives the year back if the day re-enters it.
    year = contest_state(p.get("contest_year"))
    return {"state": year, "data": {"model_id": p.get("model_id"), "contest_year": year}}


def _model_recognised(p: dict[str, Any]) -> dict[str, Any]:
    # The level in the data too: the state says MODEL_NOT_RUNNING while the recognition's day
    # is out of its model's life, and gives the level back if the day re-enters it.
    level = p.get("recognition_level")
    return {"state": level, "data": {"recognition_level": level}}


def _indicator_defined(p: dict[str, Any]) -> dict[str, Any]:
    # What a report counts by besides the target: the period (I2's window, the pace) and
    # I1's qualifying fields (shared/planrules.py), as the indicators service reads them.
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}", "unit": "",
            "state": p.get("comparator"), "amount": p.get("target"),
            "data": {"name": p.get("name"), "denominator_fixed": p.get("denominator_fixed"),
                     "method": p.get("method"), "scope": p.get("scope_unit_codes") or [],
                     "period_start": p.get("period_start"),
                     "period_end": p.get("period_end"),
                     "qualifying_fields": p.get("qualifying_fields") or []}}


def _reported_figure(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}:{p.get('unit_code')}",
            "unit": p.get("unit_code"), "amount": p.get("numerator"),
            "data": {"denominator": p.get("denominator"), "indicator_id": p.get("indicator_id"),
                     "year": p.get("year")}}


def _status_changed(p: dict[str, Any]) -> dict[str, Any]:
    return {"subject": f"{p.get('indicator_id')}:{p.get('year')}:{p.get('unit_code')}",
            "unit": p.get("unit_code"), "state": p.get("status"), "amount": p.get("value")}


_INDICATORS_RULES: dict[str, FactRule] = {
    "ModelRegistered": FactRule("model", "model_id", _model_registered),
    # A registration in the wrong commune or with the wrong start (G18): the registration
    # as it should have been, in the corrected one's place (`FactWriter._supersede`).
    "ModelRegisteredCorrected": FactRule("model", "model_id", _model_registered,
                                         _as_kind("ModelRegistered")),
    "ModelRecognised": FactRule("model", "model_id", _model_recognised),
    "ModelClosed": FactRule("model", "model_id", _const(effect=0)),
    "ContestEntrySubmitted": FactRule("contest", "entry_id", _contest_entry),
    "IndicatorDefined": FactRule("indicator", "indicator_id", _indicator_defined),
    "ReportedFigureRecorded": FactRule("reported", "indicator_id", _reported_figure),
    "IndicatorStatusChanged": FactRule("status", "indicator_id", _status_changed),
}


# Each source service, the table of its facts and how each of its event types becomes one.
_FACT_SOURCES: tuple[tuple[str, Table, dict[str, FactRule]], ...] = (
    ("religion", religion_facts, _RELIGION_RULES),
    ("dialogue", dialogue_facts, _DIALOGUE_RULES),
    ("indicators", indicators_facts, _INDICATORS_RULES),
)


def all_projections(
    tables: TableMap = _same, live: bool = True, on_reset: Callable[[], object] | None = None
) -> list[Projection]:
    """The three fact projections, the plan's and the recorded successions', writing into
    `tables`' versions of the read models; `on_reset` is called when a fact
    projection is dropped."""
    del live  # the facts are written alike while built beside the live ones
    facts = [_projection(source, table, rules, tables, on_reset)
             for source, table, rules in _FACT_SOURCES]
    return [*facts, plan_projection(tables), successions_projection(tables)]


def read_models(forget_figures: Callable[[], object]) -> ReadModels:
    """What a rebuild builds beside the live tables and switches in (`shared.rebuild`); a
    dropped projection calls `forget_figures` (the service state's kept reports). The frozen
    figures of finalised reports are no read model: they stay."""
    return ReadModels(
        tables=(religion_facts, dialogue_facts, indicators_facts, figure_chunks,
                head_sessions, source_marks, plan_events, unit_successions),
        projections=lambda tables, live: all_projections(tables, live, forget_figures),
    )
