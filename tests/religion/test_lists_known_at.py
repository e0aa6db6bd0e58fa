"""Religion's lists "as known at" a past moment (`known_at`, the kernel's `as_of` under the
name this service gives it, as on /sites/{code}/as-of; the list's own `as_of` is the day its
deadlines are judged on, H8): the register and the cases as they stood with the events
recorded up to that moment, so an official can check a signed figure against the records
behind it. A record created or corrected after the moment is absent or old in the list as of
it, present and new without it; a bad or future moment is the kernel's 422; the sites a report
signed as of a moment counts are the list's as of that moment. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, text

from services.religion.adapters.projection import PROJECTION
from shared import projection
from shared.clock import format_date_vn, today_vn
from shared.db import read_connection
from shared.envelope import EventEnvelope, utcnow
from shared.eventstore import EventStore, events_table
from tests.integration.helpers import publish, runtime_of, wait_until
from tests.religion.conftest import (
    DAI_THANG,
    TIEN_LANG_TOWN,
    act,
    error_of,
    issue,
    register,
    site_body,
)
from tests.religion.test_corrections import REASON, _certified, _event_id, _if_match
from tests.religion.test_moved_site_old_store import _envelopes
from tests.reporting.conftest import Reporting, clock, figure_values, reporting

__all__ = ["clock", "reporting"]

SITES, CASES = "/api/v1/sites", "/api/v1/compliance-cases"


def _list(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_code(client: TestClient, **params: Any) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in _list(client, SITES, **params)["items"]}


def _moment() -> str:
    """Now, as an official copies a moment: between two commands, to the microsecond."""
    return utcnow().isoformat()


def test_the_register_as_known_at_a_moment(religion: TestClient) -> None:
    """Before the moment: TL-1 (lodged) and TL-2 certified. After it: TL-3 registered, TL-1
    accepted and renamed, TL-2's certificate corrected. As of the moment the list has the
    first two as they stood, filters and paging included; without `known_at`, today's."""
    register(religion, "TL-1", name="Chùa Cũ")
    assert act(religion, "TL-1", "lodge", "2023-03-01").status_code == 201
    _certified(religion, "TL-2", "CS 200001")
    then = _moment()

    register(religion, "TL-3", DAI_THANG)
    assert act(religion, "TL-1", "accept", "2023-04-01").status_code == 200
    renamed = religion.patch(f"{SITES}/TL-1", json={"name": "Chùa Mới", "amended_on": "2023-05-01"},
                             headers=_if_match(religion, "TL-1", "version"))
    assert renamed.status_code == 200, renamed.text
    corrected = religion.post(f"{SITES}/TL-2/certificate/corrections", json={
        "corrects": _event_id(religion, "TL-2", "CertificateIssued"),
        "certificate_number": "CS 200009", "reason": REASON},
        headers=_if_match(religion, "TL-2"))
    assert corrected.status_code == 200, corrected.text

    known = _by_code(religion, known_at=then)
    assert sorted(known) == ["TL-1", "TL-2"]
    assert known["TL-1"]["name"] == "Chùa Cũ"
    assert known["TL-1"]["dossier"]["state"] == "lodged"
    assert known["TL-2"]["certificate"]["number"] == "CS 200001"
    body = _list(religion, SITES, known_at=then, page_size=1)
    assert (body["total"], body["pages"], body["known_at"]) == (
        2, 2, datetime.fromisoformat(then).isoformat())
    assert [i["code"] for i in body["items"]] == ["TL-1"]
    assert sorted(_by_code(religion, known_at=then, q="chua cu")) == ["TL-1"]
    assert _by_code(religion, known_at=then, q="chua moi") == {}
    assert sorted(_by_code(religion, known_at=then, dossier_state="lodged")) == ["TL-1"]
    assert _by_code(religion, dossier_state="lodged") == {}
    assert _by_code(religion, known_at=then, unit=DAI_THANG) == {}

    now = _by_code(religion)
    assert sorted(now) == ["TL-1", "TL-2", "TL-3"]
    assert now["TL-1"]["name"] == "Chùa Mới"
    assert now["TL-1"]["dossier"]["state"] == "accepted"
    assert now["TL-2"]["certificate"]["number"] == "CS 200009"
    assert "known_at" not in _list(religion, SITES)
    # The moment read no row of the service's own tables: the live list is as it was.
    assert sorted(_by_code(religion, unit=DAI_THANG)) == ["TL-3"]


