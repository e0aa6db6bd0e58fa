"""The register's days on a PostgreSQL whose sessions speak another time zone than UTC.

A business date is stored as its midnight UTC (shared.envelope.as_business_time). A server or
a role configured with `timezone = 'America/Los_Angeles'` (or a DATABASE_URL with
`options=-c timezone=...`) hands that midnight back as 16:00 or 17:00 of the day before: read
as it came, a site registered on 01/01/2025 was registered on 31/12/2024 in the rebuilt
register, in An Dương (312), Xã Đại Bản's district before that day, stood in the register as
of 31/12/2024, and the Tiên Lãng pilot as of 31/03 and 30/06 counted a site registered and a
dossier lodged the day after. SQLite runs the same test as the reference."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.religion.adapters.tables import READ_MODELS
from services.religion.app import create_app
from shared.settings import Settings
from tests.conftest import DatabaseUrls
from tests.integration.helpers import PACIFIC, runtime_of, session_in_zone, session_zone
from tests.religion.conftest import TIEN_LANG_TOWN, act, register

DAI_BAN = "11587"  # Huyện An Dương (312) until 31/12/2024, Quận Hồng Bàng (303) from 01/01/2025


@pytest.fixture
def religion_pacific(
    database_url_factory: DatabaseUrls, settings_factory: Callable[..., Settings]
) -> Iterator[TestClient]:
    url = session_in_zone(database_url_factory.migrated("religion"), PACIFIC)
    client = TestClient(create_app(settings_factory("religion", database_url=url)),
                        headers={"X-Actor": "can.bo.tg"})
    runtime_of(client).create_schema()
    assert session_zone(runtime_of(client).engine) in (None, PACIFIC)
    yield client
    runtime_of(client).engine.dispose()


def _snapshot(client: TestClient) -> dict[str, list[tuple[Any, ...]]]:
    with runtime_of(client).engine.connect() as conn:
        return {table.name: sorted(tuple(row) for row in conn.execute(select(table)))
                for table in READ_MODELS}


def test_a_site_registered_on_a_merger_day_keeps_its_day_and_district_rebuilt(
    religion_pacific: TestClient,
) -> None:
    client = religion_pacific
    register(client, "DB-2025", DAI_BAN, registered_on="2025-01-01")
    lodged = act(client, "DB-2025", "lodge", "2025-04-01")
    assert lodged.status_code in (200, 201), lodged.text
    live = _snapshot(client)

    rebuilt = client.post("/api/v1/admin/rebuild-read-models")
    assert rebuilt.status_code == 200, rebuilt.text
    assert _snapshot(client) == live
    site = client.get("/api/v1/sites/DB-2025").json()
    assert site["registered_on"] == "2025-01-01"
    assert site["district"]["code"] == "303", site["district"]

    history = client.get("/api/v1/sites/DB-2025/history").json()["events"]
    assert [e["occurred_on"] for e in history] == ["2025-01-01", "2025-04-01"]
    before = client.get("/api/v1/sites/DB-2025/as-of", params={"date": "2024-12-31"})
    assert before.status_code == 404, before.text
    assert before.json()["error"]["code"] == "NOT_REGISTERED_YET"
    quarter = client.get("/api/v1/sites/DB-2025/as-of", params={"date": "2025-03-31"}).json()
    assert quarter["dossier"]["state"] == "not_started"
    lodged_on = client.get("/api/v1/sites/DB-2025/as-of", params={"date": "2025-04-01"}).json()
    assert lodged_on["dossier"]["state"] == "lodged"


def test_the_pilot_as_of_a_quarters_end_counts_what_was_done_by_that_day(
    religion_pacific: TestClient,
) -> None:
    client = religion_pacific
    register(client, "TL-Q2", TIEN_LANG_TOWN, registered_on="2023-04-01")
    lodged = act(client, "TL-Q2", "lodge", "2023-07-01")
    assert lodged.status_code in (200, 201), lodged.text

    def pilot(on: str) -> tuple[int, int]:
        summary = client.get("/api/v1/reports/tien-lang-pilot", params={"as_of": on}).json()[
            "summary"]
        return summary["sites"], summary["with_dossier"]

    assert pilot("2023-03-31") == (0, 0)
    assert pilot("2023-04-01") == (1, 0)
    assert pilot("2023-06-30") == (1, 0)
    assert pilot("2023-07-01") == (1, 1)
