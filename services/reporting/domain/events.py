"""Events of the reporting service (report finalisation lands with the reporting issue)."""

from __future__ import annotations

from shared.envelope import EventRegistry

registry = EventRegistry(service="reporting")
