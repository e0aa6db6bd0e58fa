"""The regulation's rule as data: how many sessions a head must hold a year, by level.

Quyết định 1738-QĐ/TU (27/01/2015) of the Standing Board of the City Party Committee is being
amended (plan item II.1.7), so the minimum is a versioned value, not a constant in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.dialogue import messages
from services.dialogue.domain.events import DialogueRuleSet, Level
from shared.aggregate import Aggregate
from shared.envelope import DomainEvent

LEVELS: tuple[Level, ...] = ("province", "district", "commune")


@dataclass(frozen=True)
class RuleVersion:
    level: Level
    effective_from: date
    min_sessions_per_year: int
    legal_basis: str = ""
    note: str = ""


# The default shipped with the service, recorded as ordinary DialogueRuleSet events on first
# start so that it is data like any amendment. ASSUMPTION, to be confirmed by the Commission:
# Quyết định 1738-QĐ/TU asks every head to hold direct dialogue at least once a year; the
# district and commune levels, closer to the people, are set to twice a year. Change it
# through POST /api/v1/dialogue-rules with a new effective date, never by editing this list.
DEFAULT_RULE_DATE = date(2015, 1, 27)
DEFAULT_LEGAL_BASIS = messages.DEFAULT_LEGAL_BASIS
DEFAULT_RULES: tuple[RuleVersion, ...] = (
    RuleVersion("province", DEFAULT_RULE_DATE, 1, DEFAULT_LEGAL_BASIS),
    RuleVersion("district", DEFAULT_RULE_DATE, 2, DEFAULT_LEGAL_BASIS),
    RuleVersion("commune", DEFAULT_RULE_DATE, 2, DEFAULT_LEGAL_BASIS),
)


class DialogueRule(Aggregate):
    """Quy định số lần đối thoại tối thiểu của một cấp: its versions by effective date.
    The aggregate id is the level."""

    aggregate_type = "rule"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.versions: dict[date, RuleVersion] = {}

    def set_rule(self, version: RuleVersion) -> bool:
        """Record a version; the same version again records nothing (idempotent seeding)."""
        if self.versions.get(version.effective_from) == version:
            return False
        self.record(
            DialogueRuleSet(
                level=version.level,
                min_sessions_per_year=version.min_sessions_per_year,
                effective_from=version.effective_from,
                legal_basis=version.legal_basis,
                note=version.note,
            ),
            version.effective_from,
        )
        return True

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, DialogueRuleSet):
            self.versions[event.effective_from] = RuleVersion(
                event.level,
                event.effective_from,
                event.min_sessions_per_year,
                event.legal_basis,
                event.note,
            )
