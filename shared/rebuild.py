"""Read models rebuilt beside the live ones, and switched in when they have caught up.

A rebuild makes a new GENERATION of a service's read-model tables: shadow tables
(`<table>__g<N>`) fed from each source stream's start by durable consumers of their own
(`<durable>-g<N>`), while the live tables and their consumers go on serving and being fed.
When every consumer of the new generation has caught up with its stream, one transaction
drops the live tables and renames the shadows in their place: a reader sees the old figures
or the new ones, never a half-built projection, and never an empty one. The new generation's
consumers go on feeding the tables under their live names; the old generation's write
nothing any more and are removed.

Where a generation writes is read by each of its batches inside the batch's transaction, from
`read_model_generations` (locked FOR SHARE on PostgreSQL; SQLite's writers queue at BEGIN),
and the switch changes that table in the transaction that renames the tables: a batch either
committed before the switch (its rows move with their table) or begins after it and writes
under the new names. Replicas share the durables and this table: any one of them may switch,
the others follow at their next look (`WATCH_INTERVAL_S`).

A generation whose consumer meets an event of a schema version newer than the service knows
(its publisher upgraded first) stops there with it (shared/consumer.py): it never catches up,
so it is never switched in short; its status says where it is held (`held`, code
EVENT_SCHEMA_TOO_NEW), and it goes on when the service is started upgraded.

Events are never deleted, so a generation that caught up with its streams yet applied fewer
events from a source than the live generation had is looking at a stream that lost data (its
NATS store wiped, the stream recreated or restored from an older backup): it is refused, not
switched in (`fewer_than_live`), and the live tables stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import DropTable
from sqlalchemy.sql.elements import quoted_name

from shared import messages
from shared.clock import iso_or_none
from shared.consumer import (
    BatchHandler,
    ConsumerRunner,
    Handler,
    Projection,
    processed_events_table,
)
from shared.db import UtcDateTime, one_at_a_time, read_connection
from shared.envelope import EventEnvelope, utcnow
from shared.errors import NoRebuildInProgress, RebuildInProgress, RebuildNotFound
from shared.logs import get_logger
from shared.natsconn import NatsLink
from shared.requestbound import service_work
from shared.streams import durable_drained, stream_exists

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

log = get_logger("danvan.rebuild")

WATCH_INTERVAL_S = 0.5
FIRST = 1  # the generation of tables built by the migrations: its durables keep their names
BUILDING, LIVE, RETIRED, ABANDONED = "building", "live", "retired", "abandoned"
# Caught up with its streams, but with fewer events from a source than the live generation:
# not switched in (`fewer_than_live`).
REFUSED = "refused"
REFUSED_CODE = "REBUILD_FEWER_EVENTS"

# An index marked `info={AFTER_LOAD: True}` is left off a generation's tables while they are
# built: one a bulk load of events at random places would pay for on every insert, while the
# live tables keep it. On PostgreSQL it is made on them once they have caught up, before the
# switch (`ShadowTables.make_after_load`), so the switch's locks are not held while it is
# built; SQLite makes it at the switch, which makes every index again anyway
# (`ShadowTables.put_in_place`).
AFTER_LOAD = "danvan_index_after_load"

rebuild_metadata = MetaData()

# One row per generation of the service's read models that was ever live or built. At most one
# is `building`; the `live` one (generation 1 when there is no row) is what readers read.
generations_table = Table(
    "read_model_generations",
    rebuild_metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("state", String(12), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("switched_at", UtcDateTime()),
    # At the switch: per consumer, the events applied and the stream position reached (JSON).
    Column("progress", Text),
)

TableMap = Callable[[Table], Table]
# The service's projections writing into the tables `tables` maps the live ones to; `live` is
# False while they are built beside the live ones (a projection that also acts on what it
# reads, like announcing a status, does so only when live).
ProjectionsOver = Callable[[TableMap, bool], list[Projection]]
RunnerFor = Callable[[Projection], ConsumerRunner]


@dataclass(frozen=True)
class ReadModels:
    """What a service rebuilds by generations: its read-model tables and its projections."""

    tables: Sequence[Table]
    projections: ProjectionsOver
    # Run once by the replica that switched, after the switch (e.g. announce what the new
    # tables say and the old ones had missed).
    after_switch: Callable[[ServiceRuntime], object] | None = None


def _same(table: Table) -> Table:
    return table


def fewer_than_live(
    progress: Sequence[dict[str, Any]], live_applied: Sequence[int]
) -> list[dict[str, Any]]:
    """The consumers of a generation being built that applied fewer events than the live
    generation's consumer of the same projection (`live_applied`, in the same order). Each
    progress item gets `live_events_applied`. Events are never deleted: a source stream that
    gave a replay fewer events than it gave the live tables has lost some."""
    short = []
    for item, live in zip(progress, live_applied, strict=True):
        item["live_events_applied"] = live
        if int(item.get("events_applied", 0)) < live:
            short.append(item)
    return short


def refusal(generation: int, consumers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Why a generation was refused (the status of a `refused` rebuild)."""
    short = [c for c in consumers
             if int(c.get("events_applied", 0)) < int(c.get("live_events_applied", 0))]
    streams = ", ".join(sorted({str(c.get("stream", c.get("consumer"))) for c in short}))
    return {"code": REFUSED_CODE,
            "message": messages.REBUILD_FEWER_EVENTS.format(generation=generation,
                                                            streams=streams)}


