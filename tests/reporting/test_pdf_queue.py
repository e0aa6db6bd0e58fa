"""PDF renders wait for the engine in a short queue; past it a request is sent back at once.

A render takes seconds and runs one at a time per process (services/reporting/outputs/pdf.py),
and each request waiting for it held one of the threads every route of the service runs on:
42 PDF links opened at once (a reader's script, or a page of links refreshed) left
GET /api/v1/periods waiting 38.7 s on this machine (examiner-hostile). A queue of
`MAX_WAITING` beside the render now; the next request is 503 PDF_BUSY with Retry-After.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from services.reporting import messages
from services.reporting.outputs import pdf
from tests.integration.helpers import wait_until
from tests.reporting.conftest import Reporting


@pytest.fixture
def held_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """An engine whose every render waits for the event, then fails (no file made)."""
    release = threading.Event()

    def run(*_: Any, **__: Any) -> subprocess.CompletedProcess[bytes]:
        release.wait(timeout=60)
        return subprocess.CompletedProcess([], 1, b"", b"held")

    monkeypatch.setattr(pdf, "engine", lambda: "soffice")
    monkeypatch.setattr(subprocess, "run", run)
    yield release
    release.set()


def _render() -> None:
    # The held engine fails once released; only the queue matters here.
    with contextlib.suppress(pdf.PdfEngineUnavailable):
        pdf.to_pdf(b"document", ".docx")


def test_a_render_past_the_queue_is_sent_back_at_once(held_engine: threading.Event) -> None:
    queued = [threading.Thread(target=_render) for _ in range(1 + pdf.MAX_WAITING)]
    for thread in queued:
        thread.start()
    wait_until(lambda: pdf.renders_in_queue() == 1 + pdf.MAX_WAITING, timeout=30)
    with pytest.raises(pdf.PdfEngineBusy) as busy:
        pdf.to_pdf(b"document", ".docx")
    assert busy.value.code == "PDF_BUSY" and busy.value.status_code == 503
    assert busy.value.details["retry_after_s"] == pdf.RETRY_AFTER_S
    held_engine.set()
    for thread in queued:
        thread.join(timeout=60)
    assert pdf.renders_in_queue() == 0
    # Once the queue is empty a render is taken again (and reaches the engine).
    with pytest.raises(pdf.PdfEngineUnavailable) as failed:
        pdf.to_pdf(b"document", ".docx")
    assert failed.value.code == "PDF_ENGINE_FAILED"


def test_the_route_answers_503_with_retry_after_in_vietnamese(
    reporting: Reporting, held_engine: threading.Event
) -> None:
    queued = [threading.Thread(target=_render) for _ in range(1 + pdf.MAX_WAITING)]
    for thread in queued:
        thread.start()
    wait_until(lambda: pdf.renders_in_queue() == 1 + pdf.MAX_WAITING, timeout=30)
    answer = reporting.client.get("/api/v1/reports/2023-6m/report.pdf",
                                  params={"as_of": "2023-12-31"})
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "PDF_BUSY"
    assert answer.json()["error"]["message"] == messages.PDF_BUSY
    assert answer.headers["Retry-After"] == str(pdf.RETRY_AFTER_S)
    # The rest of the service answers meanwhile.
    assert reporting.client.get("/api/v1/periods").status_code == 200
    held_engine.set()
    for thread in queued:
        thread.join(timeout=60)
