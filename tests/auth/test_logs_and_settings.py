"""No token, key or password in any log; failures logged in the OWASP vocabulary; production
refuses development authentication; development mode keeps `make run` credential-free."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.religion.app import create_app as religion_app
from shared.auth.devissuer import main as devissuer_main
from shared.auth.devissuer import public_key_path
from shared.settings import Settings
from tests.auth.conftest import QUAN_TOAN, TIEN_LANG, Idp, site_body
from tests.integration.helpers import event_count, runtime_of


def test_no_secret_reaches_the_logs_of_a_run(
    auth_settings: Callable[..., Settings], settings_factory: Callable[..., Settings],
    idp: Idp, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    secrets: list[str] = []
    # The whole lifespan runs (migrations, NATS link, relay), so its logs are in the run too.
    with TestClient(religion_app(auth_settings("religion", log_level="DEBUG"))) as religion:
        admin = idp.headers("key_admin")
        created = religion.post("/api/v1/admin/api-keys", headers=admin, json={
            "owner": "Văn phòng Đăng ký đất đai", "scopes": ["religion:write"],
            "unit_scope": TIEN_LANG}).json()
        key = created["api_key"]
        secrets.append(key)
        assert religion.post("/api/v1/sites", json=site_body("CS-L1"),
                             headers={"X-API-Key": key}).status_code == 201
        rotated = religion.post(f"/api/v1/admin/api-keys/{created['prefix']}/rotate",
                                json={"grace_hours": 0}, headers=admin).json()
        secrets.append(rotated["api_key"])
        religion.post(f"/api/v1/admin/api-keys/{rotated['prefix']}/revoke", json={},
                      headers=admin)
        # Failures of every kind: revoked, expired, wrong secret, bad token, no credentials,
        # missing scope, unit out of scope.
        assert religion.get("/api/v1/sites", headers={"X-API-Key": rotated["api_key"]}) \
            .status_code == 401
        wrong = f"dv_{created['prefix']}_{'Zq' * 22}"
        secrets.append(wrong)
        assert religion.get("/api/v1/sites", headers={"X-API-Key": wrong}).status_code == 401
        expired = idp.token("city_staff", expires_in=timedelta(minutes=-3))
        assert religion.get("/api/v1/sites", headers={"Authorization": f"Bearer {expired}"}) \
            .status_code == 401
        assert religion.get("/api/v1/sites",
                            headers={"Authorization": "Bearer abc.def.ghi"}).status_code == 401
        assert religion.get("/api/v1/sites").status_code == 401
        assert religion.post("/api/v1/sites", json=site_body("CS-L2"),
                             headers=idp.headers("leadership")).status_code == 403
        assert religion.post("/api/v1/sites", json=site_body("CS-L3", QUAN_TOAN),
                             headers=idp.headers("district_board")).status_code == 403
    # A development-mode service hands out its own tokens: those must not be logged either.
    dev = TestClient(religion_app(settings_factory("religion", data_dir=tmp_path / "dev")))
    runtime_of(dev).create_schema()
    issued = dev.post("/api/v1/auth/dev-token", json={
        "subject": "can.bo.dev", "scopes": ["religion:read"], "unit_scope": TIEN_LANG})
    assert issued.status_code == 201
    secrets.append(issued.json()["access_token"])
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert dev.post("/api/v1/sites", json=site_body("CS-L4"), headers=bearer).status_code == 403
    runtime_of(dev).engine.dispose()
    secrets += idp.issued
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert "authn_login_fail" in logs, "the run logged nothing: the test would prove nothing"
    for secret in secrets:
        # An API key is `dv_<prefix>_<secret>`, a JWT is `header.payload.signature`; the
        # prefix and the JWT header are public. Each kind is split by its own rule: a JWT's
        # base64url signature may hold "_" and split on it would yield a two-letter "secret"
        # found in any log by chance.
        if secret.startswith("dv_"):
            parts = [secret, secret.split("_", 2)[2]]
        else:
            parts = [secret, *secret.split(".")[1:]]
        for part in parts:
            assert len(part) >= 16, f"a credential part too short to look for: {part!r}"
            assert part not in logs, f"a credential reached the logs: {part[:12]}…"
    security = [json.loads(line) for line in logs.splitlines()
                if line.startswith("{") and "owasp_event" in line]
    events = {line["owasp_event"].split(":")[0] for line in security}
    assert {"authn_login_fail", "authn_token_revoked", "authn_token_created",
            "authz_fail"} <= events
    assert any(line["owasp_event"] == "authz_fail:hoang.van.e,religion:write"
               for line in security)
    assert any(line["owasp_event"] == f"authz_fail:tran.thi.b,unit:{QUAN_TOAN}"
               for line in security)
    assert all(line["description"] for line in security)


def test_production_refuses_development_authentication(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="AUTH_MODE=development"):
        Settings(environment="production", auth_mode="development")
    assert Settings(environment="production").auth_mode == "required"
    assert Settings(environment="test").auth_mode == "development"
    assert Settings(environment="development").auth_mode == "development"


def test_production_refuses_the_development_signing_key(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    # A development run leaves its key under DATA_DIR/dev-jwt/.
    dev_settings = settings_factory("religion", data_dir=data)
    religion_app(dev_settings).state.runtime.engine.dispose()
    dev_public = public_key_path(dev_settings)
    assert dev_public.exists()
    copied = tmp_path / "looks-innocent.pem"
    copied.write_bytes(dev_public.read_bytes())
    for keys in (str(dev_public), str(copied)):
        production = settings_factory("religion", environment="production", data_dir=data,
                                      jwt_public_keys=keys)
        with pytest.raises(RuntimeError, match="khoá ký phát triển"):
            religion_app(production)


def test_development_mode_trusts_the_development_headers_and_issuer(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    religion = TestClient(religion_app(settings_factory("religion", data_dir=tmp_path)))
    runtime_of(religion).create_schema()
    # Absent headers: a city-level development identity with every scope.
    assert religion.post("/api/v1/sites", json=site_body("CS-D1")).status_code == 201
    board = {"X-Actor": "can.bo.huyen", "X-Scopes": "religion:read religion:write",
             "X-Unit-Scope": TIEN_LANG}
    outside = religion.post("/api/v1/sites", json=site_body("CS-D2", QUAN_TOAN), headers=board)
    assert outside.status_code == 403
    read_only = religion.post("/api/v1/sites", json=site_body("CS-D3"),
                              headers={"X-Scopes": "religion:read"})
    assert read_only.status_code == 403
    token = religion.post("/api/v1/auth/dev-token", json={
        "subject": "can.bo.xa", "scopes": ["religion:read", "religion:write"],
        "unit_scope": TIEN_LANG}).json()["access_token"]
    who = religion.get("/api/v1/auth/whoami", headers={"Authorization": f"Bearer {token}"})
    assert who.json()["subject"] == "can.bo.xa" and who.json()["kind"] == "user"
    assert event_count(religion) == 1
    runtime_of(religion).engine.dispose()


def test_the_development_issuer_gives_no_token_for_a_unit_outside_the_jurisdiction(
    settings_factory: Callable[..., Settings], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A development token for «999» (no unit) or «00001» (a Hà Nội ward) was signed and
    opened nothing. Its unit scope follows an API key's rule (finding M5), in the route and
    the console alike: 422 UNKNOWN_UNIT / OUTSIDE_JURISDICTION with the key's message."""
    religion = TestClient(religion_app(settings_factory("religion", data_dir=tmp_path)))
    for unit_scope, code in (("999", "UNKNOWN_UNIT"), ("11999", "UNKNOWN_UNIT"),
                             ("00001", "OUTSIDE_JURISDICTION")):
        refused = religion.post("/api/v1/auth/dev-token", json={
            "subject": "can.bo", "scopes": ["religion:read"], "unit_scope": unit_scope})
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == code and unit_scope in error["message"], error
        assert "access_token" not in refused.text
    for unit_scope in ("31", TIEN_LANG, "11755"):  # the city, a district of before 2025, a commune
        issued = religion.post("/api/v1/auth/dev-token", json={
            "subject": "can.bo", "scopes": ["religion:read"], "unit_scope": unit_scope})
        assert issued.status_code == 201, issued.text
    runtime_of(religion).engine.dispose()
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "cli"))
    assert devissuer_main(["--subject", "a", "--scopes", "religion:read",
                           "--unit-scope", "999"]) == 2
    assert "«999» không tồn tại" in capsys.readouterr().err
    assert devissuer_main(["--subject", "a", "--scopes", "religion:read",
                           "--unit-scope", "315"]) == 0