def durable_suffix(generation: int) -> str:
    return "" if generation == FIRST else f"-g{generation}"


def current_generations(conn: Connection, lock: bool = False) -> tuple[int, int | None]:
    """(live generation, building generation or None), as this transaction sees them. With
    `lock`, the rows are held FOR SHARE until it ends: a switch waits for it."""
    query = select(generations_table.c.generation, generations_table.c.state).where(
        generations_table.c.state.in_((LIVE, BUILDING)))
    if lock:
        query = query.with_for_update(read=True)
    live, building = FIRST, None
    for generation, state in conn.execute(query):
        if state == LIVE:
            live = int(generation)
        else:
            building = int(generation)
    return live, building


class ShadowTables:
    """The tables of a generation while it is built: clones of the live tables under other
    names, with their own index names (index names are per schema on PostgreSQL, per database
    on SQLite), without the indexes made after the load (`AFTER_LOAD`)."""

    def __init__(self, tables: Sequence[Table], generation: int) -> None:
        self.generation = generation
        self.suffix = f"__g{generation}"
        self.metadata = MetaData()
        self.by_live: dict[str, Table] = {}
        self.after_load: list[Index] = []
        for table in tables:
            clone = table.to_metadata(self.metadata, name=table.name + self.suffix)
            # Named indexes keep their name in a clone; those named after their table
            # (`index=True`) are named after the clone already.
            named = {index.name for index in table.indexes}
            # (A clone's indexes do not keep their `info`: known by the live ones' names.)
            after_load = {index.name for index in table.indexes if index.info.get(AFTER_LOAD)}
            for index in list(clone.indexes):
                if index.name in after_load:
                    # Off the clone (not made with it) but kept, on it, to be made later.
                    clone.indexes.discard(index)
                    self.after_load.append(index)
                if index.name in named:
                    index.name = quoted_name(f"{index.name}{self.suffix}", None)
            self.by_live[table.name] = clone

    def of(self, table: Table) -> Table:
        return self.by_live[table.name]

    def create(self, conn: Connection) -> None:
        # A generation's number is never reused and its tables commit with its row, so none
        # should exist; one left behind by hand is dropped rather than built upon.
        for table in reversed(list(self.by_live.values())):
            conn.execute(DropTable(table, if_exists=True))
        self.metadata.create_all(conn)

    def make_after_load(self, conn: Connection) -> None:
        """The indexes left off while the tables were loaded, made on them under their
        generation's names (renamed with the tables at the switch). Those already made are
        left as they are."""
        for index in self.after_load:
            index.create(conn, checkfirst=True)

    def put_in_place(self, conn: Connection, live: Table) -> None:
        """Drop the live table and give its name, and its indexes' names, to the clone; the
        indexes made after the load are made now if they were not before (the switched-in
        tables have every index the migrations build)."""
        clone = self.of(live)
        quote = conn.dialect.identifier_preparer.quote
        conn.execute(DropTable(live, if_exists=True))
        conn.execute(text(f"ALTER TABLE {quote(clone.name)} RENAME TO {quote(live.name)}"))
        if conn.dialect.name == "postgresql":
            self._rename_postgresql(conn, clone.name, live.name)
            for index in live.indexes:
                if index.info.get(AFTER_LOAD):
                    index.create(conn, checkfirst=True)
            return
        # SQLite renames the indexes of keys with their table but has no ALTER INDEX:
        # the named ones are made again under the live table's names (with those made after
        # the load).
        for index in clone.indexes:
            conn.execute(text(f"DROP INDEX {quote(str(index.name))}"))
        for index in live.indexes:
            index.create(conn)

    def _rename_postgresql(self, conn: Connection, shadow: str, live: str) -> None:
        """Indexes (keys' too) and owned sequences renamed as the live table had them."""
        found = conn.execute(text(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid"
            " WHERE i.indrelid = CAST(:t AS regclass)"
            " UNION ALL SELECT c.relname, c.relkind FROM pg_class c"
            " JOIN pg_depend d ON d.objid = c.oid"
            " WHERE c.relkind = 'S' AND d.refobjid = CAST(:t AS regclass)"
            " AND d.deptype IN ('a', 'i')"), {"t": live}).all()
        quote = conn.dialect.identifier_preparer.quote
        for name, kind in found:
            wanted = name.replace(shadow, live)
            if wanted.endswith(self.suffix):
                wanted = wanted[: -len(self.suffix)]
            if wanted != name:
                what = "SEQUENCE" if kind == "S" else "INDEX"
                conn.execute(text(f"ALTER {what} {quote(name)} RENAME TO {quote(wanted)}"))


