"""The status consequences of one consumed batch, evaluated once per batch.

A consumed event first changes the facts; if it was never evaluated before (see `announce`)
it may then change statuses. Per batch:

* the events already evaluated (a replay) are told apart with one query, and the others
  marked as evaluated;
* I3 and I4 are kept counted (`domain/sitetally.py`): the counts of each evaluation date are
  read once, each event moves them by its one site's part, and the statuses of the units it
  moved are compared with the last announced right away, so a status that passes through
  "chưa đạt" to "đạt" within a batch is announced as it would be event by event; the counts
  rolled up the tree are kept in memory for the next batch, as long as the stamp written with
  them says they are still the database's (`KeptCounts`), and with them (on SQLite) the
  definitions and statuses the batch read, as long as nothing was appended to the event
  store since (`KeptStatuses`);
* the other indicators (I1, I2, the reported ones) are evaluated in full once, at the end of
  the batch, for the units the batch's events can move (and the roots), the change credited
  to the last event that fed them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import uuid4

from sqlalchemy import Connection, Table, func, select

from services.indicators.adapters import sitecounts
from services.indicators.adapters.definitions import load_definitions
from services.indicators.adapters.facts import load_sites
from services.indicators.adapters.tables import evaluated_events
from services.indicators.application.announce import (
    EVERYTHING,
    Statuses,
    business_date,
    evaluate_definition,
    joined_uow,
)
from services.indicators.application.compute import (
    FactCache,
    known_successions,
    scope_tree,
)
from services.indicators.domain.definitions import Definition
from services.indicators.domain.model import IndicatorStatus
from services.indicators.domain.sitetally import (
    GroupCounts,
    SiteHistory,
    SiteTally,
    TreeCounts,
    add_tally,
    site_tally,
)
from shared.adminunits import default_catalogue
from shared.clock import today_vn
from shared.driversql import RowInsert, in_lists, placeholder
from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import EventStore, events_table
from shared.heap import settle_for_batches
from shared.planrules import Status

#: Sites with a fact dated after the evaluation date whose part is worked out again on that
#: date; with more (a year long over, evaluated for a backdated fact), the counts of that
#: date are made from every site's facts instead: the same figures, found slower.
LATE_SITES_LIMIT = 2000

UnitCodes = Callable[[], Iterable[str]] | None
Fed = Callable[[Definition], bool]


class BatchEvaluation:
    def __init__(
        self, conn: Connection, store: EventStore, envelopes: Sequence[EventEnvelope],
        today: date | None = None,
    ) -> None:
        self.conn = conn
        self.today = today or today_vn()
        self.fresh = _not_yet_evaluated(conn, envelopes)
        self.statuses = Statuses(joined_uow(conn, store), deferred=True)
        self._definitions: list[Definition] | None = None
        self._fed: dict[tuple[date, Fed], list[Definition]] = {}
        self._by_event: dict[tuple[int, Fed], tuple[EventEnvelope, list[Definition]]] = {}
        # Deferred full evaluations: definition key -> (definition, hints or None, causation).
        self._pending: dict[str, tuple[Definition, set[str] | None, EventEnvelope]] = {}

    @property
    def definitions(self) -> list[Definition]:
        if self._definitions is None:
            self._definitions = list(load_definitions(self.conn).values())
        return self._definitions

    def adopt(self, kept: KeptStatuses) -> None:
        """The definitions and statuses the last batch left, known to be current."""
        self._definitions = list(kept.definitions)
        self.statuses.adopt(kept.statuses)

    def keep(self, conn: Connection) -> KeptStatuses | None:
        """What the next batch may adopt: only on SQLite, whose writers take turns, so an
        unchanged last position of the event store means nothing was appended in between.
        (PostgreSQL's positions are handed out before their transactions commit, in any
        order: an event committed late can sit below the position read.)"""
        if self._definitions is None or conn.dialect.name != "sqlite":
            return None
        return KeptStatuses(last_position(conn), list(self._definitions),
                            self.statuses.kept())

    def fed_by(
        self, envelope: EventEnvelope, fed: Fed, since: date | None = None
    ) -> list[Definition]:
        """The definitions a fresh event re-evaluates (none for a replayed one). `since`: the
        first day whose counting the event can change, when it is not the event's business
        date (a cut-off moved today changes the days counted in years gone by)."""
        # Asked for each event more than once (when its counts are read, when it moved them).
        mine = self._by_event.get((id(envelope), fed))
        if mine is not None and mine[0] is envelope:
            return mine[1]
        found: list[Definition] = []
        if envelope.event_key in self.fresh:
            happened = since or business_date(envelope)
            key = (happened, fed)
            known = self._fed.get(key)
            if known is None:
                known = self._fed[key] = [
                    d for d in self.definitions
                    # A fact dated after the period moves none of its figures.
                    if fed(d) and d.period_start <= self.today and d.period_end >= happened
                ]
            found = known
        self._by_event[(id(envelope), fed)] = (envelope, found)
        return found

    def later(
        self, envelope: EventEnvelope, fed: Fed, unit_codes: UnitCodes,
        since: date | None = None,
    ) -> None:
        """Evaluate the definitions `fed` at the end of the batch, for the units the facts
        written so far say the event can move (`unit_codes()`, every unit when None);
        `since` as `fed_by`'s."""
        chosen = self.fed_by(envelope, fed, since)
        if not chosen:
            return
        hints = None if unit_codes is None else {c for c in unit_codes() if c}
        for definition in chosen:
            known = self._pending.get(definition.key)
            units: set[str] | None = hints
            if known is not None:
                units = None if known[1] is None or hints is None else known[1] | hints
            self._pending[definition.key] = (definition, units, envelope)

    def flush(self) -> None:
        """Append the announcements made so far (with their outbox rows)."""
        self.statuses.uow.flush()

    def finish(self) -> list[EventEnvelope]:
        """Run the deferred evaluations; the events announced in the whole batch."""
        cache: FactCache = {}
        for definition, units, causation in self._pending.values():
            evaluate_definition(self.statuses, definition, units, cause=causation.event_type,
                                causation=causation, today=self.today, cache=cache)
        self._pending.clear()
        self.flush()
        _mark_evaluated(self.conn, self.fresh)
        return list(self.statuses.uow.appended)


