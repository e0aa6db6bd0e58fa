"""The dialogue service's runtime: the kernel runtime plus a business clock, the scheduler and
the default rule seeded on start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from services.dialogue.adapters.tables import metadata, unit_successions
from services.dialogue.application.rules import seed_default_rules
from services.dialogue.domain.events import registry
from shared.clock import today_vn
from shared.runtime import BackgroundTask, ServiceRuntime
from shared.settings import Settings
from shared.unitsuccessions import catalogue_now, successions_projection

Clock = Callable[[], date]

class DialogueRuntime(ServiceRuntime):
    """`today` is the business clock (Asia/Ho_Chi_Minh); tests inject their own to jump dates.
    The scheduler's interval is the settings' `dialogue_scan_interval_s` unless given."""

    def __init__(
        self,
        settings: Settings,
        *,
        today: Clock = today_vn,
        scan_interval_s: float | None = None,
        background: tuple[BackgroundTask, ...] = (),
        engine: Engine | None = None,
    ) -> None:
        super().__init__(
            settings, registry, metadata=[metadata], background=background, engine=engine,
            projections=[successions_projection(unit_successions)],
            placing=lambda conn: catalogue_now(conn, unit_successions),
        )
        self.today = today
        self.scan_interval_s = (
            settings.dialogue_scan_interval_s if scan_interval_s is None else scan_interval_s
        )
        self.scans_completed = 0

    async def start(self) -> None:
        # After the kernel has brought the schema up (however it does so), before the first
        # request: the default rule is data the service cannot work without.
        await super().start()
        seed_default_rules(self)
