"""Events of the indicators service."""

from __future__ import annotations

from shared.envelope import EventRegistry

registry = EventRegistry(service="indicators")