def _not_yet_evaluated(conn: Connection, envelopes: Sequence[EventEnvelope]) -> dict[str, str]:
    """Event id -> source service of the events never evaluated.

    Asked of every consumed batch, on the driver's cursor: SQLAlchemy's expanding IN list
    processed each of a catch-up batch's 2,048 ids in Python before the query ran."""
    ids = {e.event_key: e.service for e in envelopes}
    mark = placeholder(conn.dialect)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for some in in_lists(list(ids)):
            cursor.execute(
                f"SELECT event_id FROM {evaluated_events.name}"
                f" WHERE event_id IN ({', '.join([mark] * len(some))})", some)
            for (event_id,) in cursor.fetchall():
                ids.pop(event_id, None)
    finally:
        cursor.close()
    return ids


_insert_evaluated = RowInsert(evaluated_events)


def _mark_evaluated(conn: Connection, fresh: dict[str, str]) -> None:
    now = utcnow()
    _insert_evaluated.run_many(conn, [
        {"event_id": event_id, "source_service": service, "evaluated_at": now}
        for event_id, service in fresh.items()
    ])


@dataclass(frozen=True)
class SiteTables:
    """The religion facts and their counts, in one generation of the read models."""

    sites: Table
    dossier: Table
    certificate: Table
    counts: Table
    stamp: Table

    def histories(self, conn: Connection, codes: Iterable[str]) -> dict[str, SiteHistory]:
        return sitecounts.load_histories(conn, self.sites, self.dossier, self.certificate,
                                         codes)


def counts_on(
    conn: Connection, tables: SiteTables, scope: tuple[str, ...], on: date
) -> TreeCounts:
    """I3 and I4's counts over `scope` on `on`, from the stored counts (every fact known),
    the part of the sites with a fact after `on` worked out again on `on`."""
    catalogue = default_catalogue()
    t = tables
    late = sitecounts.late_sites(conn, t.sites, t.dossier, t.certificate, on, LATE_SITES_LIMIT)
    groups: GroupCounts = {}
    if late is None:
        for state in load_sites(conn, on, EVERYTHING, t.sites, t.dossier,
                                t.certificate).values():
            add_tally(groups, site_tally(state, catalogue), 1)
    else:
        groups = sitecounts.load_groups(conn, t.counts)
        for history in t.histories(conn, late).values():
            add_tally(groups, site_tally(history.state(), catalogue), -1)
            add_tally(groups, site_tally(history.state(on), catalogue), 1)
    return TreeCounts(scope_tree(scope, on, known_successions(conn, EVERYTHING)), groups)


TreeKey = tuple[tuple[str, ...], date]  # (scope, evaluation date)


