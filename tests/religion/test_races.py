"""A compliance case checks its site's life (registered by, not closed on its day); a correction
of the site's registration and a closing check the site's cases. Each is held in its
transaction after its checks while the other is sent: without the unit of work holding the site
it loaded (shared.aggregate.UnitOfWork), on PostgreSQL the other read the site or the cases as
they were before and both were stored (a case before its site's registration, or after its
closing). Now the other waits, reads what the first committed and is refused as if sent after
it. SQLite and PostgreSQL (on SQLite the writers already take turns).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from shared.aggregate import UnitOfWork
from tests.integration.helpers import held_while, runtime_of
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