def test_as_of_still_names_the_day_deadlines_are_judged_on(religion: TestClient) -> None:
    """With `known_at`, the list's `as_of` keeps its meaning (H8): the day the dossiers'
    deadlines are judged on, by default the moment's own day."""
    register(religion, "TL-D")
    assert act(religion, "TL-D", "lodge", "2023-03-01").status_code == 201
    then = _moment()
    [item] = _list(religion, SITES, known_at=then)["items"]
    assert _list(religion, SITES, known_at=then)["as_of"] == today_vn().isoformat()
    assert item["dossier"]["overdue"] is True
    [early] = _list(religion, SITES, known_at=then, as_of="2023-03-02")["items"]
    assert early["dossier"]["overdue"] is False


def _open_case(religion: TestClient, site: str, detected_on: str) -> str:
    opened = religion.post(CASES, json={
        "violation_type": "land_encroachment", "description": "Lấn chiếm đất",
        "detected_on": detected_on, "site_code": site})
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["case_id"]
    return case_id


def test_the_cases_as_known_at_a_moment(religion: TestClient) -> None:
    """A case opened before the moment and reviewed after it is open as of the moment; a case
    opened after it is absent."""
    register(religion, "TL-V")
    first = _open_case(religion, "TL-V", "2023-04-10")
    then = _moment()
    version = religion.get(f"{CASES}/{first}").headers["ETag"]
    reviewed = religion.post(f"{CASES}/{first}/start-review", json={"acted_on": "2023-04-15"},
                             headers={"If-Match": version})
    assert reviewed.status_code == 200, reviewed.text
    second = _open_case(religion, "TL-V", "2023-05-10")

    known = _list(religion, CASES, known_at=then)
    assert [(c["case_id"], c["state"]) for c in known["items"]] == [(first, "open")]
    assert (known["total"], known["by_violation_type"]) == (1, {"land_encroachment": 1})
    assert _list(religion, CASES, known_at=then, state="under_review")["items"] == []
    now = _list(religion, CASES)
    assert [(c["case_id"], c["state"]) for c in now["items"]] == [
        (second, "open"), (first, "under_review")]
    assert [c["case_id"] for c in _list(religion, CASES, known_at=then,
                                         unit=TIEN_LANG_TOWN)["items"]] == [first]


BAD = [
    ("14/06/2023", "INVALID_AS_OF"),
    ("2023-02-30", "INVALID_AS_OF"),
    ("1989-12-31", "INVALID_AS_OF"),
    ("2099-01-01T00:00:00+07:00", "AS_OF_IN_FUTURE"),
]


@pytest.mark.parametrize("url", [SITES, CASES])
@pytest.mark.parametrize(("value", "code"), BAD, ids=[v for v, _ in BAD])
def test_a_bad_or_future_moment_is_the_kernels_422(
    religion: TestClient, url: str, value: str, code: str
) -> None:
    refused = religion.get(url, params={"known_at": value})
    assert refused.status_code == 422, refused.text
    assert error_of(refused)["code"] == code
    assert not error_of(refused)["message"].isascii(), "a Vietnamese message"


def test_todays_date_is_refused_as_the_kernel_words_it(religion: TestClient) -> None:
    for url in (SITES, CASES):
        refused = religion.get(url, params={"known_at": today_vn().isoformat()})
        assert refused.status_code == 422, refused.text
        assert error_of(refused)["code"] == "AS_OF_IN_FUTURE"
        words = f"hết ngày {format_date_vn(today_vn())}, hôm nay, chưa đến"  # O4's wording
        assert words in error_of(refused)["message"]


