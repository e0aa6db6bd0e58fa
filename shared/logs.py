"""One structlog setup: JSON lines with the correlation id bound from context."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any, TextIO, cast

import structlog

_SECRET_KEYS = frozenset({"password", "token", "authorization", "api_key", "secret", "key"})


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    # Secrets must never reach a log, whatever a caller passes by mistake.
    for name in list(event_dict):
        if name.lower() in _SECRET_KEYS:
            event_dict[name] = "***"
    return event_dict


class _CurrentStderr:
    """The standard error stream as it is at each line, not as it was when logging was
    configured: a stream replaced meanwhile (pytest's per-test capture, closed after its test)
    kept every later line of the process, logged by code that never configured logging
    again, failing «I/O operation on closed file». A process's own stderr never changes,
    so a service writes where it did.

    A line that cannot be written is lost, never raised into the code that logged it: with
    the service's standard error a file on a full disk (`make run > run.log`, the disk its
    SQLite files fill), the relay's «relay_unavailable» line raised «No space left on
    device» out of its retry handler and ended the relay for the process's life, commands
    still answered 201, their events never published and /readyz saying the relay was fine
    (examiner-outage). A closed or broken pipe (EPIPE) is the same."""

    def write(self, text: str) -> int:
        try:
            return sys.stderr.write(text)
        except OSError:
            return 0

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            sys.stderr.flush()


# Typed as the stream it stands for: structlog's printer only writes and flushes.
_CURRENT_STDERR = cast(TextIO, _CurrentStderr())


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
        structlog.processors.format_exc_info,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(_CURRENT_STDERR),
        cache_logger_on_first_use=False,
    )
    pool = logging.getLogger("sqlalchemy.pool")
    if not any(isinstance(handler, _PoolLines) for handler in pool.handlers):
        pool.addHandler(_PoolLines())
        pool.propagate = False
    # The server's own lines (uvicorn configures its loggers before it calls the app's
    # factory, which comes here): its «Exception in ASGI application» printed the traceback of
    # every 500 as bare text lines among the JSON ones (examiner H, L4). Each record is now one
    # line of this renderer, its traceback inside it (format_exc_info above).
    server = logging.getLogger("uvicorn")
    server.handlers = [_ServerLines()]
    server.propagate = False


class _PoolLines(logging.Handler):
    """SQLAlchemy's pool reports through the standard logging, which prints a bare traceback:
    one for each connection it takes back and cannot reset because the database closed it (a
    restart, an outage). It then discards the connection and nothing is lost; one JSON line
    like every other says so."""

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        get_logger("danvan.db").warning(
            "database_pool",
            message=record.getMessage(),
            error=error_line(error) if error else None,
        )


class _ServerLines(logging.Handler):
    """The standard logging's records of the server (uvicorn) as structlog lines: the level
    and message as they are, an exception as the line's `exception`."""

    def emit(self, record: logging.LogRecord) -> None:
        logger = get_logger(record.name)
        write = getattr(logger, record.levelname.lower(), logger.info)
        if record.exc_info:
            write(record.getMessage(), exc_info=record.exc_info)
        else:
            write(record.getMessage())


def error_line(error: BaseException) -> str:
    """`Type: first line of its message` (the driver's message when SQLAlchemy wraps one):
    what a log line says of an expected failure, instead of a traceback."""
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0][:300] if text else ''}"


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