def test_the_development_issuer_is_absent_when_authentication_is_required(
    auth_settings: Callable[..., Settings],
) -> None:
    religion = TestClient(religion_app(auth_settings("religion")))
    assert religion.post("/api/v1/auth/dev-token", json={}).status_code == 404
    runtime_of(religion).engine.dispose()


def test_no_development_token_outlives_the_longest_token_the_services_take(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    # A token the services would refuse (JWT_MAX_LIFETIME_S) is not signed at all.
    with pytest.raises(ValidationError, match="JWT_MAX_LIFETIME_S"):
        Settings(dev_token_ttl_s=2 * 24 * 3600)
    religion = TestClient(religion_app(settings_factory(
        "religion", data_dir=tmp_path, jwt_max_lifetime_s=3600, dev_token_ttl_s=1800)))
    refused = religion.post("/api/v1/auth/dev-token", json={
        "scopes": ["religion:read"], "unit_scope": "31", "ttl_minutes": 61})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "TOKEN_LIFETIME_TOO_LONG"
    issued = religion.post("/api/v1/auth/dev-token", json={
        "scopes": ["religion:read"], "unit_scope": "31", "ttl_minutes": 60})
    assert issued.status_code == 201, issued.text
    token = issued.json()["access_token"]
    assert religion.get("/api/v1/sites",
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200
    runtime_of(religion).engine.dispose()
