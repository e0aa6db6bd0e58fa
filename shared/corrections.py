"""Corrections: a fact recorded wrongly (a mistyped date, a step recorded by mistake) is put
right by a NEW event, `<Fact>Corrected`, that names the event it corrects and says what the
fact really was, or that it never happened (`void`). Events are never edited or deleted: both
stay in the stream and in the history, and whoever folds the stream applies the correction
IN PLACE of the corrected fact, at the corrected fact's position, so every state and figure is
as if the right fact had been recorded in the first place.

A correction names the fact as it stands: the original event, or the last correction of it
(`corrects` its event id, `corrected_version` its version in the aggregate's stream). A fact
corrected twice is a chain: original → first correction → second correction, and only the
last of the chain counts.

One rule, used by the aggregates (`Correctable`), by the as-of views that fold events dated up
to a day (`effective`) and by the reporting service's fact projection (which supersedes the
corrected fact's row at the correction's recording time).

A fact table that only appends (one row per fact, read by business date and recording time)
applies a correction as two facts: the RETRACTION of the corrected fact, dated and placed as
that fact was, under `retraction_id` (so every window and every "as of" after the correction
that saw the fact sees it withdrawn, and a replay writes the same row), and, unless `void`, the
RESTATEMENT, the `corrected_fact()` dated by its own values. A correction that such a consumer
applies carries the corrected values it replaces (`previous_*`), since the consumer reads no
other service's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import Connection, select

from shared.aggregate import Aggregate
from shared.envelope import DomainEvent
from shared.eventstore import events_table

# Fixed for ever: the retraction rows of the fact tables are keyed by it.
_RETRACTION_NAMESPACE = uuid.UUID("6f1d4c1e-3b8a-5a52-9d3e-0c7f6b2a9e41")


class Correction(DomainEvent):
    """Base of every `<Fact>Corrected` event: which fact it corrects, why, and the fact as
    it should have been recorded (`corrected_fact`), unless it never happened (`void`)."""

    #: The event id of the corrected event (the original, or the last correction of it).
    corrects: str
    #: Its version in the aggregate's stream: the aggregate finds it by this.
    corrected_version: int
    #: Why (Vietnamese text, required): what was wrong.
    reason: str
    #: The corrected fact never happened: it is taken out, nothing takes its place.
    void: bool = False

    def corrected_fact(self) -> DomainEvent:
        """The fact as it should have been recorded (not called for a void correction)."""
        raise NotImplementedError


K = TypeVar("K")


class UnknownCorrectedFact(LookupError):
    """A correction names a fact that is not (or no longer) among the effective ones."""


def effective(facts: Iterable[tuple[K, DomainEvent]], key_of_corrected: dict[int, K] | None = None,
              ) -> list[tuple[K, DomainEvent]]:
    """The facts that count, in stream order: each correction takes the place of the fact it
    corrects or removes it (`void`). `facts` are (key, event) pairs in stream order whose key
    is the event's version, unless `key_of_corrected` maps a version to the key used."""
    out: list[tuple[K, DomainEvent]] = []
    for key, event in facts:
        fold(out, key, event, key_of_corrected)
    return out


def fold(out: list[tuple[K, DomainEvent]], key: K, event: DomainEvent,
         key_of_corrected: dict[int, K] | None = None) -> None:
    """Add one event to the effective facts `out` (see `effective`)."""
    if not isinstance(event, Correction):
        out.append((key, event))
        return
    wanted = (key_of_corrected or {}).get(event.corrected_version, event.corrected_version)
    index = next((i for i, (k, _) in enumerate(out) if k == wanted), None)
    if index is None:
        raise UnknownCorrectedFact(event.corrects)
    if event.void:
        del out[index]
    else:
        out[index] = (key, event.corrected_fact())


class Correctable(Aggregate):
    """An aggregate whose facts may be corrected. Subclasses write `apply_fact` (how one fact
    changes the state, as `apply` would) and start their state in `__init__`; a correction
    replays the effective facts on a fresh instance, so the state is exactly what the right
    facts give. `facts`: the effective (version, fact) pairs, in stream order."""

    _KEPT = frozenset({"id", "version", "loaded_version", "pending", "facts"})

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.facts: list[tuple[int, DomainEvent]] = []

    def apply_fact(self, event: DomainEvent) -> None:
        raise NotImplementedError

    def apply(self, event: DomainEvent) -> None:
        version = self.version + 1  # `record` and `rehydrate` count it after apply
        fold(self.facts, version, event)
        if isinstance(event, Correction):
            self._replay()
        else:
            self.apply_fact(event)

    def fact_at(self, version: int) -> DomainEvent | None:
        """The effective fact whose event (original or last correction) has this version."""
        return next((fact for v, fact in self.facts if v == version), None)

    def _replay(self) -> None:
        fresh = type(self)(self.id)
        for _, fact in self.facts:
            fresh.apply_fact(fact)
        for name, value in vars(fresh).items():
            if name not in self._KEPT:
                setattr(self, name, value)

    def replayed(self, facts: list[tuple[int, DomainEvent]]) -> Correctable:
        """A fresh instance of the same type holding `facts` (candidate effective facts, to
        check a correction against the aggregate's rules before recording it)."""
        fresh = type(self)(self.id)
        for _, fact in facts:
            fresh.apply_fact(fact)
        fresh.facts = list(facts)
        return fresh


def retraction_id(correction_event_id: object) -> uuid.UUID:
    """The id of the fact row that withdraws the fact a correction corrects: derived from the
    correction's own id, so a replay writes the same row and a redelivery collides with it."""
    return uuid.uuid5(_RETRACTION_NAMESPACE, str(correction_event_id))


def event_id_at(conn: Connection, aggregate_type: str, aggregate_id: str, version: int) -> str:
    """The id of an aggregate's event at `version` (the fact a correction names)."""
    t = events_table.c
    found = conn.execute(
        select(t.event_id).where(t.aggregate_type == aggregate_type,
                                 t.aggregate_id == aggregate_id, t.aggregate_version == version)
    ).scalar_one()
    return str(found)
