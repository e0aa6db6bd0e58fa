"""Announcing status changes (IndicatorStatusChanged), exactly once per change.

The last status announced for an indicator-year-unit is the state of its `IndicatorStatus`
aggregate ("I3-2023@31"), whose stream no rebuild touches. Announcements go through that
aggregate and a unit of work like any command's events: a figure is announced only when its
status differs from the aggregate's, at the stream's next version (two writers cannot both
announce the same change), and the unit of work's commit wakes the relay and counts them.

When consumed events trigger the evaluation, it runs in the consumer's transaction (the unit
of work joins it, see `shared.aggregate.UnitOfWork`), and the consumed events' ids are kept
in `ind_evaluated_events`. That table is not a read model: replaying the read models after
a reset finds the ids there and only rebuilds the facts. An announcement made while the facts
are half rebuilt would be a false alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from services.indicators.adapters.definitions import load_definitions
from services.indicators.application.compute import FactCache, compute
from services.indicators.domain.definitions import Definition, status_key
from services.indicators.domain.events import registry
from services.indicators.domain.figures import IndicatorFigures, UnitFigure
from services.indicators.domain.model import IndicatorStatus
from shared.aggregate import CommandContext, UnitOfWork
from shared.clock import day_vn, today_vn
from shared.envelope import EventEnvelope
from shared.errors import ConcurrencyError
from shared.eventstore import EventStore
from shared.planrules import Status
from shared.randomids import random_uuid

SYSTEM_ACTOR = "system:indicators"
#: Live statuses count every fact received, whatever the clock of the service that recorded it
#: (a recording time a little ahead of ours must not hide a fact from its own evaluation).
EVERYTHING = datetime(9999, 12, 31, tzinfo=UTC)


def joined_uow(conn: Connection, store: EventStore) -> UnitOfWork:
    """A unit of work inside a consumer's transaction (its owner commits and announces)."""
    return UnitOfWork(conn.engine, store, registry, CommandContext(actor=SYSTEM_ACTOR),
                      connection=conn)


class Statuses:
    """The status aggregates an evaluation looks at, loaded once (thousands at a time for a
    national sweep) and saved through one unit of work: each announcement one event, of its
    own causation, all of them appended together (`UnitOfWork.stage`)."""

    def __init__(self, uow: UnitOfWork, *, deferred: bool = False) -> None:
        """`deferred`: the announcements are appended when the owner calls `uow.flush()`
        (a live batch's, all at once at its end) rather than at the end of each `announce`."""
        self.uow = uow
        self.deferred = deferred
        self._known: dict[str, IndicatorStatus] = {}
        self._keys: dict[tuple[str, int, str], str] = {}

    def preload(self, definition: Definition, codes: Iterable[str] | Mapping[str, str]) -> None:
        """Load the statuses of `codes` not loaded yet, in one go (`codes` may map each code
        to its status key already)."""
        keys = (list(codes.values()) if isinstance(codes, Mapping) else
                [status_key(definition.indicator_id, definition.year, code) for code in codes])
        missing = [key for key in dict.fromkeys(keys) if key not in self._known]
        if missing:
            self._known.update(self.uow.load_many(IndicatorStatus, missing))

    def adopt(self, known: Mapping[str, IndicatorStatus]) -> None:
        """Statuses kept from an earlier transaction, known to be current in this one (see
        `live.KeptStatuses`): not loaded again."""
        for status in known.values():
            self.uow.adopt(status)
        self._known.update(known)

    def kept(self) -> dict[str, IndicatorStatus]:
        """The statuses loaded or adopted so far, as they stand (announcements included)."""
        return dict(self._known)

    def _key(self, definition: Definition, code: str) -> str:
        found = self._keys.get((definition.indicator_id, definition.year, code))
        if found is None:
            found = self._keys[(definition.indicator_id, definition.year, code)] = status_key(
                definition.indicator_id, definition.year, code)
        return found

    def last(self, definition: Definition, code: str) -> Status | None:
        """The status last announced for `code` (None: none yet)."""
        key = self._key(definition, code)
        found = self._known.get(key)
        if found is None:
            self.preload(definition, {code: key})
            found = self._known[key]
        return found.status

    def announce(
        self,
        definition: Definition,
        figures: Mapping[str, UnitFigure],
        on: date,
        *,
        cause: str,
        causation: EventEnvelope | None = None,
    ) -> list[EventEnvelope]:
        """Announce each figure whose status is not the one last announced for its unit."""
        # A live batch announces a few units per event: the keys are made once per unit, and
        # only the statuses not loaded yet are asked for.
        keys = {code: self._key(definition, code)
                for code in sorted(figures) if figures[code].status is not None}
        if any(key not in self._known for key in keys.values()):
            self.preload(definition, keys)
        announced: list[EventEnvelope] = []
        caused = causation is None
        for code, key in keys.items():
            status = self._known[key]
            if status.observe(definition, figures[code], on, cause):
                if not caused and causation is not None:
                    # Each announcement says which consumed event moved it (and follows its
                    # chain); set once something is announced (most evaluations announce
                    # nothing).
                    self.uow.context = CommandContext(
                        actor=SYSTEM_ACTOR,
                        correlation_id=causation.correlation_id or random_uuid().hex,
                        causation_id=str(causation.event_id))
                    caused = True
                # Made now, with this causation; appended with the others in one pass.
                announced.extend(self.uow.stage(status))
        if announced and not self.deferred:
            self.uow.flush()  # fills in the positions of `announced`
        return announced


