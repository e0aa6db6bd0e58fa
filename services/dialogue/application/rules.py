"""Command handlers of the regulation's rule, and the default seeded on first start."""

from __future__ import annotations

from sqlalchemy import func, select

from services.dialogue.application.commands import SetRule
from services.dialogue.application.common import SEEDER, WRITE, save
from services.dialogue.domain.rules import DEFAULT_RULES, DialogueRule, RuleVersion
from shared.aggregate import UnitOfWork
from shared.auth.checks import require_city
from shared.db import read_connection
from shared.envelope import EventEnvelope
from shared.errors import ConcurrencyError, PreconditionFailed
from shared.eventstore import events_table
from shared.logs import get_logger
from shared.runtime import ServiceRuntime

log = get_logger("danvan.dialogue.rules")


def set_rule(uow: UnitOfWork, command: SetRule) -> list[EventEnvelope]:
    # The regulation is the city's (Quyết định 1738-QĐ/TU): only the city level amends it.
    require_city(uow.context, WRITE)
    rule = uow.load(DialogueRule, command.level)
    rule.set_rule(
        RuleVersion(
            command.level,
            command.effective_from,
            command.min_sessions_per_year,
            command.legal_basis,
            command.note,
        )
    )
    return save(uow, rule)


def _seed(uow: UnitOfWork, version: RuleVersion) -> None:
    rule = uow.load(DialogueRule, version.level, expected_version=0)
    rule.set_rule(version)
    save(uow, rule)


def seed_default_rules(runtime: ServiceRuntime) -> None:
    """Record the default rule of each level that has never had one. Several replicas may
    start at once: the aggregate version lets one of them win, the others record nothing."""
    for version in DEFAULT_RULES:
        with read_connection(runtime.engine) as conn:
            seen = conn.execute(
                select(func.count())
                .select_from(events_table)
                .where(
                    events_table.c.aggregate_type == DialogueRule.aggregate_type,
                    events_table.c.aggregate_id == version.level,
                )
            ).scalar_one()
        if seen:
            continue
        try:
            runtime.execute(SEEDER, _seed, version)
            log.info("dialogue_rule_seeded", rule_level=version.level,
                     min_sessions_per_year=version.min_sessions_per_year)
        except (ConcurrencyError, PreconditionFailed):
            # Another replica seeded it first (seen at load, or at append).
            continue
