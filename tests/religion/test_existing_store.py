"""A store written before the three eras (tests/fixtures/religion-store-fa1f536.json, the
events table as danvan fa1f536 wrote it) keeps loading and counting after the upgrade: its
aggregates load and take new commands, a rebuild of the register and the reports place each
site by the units valid on its dates (OPERATIONS.md §8, "Đơn vị hành chính ba thời kỳ")."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from services.reporting.app import create_app as reporting_app
from shared.eventstore import events_table
from shared.settings import Settings
from tests.integration.helpers import runtime_of

STORE = Path(__file__).resolve().parents[1] / "fixtures" / "religion-store-fa1f536.json"
DAI_BAN = "11587"  # Xã Đại Bản: Huyện An Dương (312) until 2024, Quận Hồng Bàng (303) in 2025


@pytest.fixture
def old_store(religion: TestClient) -> TestClient:
    document = json.loads(STORE.read_text(encoding="utf-8"))
    columns: list[str] = document["columns"]
    rows: list[dict[str, Any]] = []
    for values in document["rows"]:
        row = dict(zip(columns, values, strict=True))
        for stamp in ("occurred_at", "recorded_at"):
            row[stamp] = datetime.fromisoformat(row[stamp])
        rows.append(row)
    with runtime_of(religion).engine.begin() as conn:
        conn.execute(insert(events_table), rows)
    return religion


@pytest.fixture
def reporting(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    client = TestClient(reporting_app(settings_factory("reporting")))
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def _sites(client: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/sites", params=params)
    assert response.status_code == 200, response.text
    return {item["code"]: item for item in response.json()["items"]}


def test_an_old_store_loads_rebuilds_and_counts_by_the_new_eras(
    old_store: TestClient, reporting: TestClient
) -> None:
    rebuilt = old_store.post("/api/v1/admin/rebuild-read-models")
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json()["events_replayed"] == 6
    sites = _sites(old_store, as_of="2023-06-30")
    assert set(sites) == {"CS-CU-01", "CS-CU-02", "CS-CU-03", "CS-CU-04"}
    # The event says 303 (the old catalogue's answer); the register follows the catalogue.
    assert sites["CS-CU-01"]["district"] == {"code": "312", "name": "Huyện An Dương"}
    assert sites["CS-CU-04"]["district"]["code"] == "303"  # registered in March 2025
    assert sites["CS-CU-02"]["commune"]["name"] == "Phường Lạc Viên"  # its 2023 name
    assert set(_sites(old_store, district="312")) == {"CS-CU-01"}
    # The aggregates load and take new commands.
    amended = old_store.patch("/api/v1/sites/CS-CU-01", json={
        "name": "Chùa Đại Bản (Linh Quang)", "amended_on": "2023-09-01", "expected_version": 1})
    assert amended.status_code == 200, amended.text

    with runtime_of(old_store).engine.connect() as conn:
        envelopes = list(runtime_of(old_store).store.iter_all(conn))
    consumer = next(c for c in runtime_of(reporting).consumers if c.durable.endswith("religion"))
    consumer._apply(envelopes)
    for period, counted in (("2023-6m", {"312": 1, "303": 0, "315": 1, "304": 1, "31": 3}),
                            ("2025-6m", {"312": 0, "303": 2, "315": 1, "304": 1, "31": 4})):
        report = reporting.get(f"/api/v1/reports/{period}/units")
        assert report.status_code == 200, report.text
        units = {u["code"]: u["figures"]["sites"] for u in report.json()["units"]}
        assert {code: units[code] for code in counted} == counted, period
