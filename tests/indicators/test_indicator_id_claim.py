"""Two spellings of a new indicator id at the same moment ("I5" and "i5") define one
indicator: a new definition claims its id upper-cased, as a site code or a model id is (G10),
and the second spelling is refused 409 INDICATOR_EXISTS naming the first. Before, both read
the definitions before either was recorded, found none, and made two indicators of the year.
A redefinition under another spelling stays a redefinition (test_indicator_id_case)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from services.indicators.app import create_app
from services.indicators.application import handlers
from shared.eventstore import events_table
from shared.settings import Settings
from tests.integration.helpers import at_once, event_count, runtime_of

CT = {"year": 2023, "name": "Cơ quan được đánh giá tốt công tác dân vận", "target": 90,
      "numerator": "Số cơ quan xếp loại tốt", "denominator": "Số cơ quan"}


@pytest.fixture
def indicators(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    """The app without its lifespan (no NATS): a definition is database work."""
    client = TestClient(create_app(settings_factory("indicators")),
                        headers={"X-Actor": "can-bo-ban-dan-van"})
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def _defined(client: TestClient) -> list[str]:
    """The aggregates of the definitions stored ("CT5-2023")."""
    with runtime_of(client).engine.connect() as conn:
        return sorted(set(conn.execute(select(events_table.c.aggregate_id).where(
            events_table.c.event_type == "IndicatorDefined")).scalars()))


def test_a_second_spelling_that_read_the_definitions_before_the_first_is_refused(
    indicators: TestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race made certain: "i5" reads the definitions as they were before "I5" was
    recorded (a transaction begun before its commit), so only the claim can tell."""
    assert indicators.post("/api/v1/indicators",
                           json={**CT, "indicator_id": "I5"}).status_code == 201
    before = event_count(indicators)

    def stale(conn: Connection, as_of: Any = None) -> dict[Any, Any]:
        return {}

    monkeypatch.setattr(handlers, "load_definitions", stale)
    refused = indicators.post("/api/v1/indicators", json={**CT, "indicator_id": "i5"})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "INDICATOR_EXISTS"
    assert "I5" in error["message"] and not error["message"].isascii()
    assert error["details"]["existing_indicator_id"] == "I5"
    assert event_count(indicators) == before
    assert _defined(indicators) == ["I5-2023"]


def test_two_spellings_of_a_new_id_defined_at_once_make_one_indicator(
    indicators: TestClient,
) -> None:
    answers = at_once([
        lambda: indicators.post("/api/v1/indicators", json={**CT, "indicator_id": "RACE5"}),
        lambda: indicators.post("/api/v1/indicators", json={**CT, "indicator_id": "race5"}),
    ])
    statuses = sorted(a.status_code for a in answers)
    # Taking turns, the second reads the first and would define it again blind: 428 (K16);
    # at the same moment, the second is refused by the claim (409).
    assert statuses in ([201, 428], [201, 409]), [a.text for a in answers]
    if statuses == [201, 409]:
        refused = next(a for a in answers if a.status_code == 409)
        assert refused.json()["error"]["code"] == "INDICATOR_EXISTS"
    assert len(_defined(indicators)) == 1, _defined(indicators)


def test_the_same_id_for_another_year_and_a_redefinition_are_not_refused(
    indicators: TestClient,
) -> None:
    assert indicators.post("/api/v1/indicators",
                           json={**CT, "indicator_id": "CT7"}).status_code == 201
    next_year = indicators.post("/api/v1/indicators",
                                json={**CT, "indicator_id": "ct7", "year": 2024})
    assert next_year.status_code == 201, next_year.text
    assert next_year.json()["aggregate_id"] == "CT7-2024"
    again = indicators.post("/api/v1/indicators", json={**CT, "indicator_id": "Ct7"},
                            headers={"If-Match": '"1"'})
    assert again.status_code == 200, again.text
    assert _defined(indicators) == ["CT7-2023", "CT7-2024"]
