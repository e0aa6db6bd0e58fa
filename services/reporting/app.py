"""App factory of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.adapters.tables import metadata
from services.reporting.api.routes import router
from services.reporting.application.projections import religion_sites_projection
from services.reporting.domain.events import registry
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.for_service("reporting")
    runtime = ServiceRuntime(
        settings, registry, metadata=[metadata], projections=[religion_sites_projection()]
    )
    return build_app(runtime, [router], title="danvan: Báo cáo giao ban, sơ kết, tổng kết")