def _published(reporting: Reporting, envelopes: list[EventEnvelope]) -> None:
    """The service's own events onto its stream, each consumer of reporting's waited for
    until it applied those of the types it takes (a certificate's dossier step is none's)."""
    asyncio.run(publish(reporting.nats_url, reporting.root, envelopes))
    for consumer in reporting.runtime.consumers:
        if consumer.projection.source_service == "religion":
            taken = sum(e.event_type in consumer.projection.event_types for e in envelopes)
            wait_until(lambda c=consumer, n=taken: c.applied >= n)  # type: ignore[misc]


def test_a_report_signed_at_a_moment_counts_the_list_as_of_it(
    religion: TestClient, reporting: Reporting,
) -> None:
    """The 6-month report of 2023 signed as of a moment (the later facts acknowledged): its
    sites and sites with a certificate are the totals of the register's list as known then,
    not of today's."""
    _certified(religion, "TL-R1", "CS 300001")
    register(religion, "TL-R2")
    then = _moment()
    register(religion, "TL-R3")
    _certified(religion, "TL-R4", "CS 300004")
    assert issue(religion, "TL-R2", "CS 300002").status_code == 409, "no accepted dossier"
    _published(reporting, _envelopes(religion))

    signed = reporting.client.post("/api/v1/reports/2023-6m/finalise", json={
        "scope": "31", "as_of": then, "acknowledge_later_facts": True})
    assert signed.status_code == 201, signed.text
    as_of = signed.json()["as_of"]
    figures = figure_values(reporting.client.get("/api/v1/reports/2023-6m").json())

    assert figures["sites"] == _list(religion, SITES, known_at=as_of)["total"] == 2
    assert figures["sites_with_certificate"] == _list(
        religion, SITES, known_at=as_of, has_certificate="true")["total"] == 1
    assert _list(religion, SITES)["total"] == 4
    assert _list(religion, SITES, has_certificate="true")["total"] == 2



