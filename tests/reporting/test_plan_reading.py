"""Who reads which part of the plan (issue 22, reading rights): the city reads every item and
every district board's report; a district board reads the items that name the district
boards, judged on its own progress, and its own report, in the JSON report, the Word report
and the /ke-hoach page. In-process services on the test's NATS server. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.indicators.app import create_app as indicators_app
from services.reporting.adapters.tables import plan_events
from services.reporting.app import create_app as reporting_app
from services.reporting.application.planprojection import PLAN_EVENT_TYPES
from shared.eventstore import events_table
from shared.settings import Settings
from shared.taskrules import names_district_boards
from tests.integration.helpers import runtime_of, wait_until

NGO_QUYEN, TIEN_LANG = "303", "315"
CITY = {"X-Unit-Scope": "31", "X-Scopes": "reporting:read"}
#: Items of the 2023 plan that name the district boards (responsible or coordinating).
DISTRICT_ITEMS = ["II.1.1", "II.1.2", "II.1.3", "II.1.9", "II.2.1.d", "II.2.2.f", "II.2.3.a",
                  "II.2.3.c", "II.2.4.a", "II.2.4.b", "II.2.4.c", "II.3.4", "III.3", "III.5",
                  "IV.2", "IV.3"]


def board(district: str, scopes: str = "indicators:read indicators:write") -> dict[str, str]:
    return {"X-Unit-Scope": district, "X-Scopes": scopes}


@pytest.fixture
def services(settings_factory: Callable[..., Settings]) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(indicators_app(settings_factory("indicators"))) as indicators, \
            TestClient(reporting_app(settings_factory("reporting"))) as reporting:
        yield indicators, reporting


def post(client: TestClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.text


def wait_projected(indicators: TestClient, reporting: TestClient) -> None:
    """Until reporting has projected every plan event the indicators service recorded (the
    two apps share the test's NATS server)."""
    with runtime_of(indicators).engine.connect() as conn:
        wanted = conn.execute(select(func.count()).select_from(events_table).where(
            events_table.c.event_type.in_(PLAN_EVENT_TYPES))).scalar_one()

    def projected() -> int:
        with runtime_of(reporting).engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(plan_events)).scalar_one())

    wait_until(lambda: projected() == wanted, timeout=30)