def evaluate_definition(
    statuses: Statuses,
    definition: Definition,
    units: Iterable[str] | None,
    *,
    cause: str,
    causation: EventEnvelope | None = None,
    today: date | None = None,
    cache: FactCache | None = None,
) -> list[EventEnvelope]:
    """Compute the figures "now" in full and announce the changed statuses of `units` (all
    if None)."""
    on = definition.evaluation_date(today or today_vn())
    figures = compute(statuses.uow.connection, definition, on, EVERYTHING, cache)
    chosen = figures.figures if units is None else {
        code: figures.figures[code] for code in affected(figures, units)
        if code in figures.figures}
    return statuses.announce(definition, chosen, figures.on, cause=cause, causation=causation)


def affected(figures: IndicatorFigures, hints: Iterable[str]) -> set[str]:
    """The units a fact about `hints` can move: where it is placed and everything above."""
    tree = figures.tree
    found: set[str] = set(tree.roots)
    for code in hints:
        node = tree.place(code, tree.on)
        if node is not None:
            found.update(tree.chain(node))
    return found


def business_date(envelope: EventEnvelope) -> date:
    return day_vn(envelope.occurred_at)


def announce_moved_by(
    uow: UnitOfWork, causation: EventEnvelope, today: date | None = None
) -> list[EventEnvelope]:
    """A successor recorded or corrected (`causation`, saved by `uow`, not committed yet): the
    merged unit's facts count for another unit from it on, so every begun period's statuses
    (an ended one's final status too, which no sweep looks at any more) are looked at again,
    in the command's own transaction. The recording and the announcements it causes commit
    together, outbox and all: no crash between a commit and an announcement can leave a
    stale status until a rebuild (review R6). Each announcement names the event as its cause
    and causation; the command's context is given back for what it writes after."""
    today = today or today_vn()
    context = uow.context
    announced: list[EventEnvelope] = []
    try:
        for definition in load_definitions(uow.connection).values():
            if definition.period_start > today:
                continue
            announced += _announce_retrying(uow, definition, causation, today)
    finally:
        uow.context = context
    return announced


#: How often a definition's statuses are read again when a consumer announced one of them
#: meanwhile (each time the other writer has committed, so it rarely takes a second).
ANNOUNCE_TRIES = 3


def _announce_retrying(
    uow: UnitOfWork, definition: Definition, causation: EventEnvelope, today: date
) -> list[EventEnvelope]:
    """One definition's announcements inside a savepoint: a live consumer announcing one of
    its statuses between our read and our append (the statuses are read unheld, `load_many`)
    rolls back this definition only, which is read again and re-evaluated, rather than failing
    the recording (409) for a status it does not own."""
    for tries in range(1, ANNOUNCE_TRIES + 1):
        try:
            with uow.connection.begin_nested():
                return evaluate_definition(Statuses(uow), definition, None,
                                           cause=causation.event_type, causation=causation,
                                           today=today)
        except ConcurrencyError:
            if tries == ANNOUNCE_TRIES:
                raise
    raise AssertionError("unreachable")  # the last try returned or raised
