"""What every command handler of the dialogue service shares."""

from __future__ import annotations

from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from services.dialogue.adapters.projection import project
from services.dialogue.domain.commitments import Commitment
from services.dialogue.domain.issues import RaisedIssue
from services.dialogue.domain.sessions import DialogueSession
from shared.adminunits import AdminUnit
from shared.aggregate import Aggregate, CommandContext, UnitOfWork, expect_version
from shared.auth.checks import authorize
from shared.envelope import EventEnvelope
from shared.errors import NotFound
from shared.unitcheck import require_unit

#: Scope of every command of this service; citizens' personal data needs its own.
WRITE = "dialogue:write"
CITIZEN_DATA = "dialogue:citizen_data"

SCHEDULER = CommandContext(actor="system:scheduler")
SEEDER = CommandContext(actor="system:seed")

#: The aggregates kept per unit (`unit_code`): a command on one needs a scope covering it.
InUnit = TypeVar("InUnit", DialogueSession, Commitment, RaisedIssue)


def save(uow: UnitOfWork, *aggregates: Aggregate) -> list[EventEnvelope]:
    """Append the aggregates' new events and bring the read models along, same transaction."""
    stored: list[EventEnvelope] = []
    for aggregate in aggregates:
        envelopes = uow.save(aggregate)
        project(uow.connection, envelopes)
        stored.extend(envelopes)
    return stored


def to_write(
    uow: UnitOfWork,
    cls: type[InUnit],
    aggregate_id: str,
    not_found: NotFound,
    expected_version: int | None = None,
    on: date | None = None,
    scope: str = WRITE,
) -> InUnit:
    """The aggregate a command acts on, refused in the one order of every command
    (docs/api-conventions.md): the caller lacks `scope` (403), the aggregate does not exist
    (`not_found`), its unit is outside the caller's on `on` (the command's date; default
    today) (403), the version If-Match names is not its own (412)."""
    authorize(uow, scope)
    aggregate = uow.load(cls, aggregate_id)
    if not aggregate.exists:
        raise not_found
    authorize(uow, scope, aggregate.unit_code, on, record=True)
    expect_version(aggregate, expected_version)
    return aggregate


def jurisdiction_unit(uow: UnitOfWork, code: str, on: date) -> AdminUnit:
    """A unit of the catalogue valid on `on` and inside the deployment's jurisdiction."""
    return require_unit(code, on, within=uow.jurisdiction)


def new_id(requested: UUID | None) -> str:
    """A client may choose the id (UUID) so that a retried create is recognised."""
    return str(requested or uuid4())