class _Target:
    """Which projection of a generation a batch writes through, decided once per transaction
    from the generations table."""

    KEY = "danvan_read_model_target"

    def __init__(self, generation: int, live: Projection, shadow: Projection) -> None:
        self.generation = generation
        self.live = live
        self.shadow = shadow

    def __call__(self, conn: Connection) -> Projection | None:
        transaction = conn.get_transaction()
        cached = conn.info.get(self.KEY)
        if cached is not None and cached[0] is transaction and cached[1] is self:
            chosen: Projection | None = cached[2]
            return chosen
        live, building = current_generations(conn, lock=True)
        if self.generation == live:
            chosen = self.live
        elif self.generation == building:
            chosen = self.shadow
        else:
            chosen = None  # a retired generation: its tables are gone, its durable going
        conn.info[self.KEY] = (transaction, self, chosen)
        return chosen


def _generational(generation: int, live: Projection, shadow: Projection) -> Projection:
    """One projection of a generation: it writes through `shadow` while its generation is
    being built, through `live` once switched in, and nothing once retired."""
    target = _Target(generation, live, shadow)

    def handler_for(event_type: str) -> Handler:
        def handle(conn: Connection, envelope: EventEnvelope) -> None:
            chosen = target(conn)
            if chosen is not None:
                chosen.handlers[event_type](conn, envelope)

        return handle

    batch_handler: BatchHandler | None = None
    if live.batch_handler is not None:
        def write_batch(
            conn: Connection, envelopes: list[EventEnvelope]
        ) -> Sequence[EventEnvelope] | None:
            chosen = target(conn)
            if chosen is not None and chosen.batch_handler is not None:
                return chosen.batch_handler(conn, envelopes)
            return None

        batch_handler = write_batch
    return Projection(
        name=live.name + durable_suffix(generation),
        source_service=live.source_service,
        handlers={event_type: handler_for(event_type) for event_type in live.handlers},
        batch_handler=batch_handler,
        batch_event_types=live.batch_event_types,
        batch_size=live.batch_size,
    )


@dataclass
class _Running:
    generation: int
    runners: list[ConsumerRunner]
    stop: asyncio.Event
    tasks: list[asyncio.Task[None]]


