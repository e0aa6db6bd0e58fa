"""A compliance case whose state refuses an action answers 409 whatever day the body carries:
the state before the body's content, as docs/api-conventions.md orders the refusals (the
inversion of finding M1, left in the case's handler). The body carries a day in the future,
which a case that allowed the action would refuse 422 DATE_IN_FUTURE."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from shared.clock import today_vn
from tests.integration.helpers import event_count
from tests.religion.conftest import error_of, register


def test_resolving_a_case_not_under_review_on_a_future_day_is_409(
    religion: TestClient,
) -> None:
    register(religion, "TL-01")
    opened = religion.post("/api/v1/compliance-cases", json={
        "violation_type": "build_without_permit", "site_code": "TL-01",
        "description": "Xây dựng nhà tổ không phép", "detected_on": "2023-04-02"})
    assert opened.status_code == 201, opened.text
    future = (today_vn() + timedelta(days=30)).isoformat()
    before = event_count(religion)
    refused = religion.post(f"/api/v1/compliance-cases/{opened.json()['case_id']}/resolve",
                            json={"acted_on": future, "note": "Đã tháo dỡ"})
    assert refused.status_code == 409, refused.text
    assert error_of(refused)["code"] == "ACTION_NOT_ALLOWED"
    assert event_count(religion) == before
