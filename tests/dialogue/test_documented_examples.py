"""Every documented example of a dialogue command is one the service accepts (K6, extended
from indicators: tests/apidocs/commandexamples.py). In a fresh store, with the documented
prerequisites made first (a session before it is cancelled, a head in office to hand over),
each command route's example body is sent unchanged but for the ids the service gave (a
head's, in a session's head_ids), and must be answered 2xx. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.apitexts import EXAMPLES
from services.dialogue.app import create_app
from shared.settings import Settings
from tests.apidocs.commandexamples import Step, send_examples


@pytest.fixture
def client(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_factory("dialogue"))) as test_client:
        yield test_client


def _session(values: dict[str, str]) -> dict[str, Any]:
    return {**EXAMPLES["PlanSession"], "head_ids": [values["head_id"]]}


HEAD = "/api/v1/heads/{head_id}"
SESSION = "/api/v1/sessions/{session_id}"
COMMITMENT = "/api/v1/commitments/{commitment_id}"
STEPS = (
    Step("POST", "/api/v1/heads", remember={"head_id": "head_id"}),
    Step("POST", f"{HEAD}/took-office/corrections", etag=HEAD),
    Step("POST", "/api/v1/sessions", references={"head_ids": "head_id"},
         remember={"session_id": "session_id"}),
    Step("POST", f"{SESSION}/reschedule"),
    Step("POST", f"{SESSION}/hold"),
    Step("POST", f"{SESSION}/holding/corrections", etag=SESSION),
    Step("POST", f"{SESSION}/report"),
    Step("POST", f"{SESSION}/issues"),
    Step("POST", f"{SESSION}/commitments", remember={"commitment_id": "commitment_id"}),
    Step("POST", f"{COMMITMENT}/progress"),
    Step("POST", f"{COMMITMENT}/reopen"),
    # Another session, planned as documented, to cancel.
    Step("POST", f"{SESSION}/cancel",
         before=[("/api/v1/sessions", _session, {"session_id": "session_id"})]),
    Step("POST", f"{HEAD}/leave"),
    Step("POST", f"{HEAD}/left-office/corrections", etag=HEAD),
    # The post's next holder, in office from the day after the corrected leaving, hands over.
    Step("POST", f"{HEAD}/successor", etag=HEAD, before=[(
        "/api/v1/heads", {**EXAMPLES["TakeOffice"], "from_date": "2023-06-01"},
        {"head_id": "head_id"})]),
    Step("POST", "/api/v1/dialogue-rules"),
    Step("POST", "/api/v1/admin/api-keys", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/rotate", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/revoke"),
)


def test_every_documented_command_example_is_accepted(client: TestClient) -> None:
    refused = send_examples(client, STEPS, {})
    assert not refused, "documented examples refused:\n" + "\n".join(refused)