class ReadModelRebuilds:
    """The generations of one service's read models in this process: the consumers of the
    live one (and of one being built), the start of a rebuild, its progress and its switch."""

    def __init__(
        self, runtime: ServiceRuntime, read_models: ReadModels, runner_for: RunnerFor
    ) -> None:
        self._runtime = runtime
        self._engine: Engine = runtime.engine
        self._link: NatsLink = runtime.link
        self._service: str = runtime.settings.service
        self._models = read_models
        self._runner_for = runner_for
        self._shadows: dict[int, ShadowTables] = {}
        self.live = self._runners(FIRST)
        self.building: _Running | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.last_switch_s: float | None = None  # how long this process's last switch took
        # The watch and the requests take turns at starting and stopping consumers.
        self._turns = asyncio.Lock()

    # -- generations ------------------------------------------------------------------------

    def shadows(self, generation: int) -> ShadowTables:
        found = self._shadows.get(generation)
        if found is None:
            found = self._shadows[generation] = ShadowTables(self._models.tables, generation)
        return found

    def _runners(self, generation: int) -> _Running:
        over_live = self._models.projections(_same, True)
        over_shadow = self._models.projections(self.shadows(generation).of, False)
        runners = [self._runner_for(_generational(generation, live, shadow))
                   for live, shadow in zip(over_live, over_shadow, strict=True)]
        return _Running(generation, runners, asyncio.Event(), [])

    def _read(self) -> tuple[int, int | None]:
        with read_connection(self._engine) as conn:
            return current_generations(conn)

    async def start(self) -> None:
        """Consumers for the live generation and for one being built (read from the database:
        another replica may have switched or begun a rebuild while this one was down)."""
        live, building = await asyncio.to_thread(self._read)
        if live != self.live.generation:
            self.live = self._runners(live)
        self._run(self.live)
        if building is not None:
            self.building = self._runners(building)
            self._run(self.building)
        self._stop = asyncio.Event()
        self._turns = asyncio.Lock()
        self._watch_task = asyncio.create_task(self._watch())

    def _run(self, running: _Running) -> None:
        running.stop = asyncio.Event()
        # Its consumers' calls are bound by the service work's wait (a stopped backend), not by
        # the request that began a rebuild (shared/requestbound.py).
        with service_work(self._runtime.settings.database_work_wait_s):
            running.tasks = [asyncio.create_task(r.run(running.stop)) for r in running.runners]

    async def _halt(self, running: _Running | None) -> None:
        if running is None or not running.tasks:
            return
        # Graceful: a batch being applied finishes and commits before its task ends.
        running.stop.set()
        _, pending = await asyncio.wait(running.tasks, timeout=10.0)
        for task in pending:
            task.cancel()
        for task in running.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        running.tasks = []

    async def stop(self) -> None:
        self._stop.set()
        if self._watch_task is not None:
            # A switch under way finishes (its adoption and clean-up too) before the stop.
            _, pending = await asyncio.wait([self._watch_task], timeout=15.0)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch_task
            self._watch_task = None
        await self._halt(self.building)
        await self._halt(self.live)

    # -- a rebuild --------------------------------------------------------------------------

    async def begin(self, requested_by: str) -> dict[str, Any]:
        """Start building a new generation beside the live one; a clear refusal while one is
        being built already (here or on another replica)."""
        generation = await asyncio.to_thread(self._begin, requested_by)
        log.info("rebuild_started", service=self._service, generation=generation,
                 requested_by=requested_by)
        async with self._turns:
            await self._follow()
        return await self.status(generation)

    async def abandon(self, requested_by: str) -> dict[str, Any]:
        """Give up the rebuild under way (its tables, consumers and records go); the live
        generation is left as it is."""
        generation = await asyncio.to_thread(self._abandon)
        log.warning("rebuild_abandoned", service=self._service, generation=generation,
                    requested_by=requested_by)
        async with self._turns:
            await self._follow()
            await self._clear(self._runners(generation))
        return await self.status(generation)

    def _abandon(self) -> int:
        building = self._give_up(None, ABANDONED)
        if building is None:
            raise NoRebuildInProgress()
        return building

    def _give_up(
        self, generation: int | None, state: str, progress: list[dict[str, Any]] | None = None
    ) -> int | None:
        """Drop the tables of the generation being built (`generation`, or whichever when
        None) and record it as `state`; None when no such generation is being built."""
        with self._engine.begin() as conn:
            self._serialise(conn)
            # Waits for the batches under way; later ones find their generation given up.
            conn.execute(select(generations_table.c.generation).with_for_update()).all()
            _, building = current_generations(conn)
            if building is None or generation not in (None, building):
                return None
            shadows = self.shadows(building)
            self._lock_tables(conn, [shadows.of(t) for t in self._models.tables])
            for table in reversed(list(self._models.tables)):
                conn.execute(DropTable(shadows.of(table), if_exists=True))
            values: dict[str, Any] = {"state": state, "switched_at": None}
            if progress is not None:
                values["progress"] = json.dumps(progress)
            conn.execute(update(generations_table)
                         .where(generations_table.c.generation == building)
                         .values(**values))
        return building

    def _begin(self, requested_by: str) -> int:
        with self._engine.begin() as conn:
            self._serialise(conn)
            rows = conn.execute(select(generations_table).with_for_update()).mappings().all()
            building = [r for r in rows if r["state"] == BUILDING]
            if building:
                raise RebuildInProgress(int(building[0]["generation"]),
                                        building[0]["started_at"])
            now = utcnow()
            if not any(r["state"] == LIVE for r in rows):
                # The tables the migrations built: generation 1, live until now without a row.
                conn.execute(insert(generations_table).values(
                    generation=FIRST, state=LIVE, requested_by="migrations", started_at=now,
                    switched_at=now))
            generation = max([FIRST, *(int(r["generation"]) for r in rows)]) + 1
            self.shadows(generation).create(conn)
            conn.execute(insert(generations_table).values(
                generation=generation, state=BUILDING, requested_by=requested_by[:200],
                started_at=now))
        return generation

    def _serialise(self, conn: Connection) -> None:
        """Beginnings and switches of a service's rebuilds, one at a time across replicas
        (SQLite's writers queue at BEGIN already)."""
        one_at_a_time(conn, f"danvan-rebuild-{self._service}")

    async def _watch(self) -> None:
        failing = False
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=WATCH_INTERVAL_S)
            if self._stop.is_set():
                return
            try:
                async with self._turns:
                    await self._follow()
                    if self.building is not None and await self._caught_up(self.building):
                        await self._switch(self.building)
            except Exception as exc:  # the database or NATS away: looked at again next time
                # One line when the watch starts failing, not one per look.
                if not failing:
                    log.warning("rebuild_watch_failed", service=self._service, error=str(exc))
                failing = True
                continue
            if failing:
                log.info("rebuild_watch_resumed", service=self._service)
            failing = False

    async def _follow(self) -> None:
        """Run what the database says: the live generation, and the one being built."""
        live, building = await asyncio.to_thread(self._read)
        if live != self.live.generation:
            await self._adopt(live)
        if building is None and self.building is not None:
            await self._halt(self.building)  # switched or given up elsewhere
            self.building = None
        if building is not None and (self.building is None
                                     or self.building.generation != building):
            await self._halt(self.building)
            self.building = self._runners(building)
            self._run(self.building)

    async def _adopt(self, live: int) -> None:
        """Another replica (or this one) switched: this generation's consumers are the live
        ones now; the old generation's stop."""
        old = self.live
        if self.building is not None and self.building.generation == live:
            self.live, self.building = self.building, None
        else:
            self.live = self._runners(live)
            self._run(self.live)
        await self._clear(old)
        log.info("read_models_switched", service=self._service, generation=live,
                 retired=old.generation)

    async def _clear(self, old: _Running) -> None:
        """Stop a generation's consumers and remove what they recorded and their durables.
        Every replica clears up after its own once they have stopped (one still running
        elsewhere could otherwise make its durable again)."""
        await self._halt(old)
        await asyncio.to_thread(self._forget, old)
        js = self._link.js
        if js is not None:
            for runner in old.runners:
                await runner.delete_durable(js)

    async def _caught_up(self, running: _Running) -> bool:
        js = self._link.js
        if js is None:
            return False
        for runner in running.runners:
            drained = await durable_drained(js, runner.stream, runner.durable)
            if drained is None:
                if await stream_exists(js, runner.stream):
                    return False  # not made yet: its runner makes it in a moment
                continue  # no stream yet, nothing to replay: its runner waits for it
            if not drained:
                return False
        return True

    async def _switch(self, running: _Running) -> None:
        # The live generation's counts first, then "caught up?" again, then the new one's: an
        # event the live consumers had applied when counted was in its stream before that
        # look, so a generation holding everything its streams held has applied it too.
        live_durables = [runner.durable for runner in self.live.runners]
        live_applied = await asyncio.to_thread(self._applied, live_durables)
        if not await self._caught_up(running):
            return
        if not await asyncio.to_thread(self._make_after_load, running.generation):
            return
        progress = await self._progress(running)
        short = fewer_than_live(progress, [live_applied.get(d, 0) for d in live_durables])
        if short:
            await self._refuse(running, progress, short)
            return
        began = time.perf_counter()
        switched = await asyncio.to_thread(self._switch_tables, running.generation, progress)
        if not switched:
            return
        self.last_switch_s = time.perf_counter() - began
        log.info("rebuild_switched", service=self._service, generation=running.generation,
                 switch_s=round(self.last_switch_s, 3), consumers=progress)
        await self._adopt(running.generation)
        if self._models.after_switch is not None:
            await asyncio.to_thread(self._models.after_switch, self._runtime)

    async def _refuse(self, running: _Running, progress: list[dict[str, Any]],
                      short: list[dict[str, Any]]) -> None:
        """The live tables stay; the refused generation's tables, consumers and durables go."""
        given_up = await asyncio.to_thread(self._give_up, running.generation, REFUSED, progress)
        if given_up is None:
            return  # switched or given up by another replica meanwhile
        log.warning("rebuild_refused", service=self._service, generation=running.generation,
                    code=REFUSED_CODE,
                    short=[{"stream": c.get("stream"), "events_applied": c["events_applied"],
                            "live_events_applied": c["live_events_applied"]} for c in short])
        await self._follow()
        await self._clear(running)

    def _make_after_load(self, generation: int) -> bool:
        """PostgreSQL: the indexes left off during the load, made on the caught-up tables of
        the generation before its switch, not inside it: built inside, they held every read
        model table locked for seconds (1M facts: 2.3-3.7 s against 0.7-1.0 s; OPERATIONS
        §8 step 22). The generation's own consumers wait for each build meanwhile,
        nobody else. False when it is no longer being built (switched or given up by another
        replica). SQLite remakes every index at the switch anyway (`put_in_place`)."""
        if self._engine.dialect.name != "postgresql":
            return True
        with self._engine.begin() as conn:
            self._serialise(conn)
            _, building = current_generations(conn)
            if building != generation:
                return False
            self.shadows(generation).make_after_load(conn)
        return True

    def _switch_tables(self, generation: int, progress: list[dict[str, Any]]) -> bool:
        """The switch, in one transaction: False when another replica switched first or the
        tables could not be locked at once (tried again at the next look)."""
        try:
            with self._engine.begin() as conn:
                self._serialise(conn)
                # Waits for the batches under way (FOR SHARE); later ones wait for this.
                conn.execute(select(generations_table.c.generation).with_for_update()).all()
                live, building = current_generations(conn)
                if building != generation:
                    return False
                shadows = self.shadows(generation)
                self._lock_tables(conn, [*self._models.tables,
                                         *(shadows.of(t) for t in self._models.tables)])
                for table in self._models.tables:
                    shadows.put_in_place(conn, table)
                conn.execute(update(generations_table)
                             .where(generations_table.c.generation == live)
                             .values(state=RETIRED))
                conn.execute(update(generations_table)
                             .where(generations_table.c.generation == generation)
                             .values(state=LIVE, switched_at=utcnow(),
                                     progress=json.dumps(progress)))
        except OperationalError as exc:
            if "lock" not in str(exc).lower():
                raise
            log.info("rebuild_switch_postponed", service=self._service, reason=str(exc)[:200])
            return False
        return True

    def _lock_tables(self, conn: Connection, tables: Sequence[Table]) -> None:
        """PostgreSQL: every table taken before any is dropped, waiting at most a moment for
        the reports reading them. A reader that came to a table this switch already holds
        would otherwise wait on it while it waits on the reader; giving up well within the
        deadlock timeout (1 s) leaves the reader alone, and the switch is tried again."""
        if conn.dialect.name != "postgresql":
            return
        quote = conn.dialect.identifier_preparer.quote
        names = [quote(t.name) for t in tables]
        conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
        conn.execute(text(f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE"))
        conn.execute(text("SET LOCAL lock_timeout = 0"))

    def _forget(self, old: _Running) -> None:
        """What the retired generation's consumers recorded as processed."""
        durables = [r.durable for r in old.runners]
        with self._engine.begin() as conn:
            conn.execute(delete(processed_events_table)
                         .where(processed_events_table.c.consumer.in_(durables)))

    # -- progress ---------------------------------------------------------------------------

    async def _progress(self, running: _Running) -> list[dict[str, Any]]:
        applied = await asyncio.to_thread(self._applied, [r.durable for r in running.runners])
        js = self._link.js
        found = []
        for runner in running.runners:
            item: dict[str, Any] = {"consumer": runner.durable, "stream": runner.stream,
                                    "events_applied": applied.get(runner.durable, 0)}
            if runner.held is not None:
                # Stopped at an event of a newer schema version: the generation cannot catch
                # up, so is not switched in short; it goes on once the service is upgraded.
                item["held"] = runner.held.shown()
            if js is not None:
                with contextlib.suppress(Exception):
                    info = await js.consumer_info(runner.stream, runner.durable)
                    stream = await js.stream_info(runner.stream)
                    item["stream_sequence"] = info.ack_floor.stream_seq if info.ack_floor else 0
                    item["stream_last_sequence"] = stream.state.last_seq
                    item["pending"] = (info.num_pending or 0) + (info.num_ack_pending or 0)
            found.append(item)
        return found

    def _applied(self, durables: Sequence[str]) -> dict[str, int]:
        c = processed_events_table.c
        with read_connection(self._engine) as conn:
            rows = conn.execute(select(c.consumer, func.count()).where(c.consumer.in_(durables))
                                .group_by(c.consumer))
            return {consumer: int(count) for consumer, count in rows}

    async def status(self, generation: int | None = None) -> dict[str, Any]:
        """A rebuild's state (the latest when `generation` is None): building, live (switched
        in) or retired (replaced since), events applied and stream positions, times."""
        row = await asyncio.to_thread(self._row, generation)
        live, building = await asyncio.to_thread(self._read)
        if row is None and generation is not None and generation != FIRST:
            raise RebuildNotFound(generation)
        if row is None:
            return {"generation": live, "state": LIVE, "live_generation": live,
                    "building_generation": building, "started_at": None, "switched_at": None,
                    "requested_by": None, "consumers": []}
        number = int(row["generation"])
        if row["state"] == BUILDING and self.building is not None \
                and self.building.generation == number:
            consumers = await self._progress(self.building)
        elif row["progress"]:
            consumers = json.loads(row["progress"])
        else:
            consumers = await self._progress(self._runners(number)) if row["state"] == BUILDING \
                else []
        found = {
            "generation": number,
            "state": row["state"],
            "live_generation": live,
            "building_generation": building,
            "requested_by": row["requested_by"],
            "started_at": iso_or_none(row["started_at"]),
            "switched_at": iso_or_none(row["switched_at"]),
            "events_applied": sum(int(c.get("events_applied", 0)) for c in consumers),
            "consumers": consumers,
        }
        if row["state"] == REFUSED:
            found["refusal"] = refusal(number, consumers)
        held = [c["held"] for c in consumers if c.get("held")]
        if row["state"] == BUILDING and held:
            found["held"] = held
        return found

    def _row(self, generation: int | None) -> Any:
        g = generations_table.c
        query = select(generations_table)
        query = (query.where(g.generation == generation) if generation is not None
                 else query.order_by(g.generation.desc()).limit(1))
        with read_connection(self._engine) as conn:
            return conn.execute(query).mappings().first()
