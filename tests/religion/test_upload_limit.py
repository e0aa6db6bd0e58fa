"""The upload limit holds while the body streams in: a file sent without a Content-Length
(chunked) is cut off at the limit with 413, before the rest is read. It is an upload's only:
a multipart/form-data body sent to a route taking a file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from services.religion.app import create_app
from shared.settings import Settings
from shared.web import BodySizeLimit
from tests.integration.helpers import event_count, runtime_of

LIMIT = 200_000
BOUNDARY = "ranh-gioi-tep"


def _chunked_multipart(size: int) -> Iterator[bytes]:
    """A multipart body of a CSV of `size` bytes in 16 KiB chunks (sent without a length)."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ds.csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    yield head
    chunk = b"TL-01;Chua;Phat giao;11755\n" * 600
    for _ in range(size // len(chunk)):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_an_upload_without_length_is_refused_at_the_limit_while_streaming(
    settings_factory: Callable[..., Settings],
) -> None:
    app = create_app(settings_factory("religion", max_upload_bytes=LIMIT))
    with TestClient(app, headers={"X-Actor": "can.bo.tg"}) as client:
        runtime_of(client).create_schema()
        response = client.post(
            "/api/v1/sites/import",
            content=_chunked_multipart(5_000_000),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert event_count(client) == 0

        declared = client.post("/api/v1/sites/import",
                               files={"file": ("ds.csv", b"x" * (LIMIT + 1))})
        assert declared.status_code == 413


def test_the_limit_stops_reading_at_the_first_chunk_past_it() -> None:
    """At the ASGI level: an app that reads the whole body is handed a disconnect at the
    chunk that passes the limit, the client gets 413, and no further chunk is pulled."""
    chunks = [b"x" * 100_000] * 10
    pulled: list[int] = []
    sent: list[Message] = []
    app_saw: list[str] = []

    async def receive() -> Message:
        pulled.append(len(pulled))
        return {"type": "http.request", "body": chunks[len(pulled) - 1],
                "more_body": len(pulled) < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            app_saw.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        response = JSONResponse({"read": "all"}, status_code=200)
        await response(scope, receive, send)

    upload = Route("/", reading_app, methods=["POST"])
    guard = BodySizeLimit(reading_app, max_bytes=1_000, max_upload_bytes=250_000,
                          uploads=[upload])
    scope: Scope = {"type": "http", "method": "POST", "path": "/",
                    "headers": [(b"content-type", b"multipart/form-data; boundary=x")]}
    asyncio.run(guard(scope, receive, send))
    assert len(pulled) == 3
    assert app_saw == ["http.request", "http.request", "http.disconnect"]
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [413]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert json.loads(body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_only_a_multipart_body_sent_to_an_upload_route_gets_the_upload_limit(
    settings_factory: Callable[..., Settings],
) -> None:
    """Examiner H's M2: any Content-Type holding «multipart» had the upload's limit, though
    FastAPI parsed `application/json; x=multipart` as JSON (45 MB of it took religion to
    1.27 GB). A JSON route refuses a body past the JSON limit whatever its type says; an
    upload route refuses one that is not multipart/form-data past it too."""
    json_limit = 5_000
    app = create_app(settings_factory("religion", max_body_bytes=json_limit,
                                      max_upload_bytes=LIMIT))
    body = b'{"code":"' + b"x" * (json_limit * 2) + b'"}'
    with TestClient(app, headers={"X-Actor": "can.bo.tg"}) as client:
        runtime_of(client).create_schema()
        for content_type in ("application/json; x=multipart", "multipart/form-data; boundary=x",
                             "application/json", "application/multipart+json",
                             "text/plain; charset=multipart/form-data"):
            # Declared, to either route; streamed, to the JSON route, which reads it (the
            # upload's refuses another type 415 without reading it).
            answers = [client.post(path, content=body, headers={"content-type": content_type})
                       for path in ("/api/v1/sites", "/api/v1/sites/import")]
            answers.append(client.post("/api/v1/sites", content=iter([body]),
                                       headers={"content-type": content_type}))
            for path, answer in zip(("json", "upload", "json streamed"), answers, strict=True):
                if path == "upload" and content_type.startswith("multipart/form-data"):
                    # An upload's own: its limit (a broken one, this: 400 MALFORMED_BODY).
                    assert answer.status_code == 400, answer.text
                    continue
                assert answer.status_code == 413, (content_type, path, answer.text)
                error = answer.json()["error"]
                assert error["code"] == "PAYLOAD_TOO_LARGE"
                assert error["message"].startswith("Dữ liệu gửi lên")
        # The upload's own type to its own route, in any case and spacing: the upload's limit.
        for content_type in (f"multipart/form-data; boundary={BOUNDARY}",
                             f"Multipart/Form-Data ; boundary={BOUNDARY}"):
            upload = client.post(
                "/api/v1/sites/import?dry_run=true", content=b"".join(_chunked_multipart(20_000)),
                headers={"content-type": content_type})
            assert upload.status_code != 413, upload.text
        assert event_count(client) == 0
