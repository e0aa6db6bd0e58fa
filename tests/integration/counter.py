"""A counter: the smallest aggregate over the kernel's own tables, for the tests of the event
store and the unit of work (no service's schema, no NATS)."""

from __future__ import annotations

from datetime import date

from shared.aggregate import Aggregate
from shared.envelope import DomainEvent, EventRegistry

registry = EventRegistry("test")


@registry.register
class Counted(DomainEvent):
    event_type = "Counted"
    by: int


class Counter(Aggregate):
    aggregate_type = "counter"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.total = 0

    def add(self, by: int) -> None:
        self.record(Counted(by=by), date(2023, 5, 1))

    def apply(self, event: DomainEvent) -> None:
        assert isinstance(event, Counted)
        self.total += event.by
