"""A throwaway aggregate for the kernel's own tests (relay, republish, a NATS cluster): one event
type, nothing to decide, so a test writes events through the real unit of work and outbox and
looks only at what the kernel does with them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from shared.aggregate import Aggregate, CommandContext
from shared.envelope import DomainEvent, EventRegistry
from shared.eventstore import events_table, outbox_table
from shared.runtime import ServiceRuntime

# Written as the religion service's: its stream and subjects exist in every test set-up.
registry = EventRegistry("religion")
ON = date(2023, 4, 1)


@registry.register
class Noted(DomainEvent):
    event_type = "Noted"
    n: int


class Notebook(Aggregate):
    aggregate_type = "notebook"

    def apply(self, event: DomainEvent) -> None:
        pass


def write(runtime: ServiceRuntime, aggregate_id: str, values: range) -> None:
    """One command: `Noted(n)` for each value, appended to one notebook."""
    with runtime.uow(CommandContext(actor="tester")) as uow:
        book = uow.load(Notebook, aggregate_id)
        for n in values:
            book.record(Noted(n=n), ON)
        uow.save(book)
        uow.commit()


def write_spread(runtime: ServiceRuntime, values: range, books: int) -> None:
    """One command per value, spread over `books` notebooks (book-0 …), so per-aggregate
    order can be checked afterwards."""
    for n in values:
        write(runtime, f"book-{n % books}", range(n, n + 1))


def unpublished(runtime: ServiceRuntime) -> int:
    """Outbox rows the relay has not yet published."""
    with runtime.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(outbox_table.c.published_at.is_(None))
            ).scalar_one()
        )


def stored_event_ids(runtime: ServiceRuntime) -> list[str]:
    """Every stored event's id, in commit order."""
    with runtime.engine.connect() as conn:
        return list(
            conn.execute(
                select(events_table.c.event_id).order_by(events_table.c.position)
            ).scalars()
        )
