"""App factory of the dialogue service."""

from __future__ import annotations

from fastapi import FastAPI

from services.dialogue.domain.events import registry
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.for_service("dialogue")
    runtime = ServiceRuntime(settings, registry)
    return build_app(runtime, [], title="danvan: Đối thoại trực tiếp với Nhân dân")
