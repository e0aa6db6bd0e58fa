"""User text that refusals show (examiner H's M3 and L1), over HTTP with AUTH_MODE=required,
on SQLite and on PostgreSQL: a lone surrogate in any text of a JSON body is refused 422
NONCHARACTERS in every service (it was a 500 from an API key's scopes: the refusal echoed it
and its answer could not be encoded), and a bidi control in a scope, a file's name or an
`as_of` is shown escaped, never as the character that reverses the message around it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.errors import InvalidInput
from shared.jsonanswer import JSONAnswer
from shared.validation import echoed, read_as_of
from tests.auth.conftest import Idp, Services
from tests.integration.helpers import event_count

SERVICES = ("religion", "dialogue", "indicators", "reporting")
BIDI = "\u202e"
JSON = {"content-type": "application/json"}


def _detail(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    (detail,) = error["details"]
    return dict(detail)


@pytest.mark.parametrize("service", SERVICES)
def test_a_lone_surrogate_in_a_body_is_refused_not_a_500(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    admin = {**idp.headers("key_admin"), **JSON}
    for body, field in (
        (b'{"owner":"x","scopes":["\\ud800"]}', "scopes.0"),
        (b'{"owner":"x","scopes":["religion:read\\udfff"]}', "scopes.0"),
        (b'{"owner":"x\\udc00y","scopes":["religion:read"]}', "owner"),
        # The raw bytes of a surrogate, which the body's decoding lets through too.
        (b'{"owner":"x","scopes":["\xed\xa0\x80"]}', "scopes.0"),
    ):
        detail = _detail(client.post("/api/v1/admin/api-keys", content=body, headers=admin))
        assert detail == {"field": field, "code": "NONCHARACTERS", "message": detail["message"]}
        assert detail["message"]
    # A key of an object holding one is named escaped.
    keyed = client.post("/api/v1/admin/api-keys", headers=admin,
                        content=b'{"owner":"x","scopes":["religion:read"],"\\ud800":1}')
    assert _detail(keyed)["field"] == "\\ud800"
    # A whole pair (an emoji) is text: the request goes on to the scope's own refusal.
    emoji = client.post("/api/v1/admin/api-keys", headers=admin,
                        content=b'{"owner":"x","scopes":["\\ud83d\\ude00"]}')
    assert emoji.status_code == 422
    assert emoji.json()["error"]["code"] == "UNKNOWN_SCOPE"
    assert "\U0001f600" in emoji.json()["error"]["message"]
    assert event_count(client) == 0


def test_a_bidi_control_in_a_scope_is_shown_escaped(services: Services, idp: Idp) -> None:
    refused = services["religion"].post(
        "/api/v1/admin/api-keys", headers=idp.headers("key_admin"),
        json={"owner": "x", "scopes": [f"religion:read{BIDI}daer"]})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "UNKNOWN_SCOPE"
    assert BIDI not in refused.text
    assert "religion:read\\u202edaer" in error["message"]
    assert error["details"]["unknown"] == ["religion:read\\u202edaer"]


def test_a_bidi_control_in_an_uploaded_file_name_is_shown_escaped(
    services: Services, idp: Idp
) -> None:
    religion = services["religion"]
    writer = idp.headers("city_staff")
    for name in (f"x{BIDI}gpj.csv", f"x{BIDI}gpj.txt", f"x{BIDI}gpj.xlsx"):
        refused = religion.post("/api/v1/sites/import", headers=writer,
                                files={"file": (name, b"\xff\xfe\x00\x00not a sheet")})
        assert refused.status_code == 422, refused.text
        assert BIDI not in refused.text
        assert "x\\u202egpj" in refused.json()["error"]["message"]
    dialogue = services["dialogue"]
    refused = dialogue.post("/api/v1/commitments/progress-import", headers=writer,
                            files={"file": (f"x{BIDI}gpj.xlsx", b"PK\x03\x04broken")})
    assert refused.status_code == 422, refused.text
    assert BIDI not in refused.text


def test_an_as_of_is_shown_escaped() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_as_of(f"2023{BIDI}-01", datetime(2024, 1, 1, tzinfo=UTC))
    assert BIDI not in refused.value.message
    assert "2023\\u202e-01" in refused.value.message


def test_echoed_escapes_only_what_acts_on_a_message_or_cannot_be_sent() -> None:
    assert echoed("Chùa Phúc Lâm 😀 ن\u200cم") == "Chùa Phúc Lâm 😀 ن\u200cم"
    assert echoed(f"a{BIDI}\u2066\x01\u200b\ufeff\ud800\ufffe") == (
        "a\\u202e\\u2066\\u0001\\u200b\\ufeff\\ud800\\ufffe")


def test_an_answer_holding_a_lone_surrogate_is_still_sent() -> None:
    """The last line of defence: a message that still held one was a 500."""
    answer = JSONAnswer({"error": {"code": "X", "message": "a\ud800"}}, status_code=422)
    assert answer.body == b'{"error":{"code":"X","message":"a\\ud800"}}'
