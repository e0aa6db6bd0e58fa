"""The dashboard's pages and the plan's page /ke-hoach link each other and offer the same
periods. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app as indicators_app
from services.reporting.app import create_app as reporting_app
from shared.settings import Settings

CITY = {"X-Unit-Scope": "31", "X-Scopes": "reporting:read"}


@pytest.fixture
def services(settings_factory: Callable[..., Settings]) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(indicators_app(settings_factory("indicators"))) as indicators, \
            TestClient(reporting_app(settings_factory("reporting"))) as reporting:
        yield indicators, reporting


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

