"""Every pattern a partner's text is checked against has its form in Vietnamese (finding
H11): a refusal says what to type, never only "không đúng dạng". A new pattern in a route or a
body without its form in shared/messages.py PATTERN_FORMS (or the service's `pattern_forms`)
fails here."""

from __future__ import annotations

from typing import Any

import pytest

from shared.validation import PATTERN_FORMS
from tests.auth.conftest import Services
from tests.conftest import SQLITE_ONLY

#: Patterns no person types: of answers (an ETag, an error code), and of paths a program
#: builds from a list it read (an action's name, answered 409 with the allowed ones; an API
#: key's prefix, as the key list shows it).
NOT_TYPED = {
    '^"[0-9]+"$',
    "^[A-Z][A-Z0-9_]*$",
    "^[a-z_\\-]+$",
    "^[0-9a-f]{8}$",
}


def _patterns(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.add(node["pattern"])
        for value in node.values():
            _patterns(value, found)
    elif isinstance(node, list):
        for value in node:
            _patterns(value, found)
    return found


@SQLITE_ONLY
@pytest.mark.parametrize("service", ["religion", "dialogue", "indicators", "reporting"])
def test_every_pattern_of_a_service_has_its_form(services: Services, service: str) -> None:
    client = services[service]
    patterns = _patterns(client.get("/openapi.json").json(), set())
    own = client.app.state.pattern_forms  # type: ignore[attr-defined]
    assert patterns - NOT_TYPED
    assert {p for p in patterns - NOT_TYPED if p not in PATTERN_FORMS and p not in own} == set()