@dataclass
class KeptCounts:
    """The trees of counts one projection rolled up in its last batch, kept in this process
    for the next: reading the stored counts and rolling them up a national tree again costs
    more than the rest of a batch.

    Kept only as the stamp its batch wrote with them (`ind_site_counts_stamp`, same
    transaction): a batch uses them only when the stamp it reads is still that one. Another
    process's batch, a rebuild's switch or a reset leave another stamp or none, and a batch
    that failed or rolled back leaves the old one, which is no longer `token` (cleared when
    the batch takes the trees, set again only once its own stamp is written): on any doubt,
    the counts are read from the database again.
    """

    token: str | None = None
    trees: dict[TreeKey, TreeCounts] = field(default_factory=dict)
    statuses: KeptStatuses | None = None

    def take(self, stamp: str | None) -> tuple[dict[TreeKey, TreeCounts], KeptStatuses | None]:
        """The trees and the statuses, if `stamp` says they are the database's; they are no
        longer kept."""
        mine = stamp is not None and stamp == self.token
        found = (self.trees, self.statuses) if mine else ({}, None)
        self.token, self.trees, self.statuses = None, {}, None
        return found


@dataclass(frozen=True)
class KeptStatuses:
    """The definitions and the status aggregates a batch read (announcements included), kept
    for the next batch of the same projection: loading them again (every status's stream
    replayed, a query over every event of the "indicator" streams for the definitions) cost
    a warm batch of 256 events a sixth of its time.

    Adopted only with the counts (`KeptCounts`: the batch that kept them committed, and no
    other batch of facts came since) and when the event store's last position is still
    `position`, read at the end of that batch: nobody appended anything since, neither a
    status (the sweeper, another projection, a replica) nor a definition.
    """

    position: int
    definitions: list[Definition]
    statuses: dict[str, IndicatorStatus]


def last_position(conn: Connection) -> int:
    """The position of the last event appended to this service's store (0: none)."""
    return int(conn.execute(select(func.max(events_table.c.position))).scalar() or 0)


