"""A compliance case checks its site's life (registered by, not closed on its day); a correction
of the site's registration and a closing check the site's cases. Each is held in its
transaction after its checks while the other is sent: without the unit of work holding the site
it loaded (shared.aggregate.UnitOfWork), on PostgreSQL the other read the site or the cases as
they were before and both were stored (a case before its site's registration, or after its
closing). Now the other waits, reads what the first committed and is refused as if sent after
it. SQLite and PostgreSQL (on SQLite the writers already take turns).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from shared.aggregate import UnitOfWork
from tests.integration.helpers import event_count, held_while, runtime_of
from tests.religion.conftest import error_of, register


def _case(religion: TestClient, code: str, detected_on: str) -> Any:
    return religion.post("/api/v1/compliance-cases", json={
        "violation_type": "land_encroachment", "site_code": code,
        "description": "Lấn chiếm đất", "detected_on": detected_on})


def _correct(religion: TestClient, code: str, registered_on: str) -> Any:
    return religion.post(f"/api/v1/sites/{code}/registration/corrections",
                         json={"registered_on": registered_on, "reason": "Ghi nhầm ngày"},
                         headers={"If-Match": '"1"'})


def _close(religion: TestClient, code: str, closed_on: str) -> Any:
    return religion.post(f"/api/v1/sites/{code}/close",
                         json={"closed_on": closed_on, "reason": "Giải thể"})


def _recording(event_type: str) -> Callable[[UnitOfWork], bool]:
    def when(uow: UnitOfWork) -> bool:
        return any(e.event_type == event_type for e in uow.appended)
    return when


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code, response.text


def _cases(religion: TestClient, code: str) -> int:
    found = religion.get("/api/v1/compliance-cases", params={"site_code": code})
    assert found.status_code == 200, found.text
    return len([c for c in found.json()["items"] if c.get("site_code") == code])


def test_a_registration_correction_sent_while_a_case_is_being_stored_sees_the_case(
    religion: TestClient,
) -> None:
    register(religion, "TL-RC1")  # registered_on 2023-02-01
    opened, corrected = held_while(
        runtime_of(religion).engine, lambda: _case(religion, "TL-RC1", "2023-03-01"),
        lambda: _correct(religion, "TL-RC1", "2023-03-02"),
        when=_recording("ComplianceCaseOpened"))
    assert opened.status_code == 201, opened.text
    _refused(corrected, 422, "DATE_AFTER_NEXT_STEP")


def test_a_case_sent_while_its_sites_registration_is_being_corrected_sees_the_correction(
    religion: TestClient,
) -> None:
    register(religion, "TL-RC2")
    corrected, opened = held_while(
        runtime_of(religion).engine, lambda: _correct(religion, "TL-RC2", "2023-03-02"),
        lambda: _case(religion, "TL-RC2", "2023-03-01"),
        when=_recording("SiteRegisteredCorrected"))
    assert corrected.status_code == 200, corrected.text
    _refused(opened, 422, "DATE_BEFORE_PREVIOUS_STEP")
    assert _cases(religion, "TL-RC2") == 0


def test_a_closing_sent_while_a_case_is_being_stored_sees_the_case(
    religion: TestClient,
) -> None:
    register(religion, "TL-RC3")
    opened, closed = held_while(
        runtime_of(religion).engine, lambda: _case(religion, "TL-RC3", "2023-03-01"),
        lambda: _close(religion, "TL-RC3", "2023-02-15"),
        when=_recording("ComplianceCaseOpened"))
    assert opened.status_code == 201, opened.text
    _refused(closed, 422, "DATE_BEFORE_PREVIOUS_STEP")


def test_a_case_sent_while_its_site_is_being_closed_sees_the_closing(
    religion: TestClient,
) -> None:
    register(religion, "TL-RC4")
    closed, opened = held_while(
        runtime_of(religion).engine, lambda: _close(religion, "TL-RC4", "2023-02-15"),
        lambda: _case(religion, "TL-RC4", "2023-03-01"), when=_recording("SiteClosed"))
    assert closed.status_code == 200, closed.text
    _refused(opened, 409, "SITE_CLOSED")
    assert _cases(religion, "TL-RC4") == 0


_IMPORT_HEADER = "Mã cơ sở;Tên cơ sở;Tôn giáo;Mã xã;Diện tích đất (m²);Ngày đăng ký;Ghi chú\n"


def _import(religion: TestClient, codes: list[str]) -> Any:
    rows = "".join(f"{code};Chùa {code};Phật giáo;11755;100;01/02/2023;\n" for code in codes)
    return religion.post("/api/v1/sites/import",
                         files={"file": ("co-so.csv", (_IMPORT_HEADER + rows).encode())})


def test_an_import_sent_while_an_overlapping_one_is_being_stored_counts_its_rows_existing(
    religion: TestClient,
) -> None:
    """Q1: the second import read the register before the first committed the rows both
    files hold; on PostgreSQL its claim of their codes then waited for the first and met them
    taken. It is run again and reads them (as sent after the first: 201, those rows
    "existing"), never 409 SITE_EXISTS for codes nobody held when it began. On SQLite it waits
    for its turn. Every site is written once, by one event."""
    shared_codes = [f"IM-{i}" for i in range(5)]
    before = event_count(religion)
    first, second = held_while(
        runtime_of(religion).engine,
        lambda: _import(religion, [*shared_codes, "IM-A1", "IM-A2"]),
        lambda: _import(religion, ["IM-B1", *shared_codes, "IM-B2", "IM-B3"]),
        when=lambda uow, *_: bool(uow.appended))
    assert first.status_code == 201, first.text
    assert (first.json()["created"], first.json()["existing"]) == (7, 0)
    assert second.status_code == 201, second.text
    assert (second.json()["created"], second.json()["existing"]) == (3, 5)
    assert event_count(religion) == before + 10
    listed = religion.get("/api/v1/sites", params={"q": "chua im", "page_size": 50}).json()
    assert sorted(site["code"] for site in listed["items"]) == sorted(
        [*shared_codes, "IM-A1", "IM-A2", "IM-B1", "IM-B2", "IM-B3"])


def test_imports_of_the_same_codes_in_crossed_orders_at_once_end_as_one_after_another(
    religion: TestClient,
) -> None:
    """Q1: three files of the same codes in different orders, sent at the same moment (on
    PostgreSQL their claims may deadlock, or meet the codes another committed): each ends as
    if sent one after the other (201, the rows the others wrote "existing"), or with the
    documented 409 COMMANDS_CROSSED to send again; never SITE_EXISTS; each site written once."""
    codes = [f"IX-{i:02}" for i in range(30)]
    orders = [codes, codes[::-1], codes[15:] + codes[:15]]
    before = event_count(religion)
    start = threading.Barrier(len(orders))

    def send(order: list[str]) -> Any:
        start.wait(timeout=30)
        return _import(religion, order)

    with ThreadPoolExecutor(len(orders)) as pool:
        answers = list(pool.map(send, orders))
    created = 0
    for answer in answers:
        if answer.status_code == 409:
            assert error_of(answer)["code"] == "COMMANDS_CROSSED", answer.text
            assert answer.headers["Retry-After"] == "1"
            continue
        assert answer.status_code in (200, 201), answer.text
        assert answer.json()["created"] + answer.json()["existing"] == len(codes)
        created += answer.json()["created"]
    assert created == len(codes)
    assert event_count(religion) == before + len(codes)
