"""Dialogue's lists "as known at" a past moment (the kernel's `as_of`, shared/asof.py): heads,
a unit's terms, sessions, issues and commitments as they stood with the events recorded up to
that moment, so an official can check a signed figure against the records behind it. A record
created or changed after the moment is absent or old in the list as of it, present and new
without it; a bad or future moment is the kernel's 422; the sessions held that a report signed
as of a moment counts are the list's as of that moment. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.adapters.projection import PROJECTION
from shared.clock import format_date_vn, today_vn
from shared.envelope import EventEnvelope, utcnow
from tests.dialogue.conftest import (
    TIEN_LANG,
    FakeToday,
    held_session,
    ok,
    runtime_of,
    take_office,
)
from tests.integration.helpers import publish, wait_until
from tests.reporting.conftest import Reporting, figure_values, reporting

__all__ = ["reporting"]

LISTS = ("/api/v1/heads", f"/api/v1/units/{TIEN_LANG}/heads", "/api/v1/sessions",
         "/api/v1/issues", "/api/v1/commitments")


def _moment() -> str:
    """Now, as an official copies a moment: between two commands, to the microsecond."""
    return utcnow().isoformat()


def _planned(client: TestClient, head: str, on: str) -> str:
    body = ok(client.post("/api/v1/sessions", json={
        "unit_code": TIEN_LANG, "head_ids": [head], "planned_on": on,
        "topic": "Xây dựng nông thôn mới", "place": "Hội trường"}), 201)
    session_id: str = body["session_id"]
    return session_id


def _commitment(client: TestClient, session_id: str, text: str) -> str:
    body = ok(client.post(f"/api/v1/sessions/{session_id}/commitments", json={
        "text": text, "due_on": "2023-12-31",
        "responsible_agency": "Phòng Tài nguyên và Môi trường"}), 201)
    commitment_id: str = body["commitment_id"]
    return commitment_id


def _issue(client: TestClient, session_id: str) -> str:
    body = ok(client.post(f"/api/v1/sessions/{session_id}/issues", json={
        "category": "environment", "text": "Ô nhiễm từ cơ sở chăn nuôi",
        "handling": "answered_on_spot", "answer": "Đã trả lời"}), 201)
    issue_id: str = body["issue_id"]
    return issue_id


def _items(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    body = ok(client.get(url, params=params))
    assert body["total"] == len(body["items"]), body
    items: list[dict[str, Any]] = body["items"]
    return items


def test_the_lists_as_known_at_a_moment(client: TestClient) -> None:
    """Before the moment: the secretary in office, a session held with an issue and a
    commitment at 20 %, a session planned. After it: the secretary leaves, a chair takes
    office, the planned session is held, the commitment reaches 60 %, a second issue and
    commitment are recorded. As of the moment every list is as it stood; without it, today's."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    held = held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    first_issue = _issue(client, held)
    kept = _commitment(client, held, "Kiểm tra cơ sở chăn nuôi")
    ok(client.post(f"/api/v1/commitments/{kept}/progress",
                   json={"progress_pct": 20, "updated_on": "2023-04-01"}))
    planned = _planned(client, secretary, "2023-05-10")
    then = _moment()

    ok(client.post(f"/api/v1/heads/{secretary}/leave", json={"to_date": "2023-06-01"}))
    chair = take_office(client, TIEN_LANG, "people_committee_chair", "Trần Thị Bình",
                        "2023-02-01")
    ok(client.post(f"/api/v1/sessions/{planned}/hold", json={"held_on": "2023-05-10"}))
    ok(client.post(f"/api/v1/commitments/{kept}/progress",
                   json={"progress_pct": 60, "updated_on": "2023-06-01"}))
    _issue(client, planned)
    late = _commitment(client, planned, "Nạo vét kênh")

    on = {"on": "2023-07-01", "unit_code": TIEN_LANG}
    assert [h["head_id"] for h in _items(client, "/api/v1/heads", as_of=then, **on)] == [
        secretary]
    assert [h["head_id"] for h in _items(client, "/api/v1/heads", **on)] == [chair]
    terms = f"/api/v1/units/{TIEN_LANG}/heads"
    [term] = _items(client, terms, as_of=then)
    assert (term["head_id"], term["to_date"]) == (secretary, None)
    assert {h["head_id"] for h in _items(client, terms)} == {secretary, chair}

    sessions = {s["session_id"]: s["status"]
                for s in _items(client, "/api/v1/sessions", as_of=then)}
    assert sessions == {held: "held", planned: "planned"}
    assert [s["session_id"] for s in _items(
        client, "/api/v1/sessions", as_of=then, status="held")] == [held]
    assert {s["session_id"] for s in _items(client, "/api/v1/sessions", status="held")} == {
        held, planned}

    assert [i["issue_id"] for i in _items(client, "/api/v1/issues", as_of=then)] == [
        first_issue]
    assert len(_items(client, "/api/v1/issues")) == 2

    [commitment] = _items(client, "/api/v1/commitments", as_of=then, unit_code=TIEN_LANG)
    assert (commitment["commitment_id"], commitment["progress_pct"]) == (kept, 20)
    now = {c["commitment_id"]: c["progress_pct"] for c in _items(client, "/api/v1/commitments")}
    assert now == {kept: 60, late: 0}
    body = ok(client.get("/api/v1/commitments", params={"as_of": then, "page_size": 1}))
    assert body["as_of"] == datetime.fromisoformat(then).isoformat()
    assert "as_of" not in ok(client.get("/api/v1/commitments"))


