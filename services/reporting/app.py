"""App factory of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.reporting import messages
from services.reporting.adapters.tables import metadata
from services.reporting.api.dashboard import router as dashboard_router
from services.reporting.api.errorpages import install_error_pages
from services.reporting.api.plandashboard import router as plan_router
from services.reporting.api.routes import router
from services.reporting.apitexts import EXAMPLES, FIELDS, OPERATIONS
from services.reporting.application.projections import read_models
from services.reporting.application.state import Clock, ReportingRuntime, ReportingState
from services.reporting.application.warmup import warm_up
from services.reporting.domain.events import registry
from shared.clock import today_vn
from shared.settings import Settings
from shared.web import build_app


def create_runtime(
    settings: Settings | None = None, *, today: Clock = today_vn
) -> ReportingRuntime:
    """The service's runtime with its own state (one per database: see `state.py`); `today`
    is the business clock (tests pass their own)."""
    settings = settings or Settings.for_service("reporting")
    state = ReportingState()
    return ReportingRuntime(state, settings, registry, metadata=[metadata], today=today,
                            read_models=read_models(state.figures.clear), background=[warm_up])


def create_app(settings: Settings | None = None, *, today: Clock = today_vn) -> FastAPI:
    app = build_app(create_runtime(settings, today=today), [router, dashboard_router, plan_router],
                    title=messages.SERVICE_TITLE, operation_texts=OPERATIONS,
                    examples=EXAMPLES, fields=FIELDS)
    # Assets are served by the service itself: the dashboard needs no internet.
    app.mount("/static/reporting", StaticFiles(packages=[("services.reporting", "static")]),
              name="reporting-static")
    install_error_pages(app)
    return app
