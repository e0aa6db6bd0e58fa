"""Outage or poison: which failures spend an event's attempts toward a dead letter."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from nats import errors as nats_errors
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from shared.natsserver import free_port
from shared.outage import (
    OUTAGE_RETRY_FIRST_S,
    OUTAGE_RETRY_MAX_S,
    Backoff,
    DiskFullNotice,
    is_disk_full,
    is_infrastructure_failure,
)


def _wrapped(orig: BaseException, kind: type[DBAPIError] = OperationalError) -> Exception:
    return kind("INSERT INTO facts", {}, orig)


def test_a_refused_postgresql_connection_is_an_outage() -> None:
    # A real refusal: nothing listens on this port.
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    with pytest.raises(OperationalError) as raised:
        engine.connect()
    assert is_infrastructure_failure(raised.value)


def test_the_driver_and_nats_failures_of_an_outage() -> None:
    assert is_infrastructure_failure(_wrapped(psycopg.OperationalError("server closed")))
    assert is_infrastructure_failure(_wrapped(sqlite3.OperationalError("database is locked")))
    assert is_infrastructure_failure(sqlite3.OperationalError("disk I/O error"))
    assert is_infrastructure_failure(psycopg.OperationalError("terminating connection"))
    assert is_infrastructure_failure(nats_errors.ConnectionClosedError())
    assert is_infrastructure_failure(nats_errors.TimeoutError())
    assert is_infrastructure_failure(ConnectionResetError())
    assert is_infrastructure_failure(TimeoutError())


def test_an_error_raised_from_an_outage_is_an_outage() -> None:
    try:
        try:
            raise ConnectionRefusedError("refused")
        except ConnectionRefusedError as refused:
            raise RuntimeError("could not record the fact") from refused
    except RuntimeError as exc:
        assert is_infrastructure_failure(exc)


def test_the_handlers_own_failures_are_not_outages() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(OperationalError) as missing:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not is_infrastructure_failure(missing.value), "a programming error on SQLite"
    assert not is_infrastructure_failure(
        _wrapped(psycopg.errors.UndefinedTable("facts"), ProgrammingError))
    assert not is_infrastructure_failure(
        _wrapped(psycopg.errors.UniqueViolation("dup"), IntegrityError))
    assert not is_infrastructure_failure(KeyError("commune_code"))
    assert not is_infrastructure_failure(ValueError("bad payload"))


def test_a_failure_met_while_handling_an_outage_is_the_handlers_own() -> None:
    # Only `raise ... from` links a failure to an outage, not the implicit context.
    try:
        try:
            raise ConnectionResetError()
        except ConnectionResetError:
            raise KeyError("site")  # noqa: B904 (the implicit context is the point)
    except KeyError as exc:
        assert not is_infrastructure_failure(exc)


def test_a_backoff_doubles_to_its_cap_and_starts_again_once_reset() -> None:
    """The wait between tries while something is away (the relay, the consumers, the NATS
    link, the dialogue scheduler): its first, doubled after each try, never past its cap;
    back to the first once the work went through."""
    backoff = Backoff(0.2, 1.0)
    assert [backoff.next() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert [backoff.next() for _ in range(2)] == [0.2, 0.4]
    default = Backoff()
    assert (default.first_s, default.max_s) == (OUTAGE_RETRY_FIRST_S, OUTAGE_RETRY_MAX_S)
    assert [default.next() for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_a_write_refused_for_lack_of_space_is_told_from_other_outages() -> None:
    sqlite_full = _wrapped(sqlite3.OperationalError("database or disk is full"))
    postgres_full = _wrapped(psycopg.errors.DiskFull("could not extend file"))
    locked = _wrapped(sqlite3.OperationalError("database is locked"))
    assert is_disk_full(sqlite_full) and is_disk_full(postgres_full)
    assert not is_disk_full(locked)
    assert not is_disk_full(_wrapped(psycopg.errors.AdminShutdown("terminating")))
    now = [100.0]
    notice = DiskFullNotice(clock=lambda: now[0])
    assert notice.seconds_since() is None
    notice.note(locked)
    assert notice.seconds_since() is None  # only a full disk is noted
    notice.note(postgres_full)
    now[0] = 112.5
    assert notice.seconds_since() == 12.5
