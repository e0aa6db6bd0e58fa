"""The four services with AUTH_MODE=required, trusting an "institution's identity provider"
made up for the test: an RSA key pair whose public half is configured as JWT_PUBLIC_KEYS,
exactly as an operator would plug in the real one (issuer, audience, key file)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.dialogue.app import create_app as dialogue_app
from services.indicators.app import create_app as indicators_app
from services.religion.app import create_app as religion_app
from services.reporting.app import create_app as reporting_app
from shared.settings import Settings
from tests.integration.helpers import runtime_of

ISSUER = "https://sso.haiphong.gov.vn/realms/danvan"
AUDIENCE = "danvan"

# Real Hai Phong units of the three-level era (valid until 2025-07-01).
TIEN_LANG = "315"  # Huyện Tiên Lãng
TIEN_LANG_TOWN = "11755"  # Thị trấn Tiên Lãng (315)
DAI_THANG = "11758"  # Xã Đại Thắng (315)
HONG_BANG = "303"  # Quận Hồng Bàng
QUAN_TOAN = "11296"  # Phường Quán Toan (303)

APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "religion": religion_app,
    "dialogue": dialogue_app,
    "indicators": indicators_app,
    "reporting": reporting_app,
}

ALL_WRITE = [
    "religion:read", "religion:write", "dialogue:read", "dialogue:write",
    "indicators:read", "indicators:write", "reporting:read", "reporting:write",
]


@dataclass(frozen=True)
class Role:
    """A kind of user of DOMAIN.md's "Who uses it", as its token describes it."""

    subject: str
    scopes: tuple[str, ...]
    unit_scope: str
    department: str


ROLES: dict[str, Role] = {
    "city_staff": Role("nguyen.van.a", (*ALL_WRITE, "reports:finalise", "audit:read"), "31",
                       "Ban Dân vận Thành ủy Hải Phòng"),
    "district_board": Role("tran.thi.b", tuple(ALL_WRITE), TIEN_LANG,
                           "Ban Dân vận Huyện ủy Tiên Lãng"),
    "religion_desk": Role("le.van.c", ("religion:read", "religion:write"), "31",
                          "Phòng Tôn giáo - Dân tộc"),
    "dialogue_desk": Role("pham.thi.d",
                          ("dialogue:read", "dialogue:write", "dialogue:citizen_data"), "31",
                          "Văn phòng UBND thành phố"),
    "leadership": Role("hoang.van.e", ("read",), "31", "Thường trực Thành ủy"),
    "auditor": Role("vu.thi.g", ("audit:read",), "31", "Ủy ban Kiểm tra Thành ủy"),
    "key_admin": Role("quan.tri", ("admin", "audit:read", "religion:read", "religion:write"),
                      "31", "Trung tâm Công nghệ thông tin"),
}


@dataclass
class Idp:
    """The test's identity provider: signs tokens the services must accept or refuse."""

    key: RSAPrivateKey
    public_path: Path
    issued: list[str]

    def token(self, role: Role | str, *, expires_in: timedelta = timedelta(minutes=10),
              key: RSAPrivateKey | None = None, **claims: Any) -> str:
        r = ROLES[role] if isinstance(role, str) else role
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": r.subject, "jti": uuid4().hex,
            "iat": int((now - timedelta(minutes=1)).timestamp()),
            "exp": int((now + expires_in).timestamp()),
            "scope": " ".join(r.scopes), "unit_scope": r.unit_scope, "department": r.department,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        token = jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "idp-1"})
        self.issued.append(token)
        return token

    def headers(self, role: Role | str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **claims)}"}


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def idp_key() -> RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def idp(idp_key: RSAPrivateKey, tmp_path: Path) -> Idp:
    path = tmp_path / "idp-public.pem"
    path.write_bytes(idp_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ))
    return Idp(idp_key, path, [])


@pytest.fixture
def auth_settings(
    settings_factory: Callable[..., Settings], idp: Idp, tmp_path: Path
) -> Callable[..., Settings]:
    def make(service: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "auth_mode": "required",
            "jwt_public_keys": str(idp.public_path),
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return settings_factory(service, **values)

    return make


class Services:
    """The services a test asks for, each started on first use (an app costs its schema)."""

    def __init__(self, settings: Callable[..., Settings]) -> None:
        self._settings = settings
        self._clients: dict[str, TestClient] = {}

    def __getitem__(self, name: str) -> TestClient:
        if name not in self._clients:
            client = TestClient(APPS[name](self._settings(name)))
            runtime_of(client).create_schema()
            self._clients[name] = client
        return self._clients[name]

    def close(self) -> None:
        for client in self._clients.values():
            runtime_of(client).engine.dispose()


@pytest.fixture
def services(auth_settings: Callable[..., Settings]) -> Iterator[Services]:
    """Services over HTTP without their lifespan (no relay or consumers): the commands and
    refusals under test are synchronous database work."""
    started = Services(auth_settings)
    yield started
    started.close()


def site_body(code: str, commune: str = TIEN_LANG_TOWN) -> dict[str, Any]:
    return {
        "code": code, "name": f"Chùa Phúc Lâm {code}", "religion": "Phật giáo",
        "commune_code": commune, "address": "Khu 1", "land_area_m2": 1250.5,
        "land_use_origin": "Đất cơ sở tôn giáo sử dụng ổn định", "registered_on": "2023-03-01",
    }


def head_body(unit: str = TIEN_LANG_TOWN, name: str = "Nguyễn Văn Hùng") -> dict[str, Any]:
    return {"unit_code": unit, "role": "party_secretary", "full_name": name,
            "from_date": "2021-01-15"}


def model_body(unit: str = TIEN_LANG_TOWN) -> dict[str, Any]:
    return {"unit_code": unit, "field": "new_rural", "title": "Dân vận khéo xây dựng nông thôn mới",
            "started_on": "2023-02-01"}