def plan_of(reporting: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = reporting.get("/api/v1/reports/2023-6m", headers=headers)
    assert response.status_code == 200, response.text
    plan: dict[str, Any] = response.json()["plan"]
    return plan


def test_city_reads_everything_a_district_board_its_own(
    services: tuple[TestClient, TestClient],
) -> None:
    indicators, reporting = services
    post(indicators, "/api/v1/plans/2023/load", {}, {})
    item = "/api/v1/plans/2023/items/II.1.1/progress"
    post(indicators, item, {"reported_on": "2023-03-10", "result": "Ngô Quyền: 13/13 phường",
                            "done": False}, board(NGO_QUYEN))
    # Tiên Lãng's later result must not show as Ngô Quyền's latest.
    post(indicators, item, {"reported_on": "2023-06-01", "result": "Tiên Lãng: 21 xã",
                            "done": True}, board(TIEN_LANG))
    post(indicators, "/api/v1/plans/2023/items/II.1.4/progress",
         {"reported_on": "2023-04-01", "result": "Phòng Dân vận chính quyền"},
         {"X-Department": "phong-dan-van-chinh-quyen"})
    duty = "/api/v1/reporting-duties/2023-6m"
    post(indicators, f"{duty}/deadline",
         {"deadline": "2023-06-20", "district_codes": [NGO_QUYEN, TIEN_LANG]}, {})
    post(indicators, f"{duty}/districts/{TIEN_LANG}/submit",
         {"summary": "Báo cáo 6 tháng", "submitted_on": "2023-06-18",
          "backdated_reason": "Báo cáo giấy", "figures": {"hoi_nghi_doi_thoai": 3}}, {})
    wait_projected(indicators, reporting)

    city = plan_of(reporting, CITY)
    assert city["items"]["total"] == 47
    city_items = {i["number"]: i for i in city["items"]["items"]}
    assert city_items["II.1.1"]["status"] == "done"  # Tiên Lãng's "done" counts for the city
    assert city_items["II.1.4"]["latest_result"]["result"] == "Phòng Dân vận chính quyền"
    assert [d["district_code"] for d in city["district_reports"]["districts"]] == [
        NGO_QUYEN, TIEN_LANG]
    # The indicators service answers the same summary, judged on the same day, by the one
    # builder of the kernel (shared/taskrules.py); `on` is its deprecated name of the day.
    summary = city["district_reports"]
    answered = indicators.get(duty, params={"on": summary["judged_on"]})
    assert answered.status_code == 200, answered.text
    listed = answered.json()
    assert set(listed) == set(summary) | {"on"} and listed["on"] == listed["judged_on"]
    same = set(summary) - {"districts"}
    assert {k: listed[k] for k in same} == {k: summary[k] for k in same}
    assert [(d["district_code"], d["status"]) for d in listed["districts"]] == [
        (d["district_code"], d["status"]) for d in summary["districts"]]

    own = plan_of(reporting, board(NGO_QUYEN, "reporting:read"))
    numbers = [i["number"] for i in own["items"]["items"]]
    assert sorted(numbers) == sorted(DISTRICT_ITEMS) and own["items"]["total"] == 16
    mine = {i["number"]: i for i in own["items"]["items"]}["II.1.1"]
    # Judged on Ngô Quyền's own progress: in progress (not Tiên Lãng's "done"), its result.
    assert (mine["status"], mine["latest_result"]["result"]) == (
        "in_progress", "Ngô Quyền: 13/13 phường")
    assert all(i["inspections"] == [] for i in own["items"]["items"])
    reports = own["district_reports"]
    assert [d["district_code"] for d in reports["districts"]] == [NGO_QUYEN]
    assert (reports["owed"], reports["submitted"]) == (1, 0)

    other = plan_of(reporting, board(TIEN_LANG, "reporting:read"))
    assert {i["number"]: i for i in other["items"]["items"]}["II.1.1"]["status"] == "done"
    assert [d["district_code"] for d in other["district_reports"]["districts"]] == [TIEN_LANG]

    # The same on the plan's page and in the Word report.
    page = reporting.get("/ke-hoach", params={"period": "2023-6m"},
                         headers=board(NGO_QUYEN, "reporting:read"))
    assert page.status_code == 200
    assert 'id="item-II.1.1"' in page.text and 'id="item-II.1.4"' not in page.text
    assert f'id="district-{TIEN_LANG}"' not in page.text and "Tiên Lãng: 21 xã" not in page.text
    city_page = reporting.get("/ke-hoach", params={"period": "2023-6m"}, headers=CITY)
    assert 'id="item-II.1.4"' in city_page.text and f'id="district-{TIEN_LANG}"' in city_page.text
    docx = reporting.get("/api/v1/reports/2023-6m/report.docx",
                         headers=board(NGO_QUYEN, "reporting:read"))
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Tiên Lãng: 21 xã" not in text


def test_dashboard_and_plan_page_link_each_other(
    services: tuple[TestClient, TestClient],
) -> None:
    _, reporting = services
    dashboard = reporting.get("/", params={"period": "2023-6m"}, headers=CITY)
    theme = reporting.get("/chuyen-de/doi-thoai", params={"period": "2023-6m"}, headers=CITY)
    plan = reporting.get("/ke-hoach", params={"period": "2023-6m"}, headers=CITY)
    assert dashboard.status_code == theme.status_code == plan.status_code == 200
    for page in (dashboard, theme):
        assert '<a id="plan-link" href="/ke-hoach?period=2023-6m">' in page.text
    assert '<a id="dashboard-link" href="/?period=2023-6m">' in plan.text
    # One helper offers the periods on both pages.

    def options(html: str) -> list[str]:
        return re.findall(r'<option value="([^"]+)"', html)

    assert options(plan.text) == options(dashboard.text) and "2023-6m" in options(plan.text)


def test_the_district_items_are_the_kernels() -> None:
    assert names_district_boards("ban-dan-van-cap-huyen", [])
    assert names_district_boards("van-phong", ["phong-mat-tran-doan-the",
                                               "ban-dan-van-cap-huyen"])
    assert not names_district_boards("van-phong", ["phong-mat-tran-doan-the"])
