"""App factory of the dialogue service."""

from __future__ import annotations

from fastapi import FastAPI

from services.dialogue import messages
from services.dialogue.api import admin, commitments, heads, issues, rules, sessions
from services.dialogue.apitexts import EXAMPLES, FIELDS, OPERATIONS
from services.dialogue.application.runtime import Clock, DialogueRuntime
from services.dialogue.application.scheduler import run_scheduler
from shared.clock import today_vn
from shared.heap import settle_at_start
from shared.settings import Settings
from shared.web import build_app


def create_app(
    settings: Settings | None = None,
    *,
    today: Clock = today_vn,
    scan_interval_s: float | None = None,
) -> FastAPI:
    """`today` is the business clock; tests pass their own to jump dates. The scheduler's
    interval comes from the settings (`DIALOGUE_SCAN_INTERVAL_S`) unless given."""
    settings = settings or Settings.for_service("dialogue")
    runtime = DialogueRuntime(
        settings, today=today, scan_interval_s=scan_interval_s,
        background=(run_scheduler, settle_at_start),
    )
    return build_app(
        runtime,
        [heads.router, sessions.router, issues.router, commitments.router, rules.router,
         admin.router],
        title=messages.APP_TITLE,
        value_labels=messages.VALUE_LABELS,
        operation_texts=OPERATIONS, examples=EXAMPLES, fields=FIELDS,
    )
