"""Fixtures of the dialogue tests: a business clock the test can move, and the app on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.app import create_app
from services.dialogue.application.runtime import DialogueRuntime
from shared.settings import Settings

# Real Hai Phong units of the three-level era (valid until 2025-07-01).
HAI_PHONG = "31"
TIEN_LANG = "315"  # Huyện Tiên Lãng
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng, huyện Tiên Lãng
HONG_BANG = "303"  # Quận Hồng Bàng
QUAN_TOAN = "11296"  # Phường Quán Toan, quận Hồng Bàng


@dataclass
class FakeToday:
    """The business clock of a test: call it like `today_vn`, move it with `set`/`advance`."""

    value: date

    def __call__(self) -> date:
        return self.value

    def set(self, value: date) -> None:
        self.value = value

    def advance(self, days: int) -> None:
        self.value += timedelta(days=days)


@pytest.fixture
def clock() -> FakeToday:
    return FakeToday(date(2023, 12, 31))


@pytest.fixture
def dialogue_settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory("dialogue")


@pytest.fixture
def make_client(
    dialogue_settings: Settings, clock: FakeToday
) -> Callable[[], TestClient]:
    """A new app on the same database each call: use it to restart the service."""

    def make() -> TestClient:
        # A long interval: the scheduler passes once at start; tests drive later passes.
        return TestClient(create_app(dialogue_settings, today=clock, scan_interval_s=3600))

    return make


@pytest.fixture
def client(make_client: Callable[[], TestClient]) -> Iterator[TestClient]:
    with make_client() as c:
        yield c


def runtime_of(client: TestClient) -> DialogueRuntime:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert isinstance(runtime, DialogueRuntime)
    return runtime


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def take_office(
    client: TestClient, unit_code: str, role: str, name: str, from_date: str, **extra: Any
) -> str:
    body = ok(
        client.post(
            "/api/v1/heads",
            json={"unit_code": unit_code, "role": role, "full_name": name,
                  "from_date": from_date, **extra},
        ),
        201,
    )
    head_id: str = body["head_id"]
    return head_id


def held_session(
    client: TestClient, unit_code: str, head_ids: list[str], held_on: str, **extra: Any
) -> str:
    body = ok(
        client.post(
            "/api/v1/sessions",
            json={"unit_code": unit_code, "head_ids": head_ids, "planned_on": held_on,
                  "topic": "Giải phóng mặt bằng dự án đường ven sông", "place": "Hội trường",
                  **extra},
        ),
        201,
    )
    session_id: str = body["session_id"]
    ok(client.post(f"/api/v1/sessions/{session_id}/hold", json={"held_on": held_on}))
    return session_id


def event_types(client: TestClient, event_type: str | None = None) -> list[str]:
    """Types of the stored events, in order (optionally only one type)."""
    from sqlalchemy import select

    from shared.eventstore import events_table

    query = select(events_table.c.event_type).order_by(events_table.c.position)
    if event_type:
        query = query.where(events_table.c.event_type == event_type)
    with runtime_of(client).engine.connect() as conn:
        return list(conn.execute(query).scalars())


def written_by_commands(client: TestClient) -> int:
    """How many events are stored, less the scheduler's: its reminders and overdue marks are
    recorded on its own time (its pass at the app's start can run late on a loaded machine),
    in the middle of a test counting what a refused command or import wrote (13 == 12 seen
    once)."""
    return sum(1 for event_type in event_types(client)
               if event_type not in ("SessionReportReminderDue", "CommitmentOverdue"))


def outbox_drained(client: TestClient) -> bool:
    from sqlalchemy import func, select

    from shared.eventstore import outbox_table

    with runtime_of(client).engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).select_from(outbox_table).where(
                outbox_table.c.published_at.is_(None)
            )
        ).scalar_one()
    return int(pending) == 0