class SiteChanges:
    """I3 and I4 through one batch of religion events: the stored counts kept up to date, and
    (when live) the statuses of the units each fresh event moves.

    Made before the batch's facts are written, with the histories of the batch's sites: the
    counts read are those of the facts before the batch, and each event then moves them.
    """

    def __init__(
        self, conn: Connection, tables: SiteTables, envelopes: Sequence[EventEnvelope],
        site_code: Callable[[EventEnvelope], str], batch: BatchEvaluation | None, fed: Fed,
        kept: KeptCounts | None = None,
    ) -> None:
        self.tables = tables
        self.batch = batch
        self.fed = fed
        self.kept = kept
        self.catalogue = default_catalogue()
        self.stamp = sitecounts.read_stamp(conn, tables.stamp)
        self.histories = tables.histories(conn, {site_code(e) for e in envelopes})
        self.changes: GroupCounts = {}
        # The trees evaluated in this batch, by (scope, evaluation date); read up front, or
        # those the last batch left when the stamp says they are still the database's.
        self.counts: dict[TreeKey, TreeCounts] = {}
        # Units looked at, per definition key (with its tree's key).
        self._looked: dict[str, tuple[TreeKey, set[str]]] = {}
        # Per definition key: its tree's key, its counts and their status of a unit.
        self._trees: dict[str, tuple[TreeKey, TreeCounts, Callable[[str], Status | None]]] = {}
        reusable, statuses = kept.take(self.stamp) if kept is not None else ({}, None)
        recorded = known_successions(conn, EVERYTHING)
        if batch is not None and statuses is not None and (
                statuses.position == last_position(conn)):
            batch.adopt(statuses)
        # The first day each correction can move: the corrected fact's own day when earlier
        # (a step moved into the next year leaves this year's figures).
        self._since: dict[str, date | None] = {}
        days: dict[str, date] | None = None
        for envelope in envelopes:
            corrects = envelope.payload.get("corrects")
            if corrects:
                if days is None:
                    # Made once a correction is met: a catch-up's batches seldom hold one,
                    # and each event's business day is worked out again by `fed_by`.
                    days = {e.event_key: business_date(e) for e in envelopes}
                day = (self.histories[site_code(envelope)].day_of(str(corrects))
                       or days.get(str(corrects)))
                self._since[envelope.event_key] = min(
                    d for d in (day, days[envelope.event_key]) if d is not None)
        if batch is not None:
            evaluated: dict[str, Definition] = {}
            for envelope in envelopes:
                for definition in batch.fed_by(envelope, fed, self.since(envelope)):
                    evaluated[definition.key] = definition
                    key = (definition.scope, definition.evaluation_date(batch.today))
                    if key not in self.counts:
                        found = reusable.get(key)
                        if found is not None and found.tree is not scope_tree(*key, recorded):
                            # Kept before a succession was recorded (or its tree let go):
                            # its placing is not the one of now.
                            found = None
                        self.counts[key] = (found if found is not None
                                            else counts_on(conn, tables, *key))
            self._preload(batch, evaluated.values(), envelopes)
        self._dates: set[date | None] = {None, *(on for _, on in self.counts)}
        # Each site's part as its history stands (`before`).
        self._parts: dict[str, dict[date | None, SiteTally | None]] = {}

    def since(self, envelope: EventEnvelope) -> date | None:
        """The first day `envelope` can move (`BatchEvaluation.fed_by`): a correction's
        earlier of its day and the corrected fact's; None: its business date."""
        return self._since.get(envelope.event_key)

    def _preload(self, batch: BatchEvaluation, definitions: Iterable[Definition],
                 envelopes: Sequence[EventEnvelope]) -> None:
        """The statuses the batch will look at, in one query rather than one per event: the
        roots and the units of every commune the batch's sites were or will be at (a unit
        missed here is loaded when first looked at)."""
        communes = {h.commune() for h in self.histories.values()}
        communes.update(e.payload.get("commune_code") for e in envelopes)
        for definition in definitions:
            tree = self.counts[(definition.scope, definition.evaluation_date(batch.today))].tree
            units = set(tree.roots)
            for code in communes:
                node = tree.place(code, tree.on) if code else None
                if node is not None:
                    units.update(tree.chain(node))
            batch.statuses.preload(definition, units)

    def before(self, code: str) -> dict[date | None, SiteTally | None]:
        """The site's part now, with every fact (None) and on each evaluation date."""
        found = self._parts.get(code)
        if found is None:
            found = self._parts[code] = self.histories[code].tallies(self._dates,
                                                                      self.catalogue)
        return found

    def moved(
        self, envelope: EventEnvelope, code: str, before: dict[date | None, SiteTally | None],
        hints: Iterable[str],
    ) -> None:
        """The event's fact is in the site's history now: move the counts by the site's new
        part, and announce what it changed."""
        # Folded again: the history has the event's fact now. Kept as the site's part until
        # its next fact (the next event of the same site starts from it).
        after = self._parts[code] = self.histories[code].tallies(self._dates, self.catalogue)
        add_tally(self.changes, before[None], -1)
        add_tally(self.changes, after[None], 1)
        moved = {key: counts.move(before[key[1]], after[key[1]])
                 for key, counts in self.counts.items()}
        for tree_key, units_looked in self._looked.values():  # moved: looked at again
            units_looked.difference_update(moved[tree_key])
        if self.batch is None:
            return
        hints = [h for h in hints if h]
        for definition in self.batch.fed_by(envelope, self.fed, self.since(envelope)):
            definition_key = definition.key
            found = self._trees.get(definition_key)
            if found is None:
                on = definition.evaluation_date(self.batch.today)
                counts = self.counts[(definition.scope, on)]
                found = self._trees[definition_key] = (
                    (definition.scope, on), counts, counts.statuses(definition))
            key, counts, status_of = found
            tree, on = counts.tree, key[1]
            # What each event's full evaluation looked at: the roots and the units of the
            # communes it names; and what it moved. A unit already looked at in this batch
            # whose counts (in its definition's tree) have not moved since has the same figure
            # on the same date, so the same status, already announced if it differed: it is
            # not looked at again. The roots are looked at by the first event.
            seen = self._looked.get(definition_key)
            if seen is None:
                looked: set[str] = set()
                self._looked[definition_key] = (key, looked)
                units = set(tree.roots)
            else:
                looked, units = seen[1], set()
            for hint in hints:
                node = tree.place(hint, on)
                if node is not None:
                    units.update(tree.chain(node))
            units -= looked
            units |= moved[key]
            looked.update(units)
            # Most units keep their status: the figure is made (and the status announced)
            # only for those whose status is not the last announced.
            statuses = self.batch.statuses
            changed = [code for code in units
                       if (status := status_of(code)) is not None
                       and status != statuses.last(definition, code)]
            if changed:
                statuses.announce(definition, counts.figures(definition, changed), on,
                                  cause=envelope.event_type, causation=envelope)

    def save(self, conn: Connection) -> None:
        """Write the counts' changes and stamp them; the trees of this batch are kept for the
        next one (only those: a tree this batch did not move no longer matches the facts)."""
        if self.batch is not None:
            self.batch.flush()  # the announcements are in before the last position is read
        sitecounts.save_changes(conn, self.tables.counts, self.changes)
        self.changes = {}
        token = uuid4().hex
        alone = sitecounts.write_stamp(conn, self.tables.stamp, self.stamp, token)
        if self.kept is not None and alone:
            self.kept.token, self.kept.trees = token, dict(self.counts)
            # Read last: the batch's own announcements are in (BatchEvaluation.finish appends
            # none for this projection; if it did, the position would differ next time).
            self.kept.statuses = self.batch.keep(conn) if self.batch is not None else None
            if self.counts:
                # The process's first kept trees end the live path's warm-up (catalogue
                # loaded, national trees rolled up): from here on, a full collection landing
                # in a batch would walk them and every module, ~100 ms or twice a batch's
                # own work; and a batch's objects are collected young less often
                # (shared.heap).
                settle_for_batches()
