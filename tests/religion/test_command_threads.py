"""A command's function runs in the app's command threads, not AnyIO's thread pool (issue 20,
shared/commandthreads.py), with the request's log context, and its refusals and answers are
those it gave before."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from services.religion.application import handlers
from tests.religion.conftest import site_body


def test_a_command_runs_in_a_command_thread_with_the_requests_log_context(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    register_site = handlers.register_site

    def spying(uow: Any, command: Any) -> Any:
        seen.append((threading.current_thread().name, structlog.contextvars.get_contextvars()))
        return register_site(uow, command)

    monkeypatch.setattr(handlers, "register_site", spying)
    response = religion.post(
        "/api/v1/sites", json=site_body("CT-1"), headers={"X-Correlation-Id": "ct-corr-1"}
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/api/v1/sites/CT-1"
    [(thread, context)] = seen
    assert thread.startswith("command")
    assert context["correlation_id"] == "ct-corr-1"
    assert threading.current_thread().name != thread  # not on the caller's (the loop's)

    # A refusal raised in the thread reaches the error handlers as before: 409, Vietnamese.
    again = religion.post("/api/v1/sites", json=site_body("CT-1"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "SITE_EXISTS"
    assert "x-content-type-options" in again.headers
