"""Fixtures of the religion tests: the service over HTTP on a fresh database (SQLite, and
PostgreSQL when configured), without the NATS lifespan unless a test asks for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.religion.app import create_app
from shared.settings import Settings
from tests.integration.helpers import runtime_of

# Real Hai Phong communes of the three-level era (valid until 2025-07-01).
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng, Huyện Tiên Lãng (315)
DAI_THANG = "11758"  # Xã Đại Thắng, Huyện Tiên Lãng (315)
QUAN_TOAN = "11296"  # Phường Quán Toan, Quận Hồng Bàng (303)
VINH_BAO_TOWN = "11824"  # Thị trấn Vĩnh Bảo, Huyện Vĩnh Bảo (316)


@pytest.fixture
def religion(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    """The app without its lifespan: schema created, no relay or NATS link running (the
    commands and views under test are all synchronous database work)."""
    client = TestClient(create_app(settings_factory("religion")), headers={"X-Actor": "can.bo.tg"})
    runtime_of(client).create_schema()
    yield client
    runtime_of(client).engine.dispose()


def site_body(code: str, commune: str = TIEN_LANG_TOWN, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Chùa Phúc Lâm {code}",
        "religion": "Phật giáo",
        "commune_code": commune,
        "address": "Thôn Đông",
        "land_area_m2": 1250.5,
        "land_use_origin": "Đất sử dụng ổn định trước 01/7/2004",
        "registered_on": "2023-02-01",
        **extra,
    }


def register(client: TestClient, code: str, commune: str = TIEN_LANG_TOWN, **extra: Any) -> None:
    response = client.post("/api/v1/sites", json=site_body(code, commune, **extra))
    assert response.status_code == 201, response.text


def act(client: TestClient, code: str, action: str, on: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/sites/{code}/dossier/{action}", json={"acted_on": on, **extra})


def issue(client: TestClient, code: str, number: str, on: str = "2023-05-02") -> Any:
    return client.post(
        f"/api/v1/sites/{code}/certificate",
        json={
            "certificate_number": number,
            "issued_on": on,
            "issuing_authority": "Sở Tài nguyên và Môi trường thành phố Hải Phòng",
            "certified_area_m2": 1200.0,
            "document_refs": ["QĐ 123/QĐ-UBND"],
        },
    )


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body
