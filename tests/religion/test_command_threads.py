"""A command's function runs in the app's command threads, not AnyIO's thread pool (issue 20,
shared/commandthreads.py), with the request's log context, and its refusals and answers are
those it gave before."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from services.religion.app import create_app
from services.religion.application import handlers
from shared.db import writers_waiting
from shared.settings import Settings
from tests.integration.helpers import runtime_of, wait_until
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


def _sqlite(client: TestClient) -> bool:
    return bool(runtime_of(client).engine.dialect.name == "sqlite")


def test_on_sqlite_the_commands_run_in_the_databases_one_thread(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite every command runs in the database's one writer thread (the writers' turn
    never changes threads, shared.commandthreads.writer_thread); on PostgreSQL in the many."""
    seen: list[tuple[str, int]] = []
    register_site = handlers.register_site

    def spying(uow: Any, command: Any) -> Any:
        seen.append((threading.current_thread().name, threading.get_ident()))
        return register_site(uow, command)

    monkeypatch.setattr(handlers, "register_site", spying)
    for n in range(3):
        assert religion.post("/api/v1/sites", json=site_body(f"OT-{n}")).status_code == 201
    names = {name for name, _ in seen}
    if _sqlite(religion):
        assert names == {"command-writer"} and len({ident for _, ident in seen}) == 1
    else:
        assert names == {"command"}


class _Held:
    """register_site held, for the site code `held`, until `release` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, held: str) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.reached: list[str] = []
        register_site = handlers.register_site

        def holding(uow: Any, command: Any) -> Any:
            self.reached.append(command.code)
            if command.code == held:
                self.entered.set()
                assert self.release.wait(60), "the held command was never let go"
            return register_site(uow, command)

        monkeypatch.setattr(handlers, "register_site", holding)


class _Requests:
    """Requests sent from threads of their own, each answered into the list `send` returns."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def send(self, call: Callable[[], Any]) -> list[Any]:
        answers: list[Any] = []
        thread = threading.Thread(target=lambda: answers.append(call()))
        thread.start()
        self._threads.append(thread)
        return answers

    def join(self) -> None:
        for thread in self._threads:
            thread.join(60)


@contextlib.contextmanager
def _while_held(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, code: str
) -> Iterator[tuple[_Held, _Requests, list[Any]]]:
    """The registration of site `code` sent and held in its command (in its unit of work: on
    SQLite it holds the writers' turn) while the block runs: the hold, the block's own
    requests sent from threads (`_Requests.send`), and the held one's answers. Leaving the
    block lets it go and waits for every request sent."""
    held = _Held(monkeypatch, code)
    requests = _Requests()
    first_answer = requests.send(
        lambda: client.post("/api/v1/sites", json=site_body(code)))
    try:
        assert held.entered.wait(60)
        yield held, requests, first_answer
    finally:
        held.release.set()
        requests.join()


def test_a_read_answers_and_a_command_waits_while_a_command_runs(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GET is not queued behind a command (it runs in AnyIO's threads, and the list reads
    a snapshot without the writers' turn); on SQLite another
    command waits for the one running (counted among the writers waiting), on PostgreSQL it
    runs beside it. Both are written once the first goes on."""
    assert religion.post("/api/v1/sites", json=site_body("RD-0")).status_code == 201
    with _while_held(religion, monkeypatch, "RD-1") as (held, requests, first_answer):
        read = religion.get("/api/v1/sites")  # a list: read-only, beside any writer
        assert read.status_code == 200, read.text
        assert [site["code"] for site in read.json()["items"]] == ["RD-0"]
        second_answer = requests.send(
            lambda: religion.post("/api/v1/sites", json=site_body("RD-2")))
        if _sqlite(religion):
            engine = runtime_of(religion).engine
            wait_until(lambda: writers_waiting(engine) == 1, 60)
            assert held.reached == ["RD-1"]  # queued, not begun
        else:
            wait_until(lambda: bool(second_answer), 60)
            assert [a.status_code for a in second_answer] == [201]
    assert [a.status_code for a in first_answer] == [201]
    assert [a.status_code for a in second_answer] == [201]
    assert religion.get("/api/v1/sites/RD-2").status_code == 200


def test_on_sqlite_a_command_queued_past_the_busy_timeout_is_answered_503(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that waited for the writer thread longer than DATABASE_BUSY_TIMEOUT_S is
    refused 503 DATABASE_UNAVAILABLE with Retry-After, as one waiting that long for the
    writers' turn was, and is not run late; the next one is served."""
    client = TestClient(create_app(settings_factory("religion", database_busy_timeout_s=0.2)),
                        headers={"X-Actor": "can.bo.tg"})
    if not _sqlite(client):
        pytest.skip("SQLite's writer thread (PostgreSQL's commands run in many)")
    runtime_of(client).create_schema()
    engine = runtime_of(client).engine
    with _while_held(client, monkeypatch, "BT-1") as (held, requests, first_answer):
        second_answer = requests.send(
            lambda: client.post("/api/v1/sites", json=site_body("BT-2")))
        wait_until(lambda: writers_waiting(engine) == 1, 60)
        time.sleep(0.5)  # past the busy timeout (waited, not measured)
    try:
        assert [a.status_code for a in first_answer] == [201]
        [refused] = second_answer
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
        assert int(refused.headers["Retry-After"]) > 0
        assert held.reached == ["BT-1"]  # never run
        assert client.get("/api/v1/sites/BT-2").status_code == 404
        assert client.post("/api/v1/sites", json=site_body("BT-2")).status_code == 201
    finally:
        engine.dispose()


def test_a_read_by_key_answers_while_a_command_holds_the_writers_turn(
    settings_factory: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only route reads a snapshot (shared.db.read_connection), on SQLite without the
    writers' turn: a site's detail, history and state as of a day, and the readiness
    probe's database check, answer while a command holds the turn. Through a plain
    connection each began IMMEDIATE, waited for the command and, after the busy timeout
    (short here), was answered 503 DATABASE_UNAVAILABLE."""
    client = TestClient(create_app(settings_factory("religion", database_busy_timeout_s=0.3)),
                        headers={"X-Actor": "can.bo.tg"})
    runtime_of(client).create_schema()
    try:
        assert client.post("/api/v1/sites", json=site_body("RK-0")).status_code == 201
        with _while_held(client, monkeypatch, "RK-1") as (held, _, first_answer):
            detail = client.get("/api/v1/sites/RK-0")
            assert detail.status_code == 200, detail.text
            assert detail.json()["code"] == "RK-0"
            history = client.get("/api/v1/sites/RK-0/history")
            assert history.status_code == 200, history.text
            on_day = client.get("/api/v1/sites/RK-0/as-of", params={"date": "2030-01-01"})
            assert on_day.status_code == 200, on_day.text
            unknown = client.get("/api/v1/sites/RK-1")  # the held one is not written yet
            assert unknown.status_code == 404, unknown.text
            ready = client.get("/readyz")
            assert ready.json()["checks"]["database"] == "ok", ready.text
            assert held.reached == ["RK-1"] and first_answer == []  # still held
        assert [a.status_code for a in first_answer] == [201]
    finally:
        runtime_of(client).engine.dispose()
