"""App factory of the indicators service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from services.indicators import messages
from services.indicators.adapters.tables import FACT_TABLES, metadata, write_metadata
from services.indicators.api.indicators import router as indicators_router
from services.indicators.api.models import router as models_router
from services.indicators.api.plan import router as plan_router
from services.indicators.api.units import router as units_router
from services.indicators.apitexts import EXAMPLES, FIELDS, OPERATIONS
from services.indicators.application.commands import INDICATOR_ID_PATTERN
from services.indicators.application.lifecycle import (
    seed_plan_definitions,
    status_sweeper,
    statuses_after_rebuild,
)
from services.indicators.application.plancommands import (
    PARTY_CODE_PATTERN,
    PLAN_ITEM_NUMBER_PATTERN,
)
from services.indicators.application.projections import all_projections
from services.indicators.application.queries import catalogue_now
from services.indicators.domain.events import registry
from shared.eventstore import EventStore
from shared.rebuild import ReadModels
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.for_service("indicators")
    # The projections announce status changes into the service's own event store.
    store = EventStore(settings.service, settings.subject_root)
    runtime = ServiceRuntime(
        settings,
        registry,
        metadata=[metadata, write_metadata],
        # A rebuild builds the fact tables beside the live ones; once switched in, the statuses
        # are evaluated on them: what the old tables had missed (events lost in an outage)
        # is announced then.
        read_models=ReadModels(FACT_TABLES, partial(all_projections, store),
                               after_switch=statuses_after_rebuild),
        background=[status_sweeper],
        placing=catalogue_now,
    )
    app = build_app(
        runtime,
        [units_router, models_router, indicators_router, plan_router],
        title=messages.APP_TITLE,
        value_labels=messages.VALUE_LABELS,
        operation_texts=OPERATIONS, examples=EXAMPLES, fields=FIELDS,
        pattern_forms={
            INDICATOR_ID_PATTERN: messages.INDICATOR_ID_FORM,
            PLAN_ITEM_NUMBER_PATTERN: messages.PLAN_ITEM_NUMBER_FORM,
            PARTY_CODE_PATTERN: messages.PARTY_CODE_FORM,
        },
    )
    _define_plan_at_start(app, runtime)
    return app


def _define_plan_at_start(app: FastAPI, runtime: ServiceRuntime) -> None:
    """The plan's four indicators exist before the first request is served."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with started(application):
            if await asyncio.to_thread(seed_plan_definitions, runtime):
                runtime.relay.notify()
            yield

    app.router.lifespan_context = lifespan