BAD = [
    ("14/06/2023", "INVALID_AS_OF"),
    ("2023-02-30", "INVALID_AS_OF"),
    ("1989-12-31", "INVALID_AS_OF"),
    ("2099-01-01T00:00:00+07:00", "AS_OF_IN_FUTURE"),
]


@pytest.mark.parametrize(("value", "code"), BAD, ids=[v for v, _ in BAD])
def test_a_bad_or_future_moment_is_the_kernels_422(
    client: TestClient, value: str, code: str
) -> None:
    for url in LISTS:
        refused = client.get(url, params={"as_of": value})
        assert refused.status_code == 422, (url, refused.text)
        error = refused.json()["error"]
        assert error["code"] == code, (url, error)
        assert not error["message"].isascii(), "a Vietnamese message"


def test_todays_date_is_refused_as_the_kernel_words_it(client: TestClient) -> None:
    for url in LISTS:
        refused = client.get(url, params={"as_of": today_vn().isoformat()})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "AS_OF_IN_FUTURE"
        words = f"hết ngày {format_date_vn(today_vn())}, hôm nay, chưa đến"  # O4's wording
        assert words in refused.json()["error"]["message"]


def _published(reporting: Reporting, envelopes: list[EventEnvelope]) -> None:
    """The service's own events onto its stream (its relay's twins: JetStream keeps one of
    each), each consumer of reporting waited for until it applied those it takes."""
    asyncio.run(publish(reporting.nats_url, reporting.root, envelopes))
    for consumer in reporting.runtime.consumers:
        if consumer.projection.source_service == "dialogue":
            taken = sum(e.event_type in consumer.projection.event_types for e in envelopes)
            wait_until(lambda c=consumer, n=taken: c.applied >= n)  # type: ignore[misc]


def test_a_report_signed_at_a_moment_counts_the_list_as_of_it(
    client: TestClient, reporting: Reporting,
) -> None:
    """The year's report of 2023 signed as of a moment (the later facts acknowledged): its
    sessions held are the total of the sessions' list as known then, not of today's."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    held_session(client, TIEN_LANG, [secretary], "2023-03-15")
    planned = _planned(client, secretary, "2023-05-10")
    then = _moment()
    ok(client.post(f"/api/v1/sessions/{planned}/hold", json={"held_on": "2023-05-10"}))
    held_session(client, TIEN_LANG, [secretary], "2023-06-20")
    runtime = runtime_of(client)
    with runtime.engine.connect() as conn:
        _published(reporting, list(runtime.store.iter_all(conn)))

    signed = reporting.client.post("/api/v1/reports/2023-12m/finalise", json={
        "scope": "31", "as_of": then, "acknowledge_later_facts": True})
    assert signed.status_code == 201, signed.text
    as_of = signed.json()["as_of"]
    figures = figure_values(reporting.client.get("/api/v1/reports/2023-12m").json())

    window = {"status": "held", "date_from": "2022-12-15", "date_to": "2023-12-14"}
    assert figures["sessions_held"] == ok(client.get(
        "/api/v1/sessions", params={"as_of": as_of, **window}))["total"] == 1
    assert ok(client.get("/api/v1/sessions", params=window))["total"] == 3


def test_commands_are_answered_while_a_list_as_known_at_a_moment_is_replayed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each list as known at a moment replays the store up to it: it reads, so on SQLite it
    holds no writers' turn meanwhile, and a command is answered at once rather than after the
    replay, or with 503 DATABASE_UNAVAILABLE once it waited the busy timeout (review)."""
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    real_project = PROJECTION.project
    for n, url in enumerate(LISTS):
        # A moment after the last command: a replay of its own, from the store's start the
        # first time, then the last replay carried on with the session planned since (the
        # first event applied is held either way: `known_at`).
        then = _moment()
        entered, release = threading.Event(), threading.Event()

        def held(conn: Any, envelopes: Any, entered: threading.Event = entered,
                 release: threading.Event = release) -> None:
            for envelope in envelopes:
                if not entered.is_set():
                    entered.set()
                    release.wait(60)
                real_project(conn, [envelope])

        monkeypatch.setattr(PROJECTION, "project", held)
        answers: list[Any] = []
        worker = threading.Thread(
            target=lambda url=url, answers=answers, then=then: answers.append(
                client.get(url, params={"as_of": then})))
        worker.start()
        try:
            assert entered.wait(60)
            monkeypatch.setattr(PROJECTION, "project", real_project)
            _planned(client, secretary, f"2023-0{n + 1}-15")
        finally:
            release.set()
            worker.join(60)
        assert [answer.status_code for answer in answers] == [200], url


