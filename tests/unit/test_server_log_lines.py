"""The server's own log records are JSON lines like every other (examiner H, L4): uvicorn
printed each 500's traceback («Exception in ASGI application») as bare text lines, which
broke the one-JSON-object-a-line log the collectors read."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys

import pytest
from uvicorn.config import LOGGING_CONFIG

from shared.logs import configure_logging, get_logger


def test_an_exception_the_server_logs_is_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    # As a service starts: uvicorn configures its loggers, then calls the app's factory.
    logging.config.dictConfig(LOGGING_CONFIG)
    configure_logging("INFO", json=True)
    try:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    except UnicodeEncodeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    logging.getLogger("uvicorn.error").warning("Invalid HTTP request received.")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    first, second = (json.loads(line) for line in lines)
    assert first["event"] == "Exception in ASGI application"
    assert first["level"] == "error"
    assert first["exception"].startswith("Traceback (most recent call last):")
    assert "UnicodeEncodeError" in first["exception"]
    assert second["event"] == "Invalid HTTP request received."
    assert second["level"] == "warning"
    # Configured again (a second app in the process): still one handler, one line a record.
    configure_logging("INFO", json=True)
    logging.getLogger("uvicorn.error").error("lần hai")
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_a_line_logged_after_the_stream_of_the_configuration_closed_goes_to_the_current_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Logging configured while stderr was a stream since closed (a test's capture, in pytest);
    # a later line, by code that does not configure again, failed «I/O operation on closed
    # file» (16 tests of one CI run, one worker, after a test capturing stderr made an app).
    gone = io.StringIO()
    monkeypatch.setattr(sys, "stderr", gone)
    configure_logging("INFO", json=True)
    gone.close()
    monkeypatch.undo()
    get_logger("danvan.test").info("sau_khi_dong")
    assert json.loads(capsys.readouterr().err.splitlines()[-1])["event"] == "sau_khi_dong"
