"""Events of the dialogue service."""

from __future__ import annotations

from shared.envelope import EventRegistry

registry = EventRegistry(service="dialogue")