def test_a_second_list_as_known_at_a_moment_waits_its_turn_with_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A replay costs seconds of CPU and tens of MB at a city's size: the process runs one at
    a time, and a list as of a moment asked meanwhile is sent back at once with 503
    AS_OF_BUSY and Retry-After rather than piled on the threads and connections (review
    RV2). The list of now is answered meanwhile; the held replay answers once done."""
    take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    then = _moment()
    replayed = PROJECTION._by_name["HeadTookOffice"]
    assert replayed is not None
    entered, release = threading.Event(), threading.Event()

    def held(conn: Any, event: Any, envelope: EventEnvelope) -> None:
        entered.set()
        release.wait(60)
        replayed(conn, event, envelope)

    monkeypatch.setitem(PROJECTION._by_name, "HeadTookOffice", held)
    answers: list[Any] = []
    worker = threading.Thread(
        target=lambda: answers.append(client.get("/api/v1/heads", params={"as_of": then})))
    worker.start()
    try:
        assert entered.wait(60)
        for url in LISTS:
            busy = client.get(url, params={"as_of": then})
            assert busy.status_code == 503, (url, busy.text)
            assert busy.json()["error"]["code"] == "AS_OF_BUSY"
            assert "thử lại sau ít giây" in busy.json()["error"]["message"]
            assert int(busy.headers["Retry-After"]) > 0
            assert client.get(url).status_code == 200, url
    finally:
        release.set()
        worker.join(60)
    assert [answer.status_code for answer in answers] == [200]
    monkeypatch.setitem(PROJECTION._by_name, "HeadTookOffice", replayed)
    assert client.get("/api/v1/heads", params={"as_of": then}).status_code == 200


def test_a_caller_refused_a_unit_costs_no_replay(
    client: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 403 of a unit the caller's scope never held comes before the replay of the store,
    so a refused request costs none (review RV2: sessions, issues and commitments replayed
    first)."""
    take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    then = _moment()
    replays: list[datetime] = []
    known_at = PROJECTION.known_at

    def counted(conn: Any, moment: datetime) -> Any:
        replays.append(moment)
        return known_at(conn, moment)

    monkeypatch.setattr(PROJECTION, "known_at", counted)
    board = {"X-Unit-Scope": "312", "X-Scopes": "dialogue:read"}  # Huyện An Dương
    for url in ("/api/v1/heads", "/api/v1/sessions", "/api/v1/issues", "/api/v1/commitments"):
        refused = client.get(url, params={"as_of": then, "unit_code": "11296"}, headers=board)
        assert refused.status_code == 403, (url, refused.text)
        assert refused.json()["error"]["code"] == "UNIT_OUT_OF_SCOPE"
    refused = client.get("/api/v1/units/11296/heads", params={"as_of": then}, headers=board)
    assert refused.status_code == 403
    assert replays == []
    assert ok(client.get("/api/v1/sessions", params={"as_of": then}))["total"] == 0
    assert len(replays) == 1


def test_the_lists_as_of_now_are_the_live_lists_in_order(
    client: TestClient, clock: FakeToday
) -> None:
    """Every list as of a moment after the last event is the live list, element by element
    (review RV5): rows of one day are ordered by their id, in byte order on both databases
    (`shared.textorder`), as the replay in SQLite orders them. Sessions held and planned on
    one day, their issues and commitments due on one day: ties the id decides. (Dialogue's
    ids are UUIDs, written lower case: hex digits compare alike in every collation, so unlike
    religion's codes these orders did not differ yet; the test keeps them equal.)"""
    # A moment's day is the real clock's: live lists judge a commitment's standing on the
    # business clock's, the same day outside tests.
    clock.set(today_vn())
    secretary = take_office(client, TIEN_LANG, "party_secretary", "Nguyễn Văn An", "2020-10-01")
    take_office(client, TIEN_LANG, "people_committee_chair", "Trần Thị Bình", "2021-01-01")
    sessions = [held_session(client, TIEN_LANG, [secretary], "2023-03-15") for _ in range(3)]
    sessions += [_planned(client, secretary, "2023-03-15") for _ in range(2)]
    for session_id in sessions[:3]:
        _issue(client, session_id)
        _commitment(client, session_id, "Kiểm tra cơ sở chăn nuôi")
    now = _moment()
    for url in LISTS:
        # The roster of a day (by default today's, the moment's for a list as of it).
        params = {"page_size": 4, **({"on": "2023-12-31"} if url == LISTS[0] else {})}
        live = ok(client.get(url, params=params))
        known = ok(client.get(url, params={**params, "as_of": now}))
        assert known.pop("as_of") == datetime.fromisoformat(now).isoformat()
        assert known == live, url
    for url, key in (("/api/v1/sessions", "session_id"), ("/api/v1/issues", "issue_id"),
                     ("/api/v1/commitments", "commitment_id")):
        ids = [item[key] for item in _items(client, url, as_of=now)]
        assert len(ids) > 1 and ids == sorted(ids), url  # one day: by id
