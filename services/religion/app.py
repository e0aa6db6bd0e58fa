"""App factory of the religion service."""

from __future__ import annotations

from fastapi import FastAPI

from services.religion import messages
from services.religion.adapters.tables import metadata, unit_successions
from services.religion.api import calendar, compliance, imports, reports, routes
from services.religion.apitexts import EXAMPLES, FIELDS, OPERATIONS
from services.religion.application.commands import CERTIFICATE_NUMBER_PATTERN
from services.religion.domain.events import registry
from shared.heap import settle_at_start
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.unitsuccessions import catalogue_now, successions_projection
from shared.web import build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.for_service("religion")
    runtime = ServiceRuntime(
        settings, registry, metadata=[metadata], background=[settle_at_start],
        projections=[successions_projection(unit_successions)],
        placing=lambda conn: catalogue_now(conn, unit_successions),
    )
    # The import route comes first: "/sites/import" must not be read as a site code.
    return build_app(
        runtime,
        [imports.router, routes.router, compliance.router, calendar.router, reports.router],
        title="danvan: Cơ sở tôn giáo và đất đai",
        value_labels=messages.VALUE_LABELS,
        operation_texts=OPERATIONS, examples=EXAMPLES, fields=FIELDS,
        pattern_forms={CERTIFICATE_NUMBER_PATTERN: messages.CERTIFICATE_NUMBER_FORM},
    )
