"""A site's records whose state refuses a write answer 409 whatever day the body carries: the
state before the body's content, as docs/api-conventions.md orders the refusals (the inversion
left in `site_to_write`, which judged the day before its six callers judged the state, and in
the correction of a dossier step). Each body carries a day in the future, which records that
allowed the write would refuse 422 DATE_IN_FUTURE; nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.clock import today_vn
from tests.integration.helpers import event_count
from tests.religion.conftest import act, error_of, issue, register

REASON = "Gõ nhầm khi nhập từ bản giấy"


def _future() -> str:
    return (today_vn() + timedelta(days=30)).isoformat()


def _refused_409(client: TestClient, method: str, url: str, body: dict[str, Any],
                 code: str, headers: dict[str, str] | None = None) -> None:
    before = event_count(client)
    response = client.request(method, url, json=body, headers=headers or {})
    assert response.status_code == 409, response.text
    assert error_of(response)["code"] == code, response.text
    assert event_count(client) == before


def _site(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/sites/TL-S1")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _event_id(client: TestClient, event_type: str) -> str:
    events = client.get("/api/v1/sites/TL-S1/history").json()["events"]
    return str(next(e["event_id"] for e in events if e["event_type"] == event_type))


@pytest.fixture
def closed(religion: TestClient) -> TestClient:
    """TL-S1: registered 01/02/2023, lodged, accepted, certified, closed 01/08/2023."""
    register(religion, "TL-S1")
    assert act(religion, "TL-S1", "lodge", "2023-03-01").status_code == 201
    assert act(religion, "TL-S1", "accept", "2023-04-01").status_code == 200
    assert issue(religion, "TL-S1", "CS 500001", "2023-05-02").status_code == 201
    closing = religion.post("/api/v1/sites/TL-S1/close",
                            json={"closed_on": "2023-08-01", "reason": "Giải thể"})
    assert closing.status_code == 200, closing.text
    return religion


def test_amending_or_closing_a_closed_site_on_a_future_day_is_409(closed: TestClient) -> None:
    tag = {"If-Match": f'"{_site(closed)["version"]}"'}
    _refused_409(closed, "PATCH", "/api/v1/sites/TL-S1",
                 {"name": "Chùa mới", "amended_on": _future()}, "SITE_CLOSED", tag)
    # Before the registration is the day's 422 too: the closed site's 409 first.
    _refused_409(closed, "PATCH", "/api/v1/sites/TL-S1",
                 {"name": "Chùa mới", "amended_on": "2022-01-01"}, "SITE_CLOSED", tag)
    _refused_409(closed, "POST", "/api/v1/sites/TL-S1/close",
                 {"closed_on": _future(), "reason": "Lần hai"}, "SITE_CLOSED")


def test_a_step_certificate_or_revocation_on_a_future_day_of_a_closed_site_is_409(
    closed: TestClient,
) -> None:
    _refused_409(closed, "POST", "/api/v1/sites/TL-S1/dossier/withdraw",
                 {"acted_on": _future(), "note": "Rút"}, "SITE_CLOSED")
    _refused_409(closed, "POST", "/api/v1/sites/TL-S1/certificate/revoke",
                 {"certificate_number": "CS 500001", "revoked_on": _future(),
                  "reason": "Thu hồi"}, "SITE_CLOSED")
    step = _event_id(closed, "DossierAccepted")
    _refused_409(closed, "POST", f"/api/v1/sites/TL-S1/dossier/steps/{step}/corrections",
                 {"acted_on": _future(), "reason": REASON}, "SITE_CLOSED")


def test_a_write_the_dossier_or_certificate_refuses_on_a_future_day_is_409(
    religion: TestClient,
) -> None:
    register(religion, "TL-S1")  # the dossier not started, no certificate
    _refused_409(religion, "POST", "/api/v1/sites/TL-S1/dossier/accept",
                 {"acted_on": _future()}, "ACTION_NOT_ALLOWED")
    _refused_409(religion, "POST", "/api/v1/sites/TL-S1/dossier/accept",
                 {"acted_on": "2022-01-01"}, "ACTION_NOT_ALLOWED")  # before the registration
    future_issue = issue(religion, "TL-S1", "CS 500002", _future())
    assert future_issue.status_code == 409, future_issue.text
    assert error_of(future_issue)["code"] == "ACTION_NOT_ALLOWED"
    _refused_409(religion, "POST", "/api/v1/sites/TL-S1/certificate/revoke",
                 {"certificate_number": "CS 500001", "revoked_on": _future(),
                  "reason": "Thu hồi"}, "NO_VALID_CERTIFICATE")
    tag = {"If-Match": f'"{_site(religion)["certificate_version"]}"'}
    _refused_409(religion, "POST", "/api/v1/sites/TL-S1/certificate/corrections",
                 {"issued_on": _future(), "reason": REASON}, "NO_VALID_CERTIFICATE", tag)
    assert event_count(religion) == 1


def test_a_step_corrected_before_the_registration_is_refused_naming_it(
    religion: TestClient,
) -> None:
    """As a step recorded on that day (`DATE_BEFORE_PREVIOUS_STEP`, the registration named),
    not as a step before "the previous step", which a first step does not have."""
    register(religion, "TL-S1")  # registered 01/02/2023
    assert act(religion, "TL-S1", "lodge", "2023-03-01").status_code == 201
    lodged = _event_id(religion, "LandDossierLodged")
    before = event_count(religion)
    response = religion.post(f"/api/v1/sites/TL-S1/dossier/steps/{lodged}/corrections",
                             json={"acted_on": "2023-01-10", "reason": REASON})
    assert response.status_code == 422, response.text
    refusal = error_of(response)
    assert refusal["code"] == "DATE_BEFORE_PREVIOUS_STEP"
    assert "được đăng ký (01/02/2023)" in refusal["message"], refusal["message"]
    assert event_count(religion) == before
