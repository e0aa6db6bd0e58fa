"""The same signed report downloads as the same bytes (finding N3): its .docx, .xlsx and
.pdf differed on every download (the zip entries' times, openpyxl's `modified`, the PDF's
CreationDate and /ID), so nobody could check that a file in circulation is the signed one.

The clock the tools read is moved a day on between the downloads rather than waited on
(a zip time has a 2-second grain): the module's own `time` for the zip writers, the
service's business day for the document's text; the PDF is rendered by another process,
whose own clock has moved on by the time of the second rendering."""

from __future__ import annotations

import hashlib
import time
import types
import zipfile

import pytest
from fastapi.testclient import TestClient

from services.reporting.app import create_app
from services.reporting.outputs import pdf
from tests.dialogue.conftest import FakeToday
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import two_quarter_scenario

REPORT = "/api/v1/reports/2023-6m"
FILES = ("report.docx", "tables.xlsx", "report.pdf")


def _later_clock(days: int) -> types.SimpleNamespace:
    """A `time` module whose now is `days` later, for the zip writers only."""
    shift = days * 86_400
    return types.SimpleNamespace(
        time=lambda: time.time() + shift,
        localtime=lambda seconds=None: time.localtime(
            time.time() if seconds is None else seconds),
    )


def _downloads(client: TestClient, query: str = "") -> dict[str, str]:
    hashes = {}
    for file in FILES:
        if file.endswith(".pdf") and pdf.engine() is None:
            continue  # no LibreOffice here: the PDF route answers 503 (its own tests)
        response = client.get(f"{REPORT}/{file}{query}")
        assert response.status_code == 200, (file, response.text)
        hashes[file] = hashlib.sha256(response.content).hexdigest()
    return hashes


def test_a_signed_report_is_the_same_bytes_on_every_download_and_after_a_restart(
    reporting: Reporting, clock: FakeToday, monkeypatch: pytest.MonkeyPatch,
) -> None:
    reporting.feed(two_quarter_scenario())
    signed = reporting.client.post(f"{REPORT}/finalise", json={"scope": "31"})
    assert signed.status_code == 201, signed.text
    first = _downloads(reporting.client)
    # A day later, by every clock the documents could read.
    monkeypatch.setattr(zipfile, "time", _later_clock(1))
    clock.advance(1)
    assert _downloads(reporting.client) == first
    # A restarted service (a new process's state over the same database).
    settings = reporting.runtime.settings
    with TestClient(create_app(settings, today=clock)) as restarted:
        assert _downloads(restarted) == first


def test_a_live_report_as_of_a_moment_is_the_same_bytes_for_the_same_request(
    reporting: Reporting, monkeypatch: pytest.MonkeyPatch,
) -> None:
    reporting.feed(two_quarter_scenario())
    query = "?as_of=2023-06-20T10:00:00%2B07:00"
    first = _downloads(reporting.client, query)
    monkeypatch.setattr(zipfile, "time", _later_clock(1))
    assert _downloads(reporting.client, query) == first
