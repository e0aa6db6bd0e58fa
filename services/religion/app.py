"""App factory of the religion service."""

from __future__ import annotations

from fastapi import FastAPI

from services.religion.api.routes import router
from services.religion.domain.events import registry
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.for_service("religion")
    runtime = ServiceRuntime(settings, registry)
    return build_app(runtime, [router], title="danvan: Cơ sở tôn giáo và đất đai")
