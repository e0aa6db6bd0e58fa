"""What every command handler of the dialogue service shares."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from services.dialogue.adapters.projection import project
from shared.adminunits import AdminUnit
from shared.aggregate import Aggregate, CommandContext, UnitOfWork
from shared.envelope import EventEnvelope
from shared.unitcheck import require_unit

#: Scope of every command of this service; citizens' personal data needs its own.
WRITE = "dialogue:write"
CITIZEN_DATA = "dialogue:citizen_data"

SCHEDULER = CommandContext(actor="system:scheduler")
SEEDER = CommandContext(actor="system:seed")


def save(uow: UnitOfWork, *aggregates: Aggregate) -> list[EventEnvelope]:
    """Append the aggregates' new events and bring the read models along, same transaction."""
    stored: list[EventEnvelope] = []
    for aggregate in aggregates:
        envelopes = uow.save(aggregate)
        project(uow.connection, envelopes)
        stored.extend(envelopes)
    return stored


def jurisdiction_unit(uow: UnitOfWork, code: str, on: date) -> AdminUnit:
    """A unit of the catalogue valid on `on` and inside the deployment's jurisdiction."""
    return require_unit(code, on, within=uow.jurisdiction)


def new_id(requested: UUID | None) -> str:
    """A client may choose the id (UUID) so that a retried create is recognised."""
    return str(requested or uuid4())

