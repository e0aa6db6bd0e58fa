"""A span whose start is after its end is refused, one code and one wording in every service
(finding O16: the audit answered 200 with nothing, which reads as "nothing happened")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.conftest import Idp, Services

SERVICES = ("religion", "dialogue", "indicators", "reporting")


def _reversed(response: Any, fields: list[str]) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "PERIOD_REVERSED", error
    assert error["details"]["fields"] == fields
    assert error["message"].startswith("Khoảng thời gian ngược"), error
    return str(error["message"])


@pytest.mark.parametrize("service", SERVICES)
def test_a_reversed_audit_range_is_refused(services: Services, idp: Idp, service: str) -> None:
    client = services[service]
    city = idp.headers("city_staff")
    fields = ["recorded_from", "recorded_to"]
    message = _reversed(client.get("/api/v1/audit", headers=city, params={
        "recorded_from": "2024-06-30T10:00:00Z", "recorded_to": "2024-06-01"}), fields)
    # Shown as Vietnamese reads a moment: in Vietnam's time, the bare date to its end.
    assert "17:00 ngày 30/06/2024" in message and "23:59:59 ngày 01/06/2024" in message, message
    # RFC 3339's lower-case t and z are the same moments, and the same check applies.
    _reversed(client.get("/api/v1/audit", headers=city, params={
        "recorded_from": "2024-06-30t10:00:01z", "recorded_to": "2024-06-30t10:00:00z"}), fields)
    # One moment, or one day (its first instant to its end), is a span.
    for start, end in (("2024-06-30t10:00:00z", "2024-06-30T17:00:00+07:00"),
                       ("2024-06-30", "2024-06-30"), ("2024-06-30", None), (None, "2024-06-01")):
        params = {k: v for k, v in (("recorded_from", start), ("recorded_to", end)) if v}
        answer = client.get("/api/v1/audit", headers=city, params=params)
        assert answer.status_code == 200, (params, answer.text)


def test_a_reversed_date_range_on_the_session_list_is_refused(
    services: Services, idp: Idp
) -> None:
    dialogue = services["dialogue"]
    city = idp.headers("city_staff")
    fields = ["date_from", "date_to"]
    message = _reversed(dialogue.get("/api/v1/sessions", headers=city, params={
        "date_from": "2024-06-30", "date_to": "2024-06-01"}), fields)
    assert "30/06/2024" in message and "01/06/2024" in message, message
    same = dialogue.get("/api/v1/sessions", headers=city,
                        params={"date_from": "2024-06-30", "date_to": "2024-06-30"})
    assert same.status_code == 200, same.text
    # The rule's compliance said it already, with its own wording: now the one of every span.
    _reversed(dialogue.get("/api/v1/rule-compliance", headers=city, params={
        "date_from": "2024-06-30", "date_to": "2024-06-01"}), fields)


def test_a_reversed_evaluation_period_is_refused_in_the_same_words(
    services: Services, idp: Idp
) -> None:
    """Review RV-P6: indicators refused an indicator's evaluation period ending before it
    began with a wording of its own for the same code («Ngày kết thúc kỳ đánh giá phải sau
    ngày bắt đầu», no fields), and a one-day period as reversed too."""
    indicators = services["indicators"]
    city = idp.headers("city_staff")
    body = {"indicator_id": "X1", "year": 2023, "name": "Tỷ lệ thử", "target": 50}
    message = _reversed(indicators.post("/api/v1/indicators", headers=city, json={
        **body, "period_start": "2023-06-30", "period_end": "2023-06-01"}),
        ["period_start", "period_end"])
    assert "30/06/2023" in message and "01/06/2023" in message, message
    # One day is a span here too: defined, and judged on that day.
    one_day = indicators.post("/api/v1/indicators", headers=city, json={
        **body, "period_start": "2023-06-30", "period_end": "2023-06-30"})
    assert one_day.status_code == 201, one_day.text
    read = indicators.get("/api/v1/indicators/2023/X1", headers=city)
    assert read.status_code == 200, read.text
    defined = read.json()["indicator"]
    assert (defined["period_start"], defined["period_end"]) == ("2023-06-30", "2023-06-30")


AS_OF_READS = {"religion": "/api/v1/sites?known_at=", "dialogue": "/api/v1/sessions?as_of=",
               "indicators": "/api/v1/indicators?year=2023&as_of=",
               "reporting": "/api/v1/reports/2023-6m?as_of="}


@pytest.mark.parametrize("service", SERVICES)
def test_as_of_takes_lower_case_t_and_z_in_every_service(
    services: Services, idp: Idp, service: str
) -> None:
    """RFC 3339 §5.6 allows «t» and «z» lower case: refused INVALID_AS_OF before (O16)."""
    client = services[service]
    city = idp.headers("city_staff")
    read = client.get(AS_OF_READS[service] + "2024-06-30t10:00:00z", headers=city)
    assert read.status_code == 200, read.text
    later = client.get(AS_OF_READS[service] + "2099-06-30t10:00:00z", headers=city)
    assert (later.status_code, later.json()["error"]["code"]) == (422, "AS_OF_IN_FUTURE")