def test_a_command_is_answered_while_a_list_as_known_at_a_moment_is_replayed(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list as known at a moment replays the store up to it (a city's register of 30,000
    sites: about ten seconds): it reads, so on SQLite it holds no writers' turn meanwhile,
    and the desks' commands are answered at once rather than after it, or with 503
    DATABASE_UNAVAILABLE once they waited the busy timeout (review)."""
    register(religion, "TL-B")
    then = _moment()
    entered, release = threading.Event(), threading.Event()
    replayed = PROJECTION._by_name["SiteRegistered"]
    assert replayed is not None

    def held(conn: Any, event: Any, envelope: EventEnvelope) -> None:
        entered.set()
        release.wait(60)
        replayed(conn, event, envelope)

    monkeypatch.setitem(PROJECTION._by_name, "SiteRegistered", held)
    answers: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: answers.append(_by_code(religion, known_at=then)))
    worker.start()
    try:
        assert entered.wait(60)
        monkeypatch.setitem(PROJECTION._by_name, "SiteRegistered", replayed)
        registered = religion.post(SITES, json=site_body("TL-C", TIEN_LANG_TOWN))
        assert registered.status_code == 201, registered.text
    finally:
        release.set()
        worker.join(60)
    assert [sorted(answer) for answer in answers] == [["TL-B"]]
    assert sorted(_by_code(religion)) == ["TL-B", "TL-C"]


def test_a_list_as_known_at_a_moment_reads_one_snapshot_of_the_store(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The replay reads the store page by page: on PostgreSQL's READ COMMITTED each page was
    a new snapshot, so a transaction recorded before the moment that committed during the
    replay (an import of thousands of sites) was seen in part (review RV3). Here TL-C's events
    are held back and committed by another connection once the first event is applied: the
    list, read in one snapshot from its start, is the store as it was then (TL-B alone)."""
    register(religion, "TL-B")
    register(religion, "TL-C")
    then = _moment()
    engine = runtime_of(religion).engine
    later = events_table.c.aggregate_id == "TL-C"
    with engine.begin() as conn:
        held_back = [dict(r._mapping) for r in conn.execute(select(events_table).where(later))]
        conn.execute(delete(events_table).where(later))
    assert held_back
    real_project = PROJECTION.project
    committed: list[bool] = []

    def committed_meanwhile(conn: Any, envelopes: Any) -> None:
        for envelope in envelopes:  # the replay's pages, read as they are applied
            real_project(conn, [envelope])
            if not committed:
                with engine.begin() as other:
                    other.execute(insert(events_table), held_back)
                committed.append(True)

    monkeypatch.setattr(projection, "_REPLAY_BATCH", 1)
    monkeypatch.setattr(PROJECTION, "project", committed_meanwhile)
    assert sorted(_by_code(religion, known_at=then)) == ["TL-B"]
    assert committed  # TL-C was committed between two pages of the store
    monkeypatch.setattr(PROJECTION, "project", real_project)
    assert sorted(_by_code(religion, known_at=then)) == ["TL-B", "TL-C"]


def test_a_second_list_as_known_at_a_moment_waits_its_turn_with_503(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One replay at a time per process (review RV2): the register and the cases as known at
    a moment asked while one is replayed are 503 AS_OF_BUSY with Retry-After."""
    register(religion, "TL-B")
    then = _moment()
    entered, release = threading.Event(), threading.Event()
    replayed = PROJECTION._by_name["SiteRegistered"]
    assert replayed is not None

    def held(conn: Any, event: Any, envelope: EventEnvelope) -> None:
        entered.set()
        release.wait(60)
        replayed(conn, event, envelope)

    monkeypatch.setitem(PROJECTION._by_name, "SiteRegistered", held)
    answers: list[dict[str, Any]] = []
    worker = threading.Thread(target=lambda: answers.append(_by_code(religion, known_at=then)))
    worker.start()
    try:
        assert entered.wait(60)
        for url in (SITES, CASES):
            busy = religion.get(url, params={"known_at": then})
            assert busy.status_code == 503, (url, busy.text)
            assert error_of(busy)["code"] == "AS_OF_BUSY"
            assert int(busy.headers["Retry-After"]) > 0
    finally:
        release.set()
        worker.join(60)
    assert [sorted(answer) for answer in answers] == [["TL-B"]]


#: Codes whose byte order (SQLite's BINARY, PostgreSQL's "C") and a linguistic order (case and
#: punctuation weighed last: "a-2" < "A1" < "chua_4" < "Chua.3") disagree.
MIXED_CODES = ["dinh-01", "DINH-02", "Chua.3", "chua_4", "Z-5", "A1", "a-2", "CS_TL", "CSA"]
#: How a database created in Vietnamese compares text (ICU's, shipped with PostgreSQL).
VIETNAMESE = '"vi-VN-x-icu"'


def _compared_in_vietnamese(religion: TestClient) -> None:
    """On PostgreSQL, the register's code and a case's id compared as in a database created in
    Vietnamese (or English: en_US.UTF-8 orders these codes as vi-VN does). The test database
    is C.UTF-8 (`pg_database.datcollate`; PostgreSQL 15 has no `lc_collate` setting to SHOW
    any more), byte order already, where the live and the replayed orders cannot differ: the
    columns are given the collation such a database gives every column instead."""
    engine = runtime_of(religion).engine
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table, column in (("rel_sites", "code"), ("rel_compliance_cases", "case_id")):
            conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column}"
                              f" TYPE varchar(50) COLLATE {VIETNAMESE}"))
        linguistic = conn.execute(text(
            f"SELECT code FROM unnest(CAST(:codes AS text[])) AS code"
            f" ORDER BY code COLLATE {VIETNAMESE}"), {"codes": MIXED_CODES}).scalars().all()
    # Meaningful only where the orders disagree: they do under vi-VN, not under C.UTF-8.
    assert linguistic != sorted(MIXED_CODES), linguistic


def _pages(client: TestClient, url: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, four rows a page, as a desk pages through it."""
    first = _list(client, url, page_size=4, **params)
    return [first["items"]] + [_list(client, url, page_size=4, page=n, **params)["items"]
                               for n in range(2, first["pages"] + 1)]


def test_the_lists_as_known_at_now_are_the_live_lists_in_order(religion: TestClient) -> None:
    """A list as known at a moment after the last event is the live list, element by element
    and page by page (review RV5): the live rows are read in the database's collation and the
    replayed ones in SQLite's, so on a PostgreSQL created in Vietnamese or English the
    register of mixed-case codes came back in another order as of now, and a page held other
    sites. Both order a code by its one spelling, in byte order: "a-2", "A1", "Chua.3".
    A dossier step voided and a case opened at a site are replayed by handlers that read the
    store back (review RV4: the replay keeps no copy of the store)."""
    _compared_in_vietnamese(religion)
    for code in MIXED_CODES:
        register(religion, code)
    assert act(religion, "Chua.3", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "Chua.3", "requisition", "2023-03-10", note="Thiếu bản đồ").status_code \
        == 200
    voided = religion.post(
        f"{SITES}/Chua.3/dossier/steps/"
        f"{_event_id(religion, 'Chua.3', 'DossierRequisitioned')}/corrections",
        json={"void": True, "reason": REASON})
    assert voided.status_code == 200, voided.text
    for code in ("dinh-01", "a-2", "Z-5", "CSA", "DINH-02"):
        _open_case(religion, code, "2023-04-10")
    now = _moment()

    live = _pages(religion, SITES)
    assert _pages(religion, SITES, known_at=now) == live
    assert [i["code"] for page in live for i in page] == sorted(
        MIXED_CODES, key=lambda code: (code.upper(), code))
    # Whole-phrase matches first, then by code: the same order as of now.
    assert _pages(religion, SITES, known_at=now, q="chua phuc lam") == _pages(
        religion, SITES, q="chua phuc lam")
    assert _by_code(religion, known_at=now)["Chua.3"]["dossier"]["state"] == "lodged"
    cases = _pages(religion, CASES)
    assert sum(len(page) for page in cases) == 5
    assert _pages(religion, CASES, known_at=now) == cases


def test_a_list_as_known_at_a_moment_holds_no_copy_of_the_store(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The replay streams the store page by page into the read models (review RV4): the
    private database holds the read models and no copy of the events (a city's store beside
    its register doubled the replay's memory, 52 MB of SQLite heap for 30,000 sites against
    32 MB without it), and no page of events is read before the previous one is applied."""
    for n in range(5):
        register(religion, f"TL-P{n}")
    then = _moment()
    monkeypatch.setattr(projection, "_REPLAY_BATCH", 2)
    read: list[int] = []
    applied: list[int] = []
    real_read_all = EventStore.read_all

    def counted(self: EventStore, conn: Any, *args: Any, **kwargs: Any) -> Any:
        page = real_read_all(self, conn, *args, **kwargs)
        read.append(len(page))
        return page

    replayed = PROJECTION._by_name["SiteRegistered"]
    assert replayed is not None
    stored_copies: list[int] = []

    def observed(conn: Any, event: Any, envelope: EventEnvelope) -> None:
        stored_copies.append(conn.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'events'")).scalar_one())
        replayed(conn, event, envelope)
        applied.append(1)
        assert sum(read) - len(applied) < 2, "a page read ahead of the handlers"

    monkeypatch.setattr(EventStore, "read_all", counted)
    monkeypatch.setitem(PROJECTION._by_name, "SiteRegistered", observed)
    assert sorted(_by_code(religion, known_at=then)) == [f"TL-P{n}" for n in range(5)]
    assert stored_copies == [0] * 5
    assert read == [2, 2, 1, 0]


def test_the_next_page_as_known_at_the_same_moment_reads_the_replay_already_made(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """examiner-hostile, Medium: every list as known at a moment replayed the whole store,
    the next page of the same list and the same link opened again too: 11 s a page at
    100,000 sites on SQLite, for any reader. The last replay is kept for a read of the same
    events (the same store and events recorded by then); a moment after another event, or
    an event recorded by the moment that committed since (the snapshot test above), replays."""
    for n in range(5):
        register(religion, f"TL-P{n}")
    then = _moment()
    replays: list[int] = []
    real_project = PROJECTION.project

    def counted(conn: Any, envelopes: Any) -> None:
        replays.append(1)
        real_project(conn, envelopes)

    monkeypatch.setattr(PROJECTION, "project", counted)
    pages = [[i["code"] for i in _list(religion, SITES, known_at=then, page_size=2,
                                       page=page)["items"]] for page in (1, 2, 3)]
    assert pages == [["TL-P0", "TL-P1"], ["TL-P2", "TL-P3"], ["TL-P4"]]
    assert _list(religion, CASES, known_at=then)["total"] == 0
    assert len(replays) == 1  # 4 without the fix
    # A later moment with nothing recorded in between holds the same events.
    assert sorted(_by_code(religion, known_at=_moment())) == [f"TL-P{n}" for n in range(5)]
    assert len(replays) == 1
    register(religion, "TL-P5")  # recorded after the moment: the same events by then
    assert sorted(_by_code(religion, known_at=then)) == [f"TL-P{n}" for n in range(5)]
    assert len(replays) == 1
    assert sorted(_by_code(religion, known_at=_moment())) == [f"TL-P{n}" for n in range(6)]
    assert len(replays) == 2


def _replayed_rows(religion: TestClient, moment: str, whole: bool = False) -> dict[str, Any]:
    """Every row of the register's read models as known at `moment`: through the service's
    projection (its kept replays), or with `whole`, replayed from the store's start."""
    keeping = PROJECTION
    if whole:
        keeping = copy.copy(PROJECTION)
        keeping._kept = []
    try:
        with read_connection(runtime_of(religion).engine) as conn, \
                keeping.known_at(conn, datetime.fromisoformat(moment)) as memory:
            return {table.name: sorted(
                (tuple(row) for row in memory.execute(select(table))), key=repr)
                for table in keeping.tables}
    finally:
        if whole:
            for kept in list(keeping._kept):
                keeping._forget(kept)


def test_the_register_as_known_at_later_moments_is_carried_on_as_replayed_whole(
    religion: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A desk stepping through moments: each later one carries the kept replay on with the
    events recorded since, instead of the whole store (examiner: 4 to 11 s a new moment at
    100,000 sites). Between the moments, handlers that read the store back: a dossier step
    voided (`_step_corrected`), cases opened at a site that moved since (`site_place_on`), a
    registration corrected; every table of the replay is the whole replay's."""
    register(religion, "TL-1")
    assert act(religion, "TL-1", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "TL-1", "requisition", "2023-03-10", note="Thiếu bản đồ").status_code \
        == 200
    register(religion, "TL-2")
    first = _moment()
    voided = religion.post(
        f"{SITES}/TL-1/dossier/steps/"
        f"{_event_id(religion, 'TL-1', 'DossierRequisitioned')}/corrections",
        json={"void": True, "reason": REASON})
    assert voided.status_code == 200, voided.text
    moved = religion.patch(f"{SITES}/TL-2", json={"commune_code": DAI_THANG,
                                                  "amended_on": "2023-06-01"},
                           headers=_if_match(religion, "TL-2", "version"))
    assert moved.status_code == 200, moved.text
    _open_case(religion, "TL-2", "2023-04-10")  # where TL-2 was then: Tiên Lãng
    second = _moment()
    _open_case(religion, "TL-2", "2023-07-10")
    corrected = religion.post(f"{SITES}/TL-1/registration/corrections", json={
        "registered_on": "2023-01-15", "reason": REASON},
        headers=_if_match(religion, "TL-1", "version"))
    assert corrected.status_code == 200, corrected.text
    third = _moment()

    applied: list[int] = []
    real_project = PROJECTION.project

    def counted(conn: Any, envelopes: Any) -> None:
        envelopes = list(envelopes)
        applied.append(len(envelopes))
        real_project(conn, envelopes)

    monkeypatch.setattr(PROJECTION, "project", counted)
    for moment in (first, second, third):
        assert _replayed_rows(religion, moment) == _replayed_rows(religion, moment, whole=True)
    # The first moment from the store's start (4 events), the next two carried on (3, 2);
    # each whole replay besides: 4, 7 and 9.
    assert applied == [4, 4, 3, 7, 2, 9]
    cases = _replayed_rows(religion, third)["rel_compliance_cases"]
    assert sorted(case[2] for case in cases) == sorted([DAI_THANG, TIEN_LANG_TOWN])
