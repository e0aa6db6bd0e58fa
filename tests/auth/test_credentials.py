"""Authentication with AUTH_MODE=required: bearer JWTs from the configured identity provider,
API keys with their whole life (create, use, rotate, revoke, expire), the command-line tool."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from shared.auth import apikeys
from shared.auth.keys import main as keys_main
from shared.auth.tables import api_key_audit_table, api_keys_table
from shared.clock import VN_TZ, today_vn
from shared.envelope import utcnow
from tests.auth.conftest import (
    QUAN_TOAN,
    TIEN_LANG,
    Idp,
    Role,
    Services,
    new_rsa_key,
    site_body,
)
from tests.integration.helpers import event_count, runtime_of

SITES = "/api/v1/sites"


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_no_credentials_is_401_in_the_error_format(services: Services) -> None:
    religion = services["religion"]
    response = religion.get(SITES)
    assert response.status_code == 401
    assert _error(response)["code"] == "AUTHENTICATION_REQUIRED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # The development headers mean nothing when authentication is required.
    forged = religion.post(SITES, json=site_body("CS-X"),
                           headers={"X-Actor": "admin", "X-Scopes": "religion:write"})
    assert forged.status_code == 401
    assert event_count(religion) == 0
    # Health stays open for the orchestrator.
    assert religion.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "case",
    ["expired", "other_key", "wrong_issuer", "wrong_audience", "no_unit", "hs256", "garbage",
     "basic"],
)
def test_bad_tokens_are_refused(services: Services, idp: Idp, case: str) -> None:
    # One generic 401 whatever the reason (the reason goes to the security log only).
    code = "AUTHENTICATION_REQUIRED"
    if case == "expired":
        header = f"Bearer {idp.token('city_staff', expires_in=timedelta(minutes=-5))}"
    elif case == "other_key":
        header = f"Bearer {idp.token('city_staff', key=new_rsa_key())}"
    elif case == "wrong_issuer":
        header = f"Bearer {idp.token('city_staff', iss='https://evil.example')}"
    elif case == "wrong_audience":
        header = f"Bearer {idp.token('city_staff', aud='another-system')}"
    elif case == "no_unit":
        header = f"Bearer {idp.token('city_staff', unit_scope=None)}"
    elif case == "hs256":
        # The classic confusion attack: the public key used as an HMAC secret.
        claims = {"sub": "x", "scope": "religion:write", "unit_scope": "31",
                  "iss": "https://sso.haiphong.gov.vn/realms/danvan", "aud": "danvan",
                  "exp": 4102444800, "iat": 1700000000}
        forged = jwt.encode(claims, "the-attackers-own-secret-32-bytes-long!", algorithm="HS256")
        header = f"Bearer {forged}"
    elif case == "garbage":
        header = "Bearer not.a.token"
    else:
        header = "Basic dXNlcjpwYXNz"
    religion = services["religion"]
    response = religion.post(SITES, json=site_body("CS-T"), headers={"Authorization": header})
    assert response.status_code == 401, response.json()
    assert _error(response)["code"] == code
    assert response.json() == religion.get(SITES).json(), "one body for every refusal"
    assert event_count(religion) == 0


def test_a_valid_token_names_the_actor_and_department_in_the_event(
    services: Services, idp: Idp
) -> None:
    religion = services["religion"]
    response = religion.post(SITES, json=site_body("CS-J1"),
                             headers=idp.headers("district_board"))
    assert response.status_code == 201
    audit = religion.get("/api/v1/audit", headers=idp.headers("city_staff")).json()
    assert audit["items"][0]["actor"] == "tran.thi.b"
    assert audit["items"][0]["department"] == "Ban Dân vận Huyện ủy Tiên Lãng"
    who = religion.get("/api/v1/auth/whoami", headers=idp.headers("district_board")).json()
    assert who["unit_scope"] == TIEN_LANG and who["kind"] == "user"


def _create_key(services: Services, idp: Idp, **body: Any) -> dict[str, Any]:
    request = {"owner": "Văn phòng Đăng ký đất đai Hải Phòng",
               "scopes": ["religion:read", "religion:write"], "unit_scope": TIEN_LANG} | body
    response = services["religion"].post("/api/v1/admin/api-keys", json=request,
                                          headers=idp.headers("key_admin"))
    assert response.status_code == 201, response.json()
    created: dict[str, Any] = response.json()
    return created


def test_an_api_key_lives_revoked_and_refused(services: Services, idp: Idp) -> None:
    religion = services["religion"]
    created = _create_key(services, idp)
    key = created["api_key"]
    assert key.startswith(f"dv_{created['prefix']}_")
    # Stored hashed: neither the key nor its secret is in the table.
    with runtime_of(religion).engine.connect() as conn:
        row = conn.execute(select(api_keys_table)).one()
    assert key.split("_", 2)[2] not in str(tuple(row)) and row.secret_hash != key
    # Both ways of presenting it work; the unit scope of the key applies.
    assert religion.post(SITES, json=site_body("CS-K1"),
                         headers={"X-API-Key": key}).status_code == 201
    assert religion.post(SITES, json=site_body("CS-K2"),
                         headers={"Authorization": f"Bearer {key}"}).status_code == 201
    outside = religion.post(SITES, json=site_body("CS-K3", QUAN_TOAN), headers={"X-API-Key": key})
    assert outside.status_code == 403
    events = event_count(religion)
    events_of_key = religion.get("/api/v1/audit?actor=key:Văn phòng Đăng ký đất đai Hải Phòng",
                                 headers=idp.headers("city_staff")).json()
    assert events_of_key["total"] == 2
    listed = religion.get("/api/v1/admin/api-keys", headers=idp.headers("key_admin")).json()
    assert listed["items"][0]["last_used_at"] is not None
    assert "api_key" not in listed["items"][0]
    # Revoked: refused at once.
    revoke = religion.post(f"/api/v1/admin/api-keys/{created['prefix']}/revoke",
                           json={"reason": "Hết thời hạn hợp tác"},
                           headers=idp.headers("key_admin"))
    assert revoke.status_code == 200 and revoke.json()["status"] == "revoked"
    refused = religion.post(SITES, json=site_body("CS-K4"), headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert _error(refused)["code"] == "AUTHENTICATION_REQUIRED"
    assert event_count(religion) == events
    # A wrong secret under a real prefix is refused too.
    wrong = f"dv_{created['prefix']}_{'x' * 43}"
    assert religion.get(SITES, headers={"X-API-Key": wrong}).status_code == 401
    # Key management is audited.
    with runtime_of(religion).engine.connect() as conn:
        actions = [r.action for r in conn.execute(
            select(api_key_audit_table).order_by(api_key_audit_table.c.id))]
    assert actions == ["created", "revoked"]


def test_an_expired_api_key_is_refused(services: Services, idp: Idp) -> None:
    religion = services["religion"]
    with runtime_of(religion).engine.begin() as conn:
        _, key = apikeys.create_key(
            conn, owner="Công an thành phố", scopes=["religion:read"], created_by="test",
            expires_at=utcnow() - timedelta(seconds=1),
        )
    response = religion.get(SITES, headers={"X-API-Key": key})
    assert response.status_code == 401
    # Its secret matched: the holder learns it expired (finding J16); a wrong secret of the
    # same key is still the one 401 a stranger gets.
    assert _error(response)["code"] == "API_KEY_EXPIRED"
    assert "hết hạn" in _error(response)["message"]
    assert response.headers["WWW-Authenticate"]
    # What it tells the holder to ask for is what the API does: an expired key is not rotated
    # (422 API_KEY_NOT_ACTIVE), a new key is issued; the message said «xoay vòng hoặc cấp».
    prefix = key.split("_")[1]
    rotate = religion.post(f"/api/v1/admin/api-keys/{prefix}/rotate", json={"grace_hours": 0},
                           headers=idp.headers("key_admin"))
    assert (rotate.status_code, _error(rotate)["code"]) == (422, "API_KEY_NOT_ACTIVE")
    assert "không xoay vòng được" in _error(response)["message"]
    stranger = religion.get(SITES, headers={"X-API-Key": key[:-4] + "xxxx"})
    assert _error(stranger)["code"] == "AUTHENTICATION_REQUIRED"


def test_every_key_has_a_bounded_lifetime(services: Services, idp: Idp) -> None:
    """Finding J16: a key created without an expiry lived for ever. It now expires
    API_KEY_DEFAULT_DAYS (90) after today, and none may be given more than API_KEY_MAX_DAYS
    (365): 422 API_KEY_LIFETIME_TOO_LONG naming the latest day, nothing stored."""
    today = today_vn()
    created = _create_key(services, idp)
    expires = datetime.fromisoformat(created["expires_at"]).astimezone(VN_TZ)
    assert expires.date() == today + timedelta(days=91)  # through the 90th day, then no more
    religion = services["religion"]
    too_long = religion.post("/api/v1/admin/api-keys", headers=idp.headers("key_admin"), json={
        "owner": "Công an thành phố", "scopes": ["religion:read"],
        "expires_on": (today + timedelta(days=366)).isoformat()})
    assert too_long.status_code == 422, too_long.text
    error = _error(too_long)
    assert error["code"] == "API_KEY_LIFETIME_TOO_LONG"
    assert error["details"]["latest"] == (today + timedelta(days=365)).isoformat()
    assert "365 ngày" in error["message"]
    # Its advice for a longer use is a new key: a rotation's key keeps the old one's expiry
    # (test_a_key_stored_without_an_expiry_...), so «xoay vòng khoá để có khoá mới» gave none.
    assert "giữ ngày hết hạn của khoá cũ" in error["message"]
    longest = _create_key(services, idp, expires_on=(today + timedelta(days=365)).isoformat())
    assert longest["status"] == "active"
    with runtime_of(religion).engine.connect() as conn:
        assert len(conn.execute(select(api_keys_table)).all()) == 2


def test_a_key_stored_without_an_expiry_expires_its_longest_lifetime_after_creation(
    services: Services, idp: Idp
) -> None:
    """Keys stored before the rule (expires_at NULL) are not credentials for ever: each
    expires API_KEY_MAX_DAYS after its creation (deploy/OPERATIONS.md), is listed so, and a
    rotation's successor inherits that day."""
    religion = services["religion"]
    now = utcnow()
    with runtime_of(religion).engine.begin() as conn:
        old, old_key = apikeys.create_key(
            conn, owner="Công an thành phố", scopes=["religion:read"], created_by="test",
            now=now - timedelta(days=366))
        recent, recent_key = apikeys.create_key(
            conn, owner="Sở Nội vụ", scopes=["religion:read"], created_by="test",
            now=now - timedelta(days=10))
    assert old.expires_at is None and recent.expires_at is None
    refused = religion.get(SITES, headers={"X-API-Key": old_key})
    assert (refused.status_code, _error(refused)["code"]) == (401, "API_KEY_EXPIRED")
    assert religion.get(SITES, headers={"X-API-Key": recent_key}).status_code == 200
    listed = {k["prefix"]: k for k in religion.get(
        "/api/v1/admin/api-keys", headers=idp.headers("key_admin")).json()["items"]}
    assert listed[old.prefix]["status"] == "expired"
    assert datetime.fromisoformat(listed[recent.prefix]["expires_at"]) == \
        recent.created_at + timedelta(days=365)
    rotated = religion.post(f"/api/v1/admin/api-keys/{recent.prefix}/rotate",
                            json={"grace_hours": 0}, headers=idp.headers("key_admin"))
    assert rotated.status_code == 201, rotated.text
    assert datetime.fromisoformat(rotated.json()["expires_at"]) == \
        recent.created_at + timedelta(days=365)


def test_a_service_issues_keys_for_its_own_scopes_only(services: Services, idp: Idp) -> None:
    """Finding J16: religion issued a key carrying dialogue:write and reports:finalise, scopes
    its own database's key could never open (the key lives in religion's database) but that
    read as another service's credential. 422 SCOPE_OF_ANOTHER_SERVICE, nothing stored; the
    scopes every service checks itself (read, audit:read, admin, metrics) may be given."""
    admin = Role("quan.tri.2", ("admin", "religion:read", "religion:write", "dialogue:write",
                                "reports:finalise", "metrics", "read"), "31", "Văn phòng")
    religion = services["religion"]
    for foreign in (["religion:read", "dialogue:write"], ["reports:finalise"]):
        refused = religion.post("/api/v1/admin/api-keys", headers=idp.headers(admin), json={
            "owner": "Công an thành phố", "scopes": foreign})
        assert refused.status_code == 422, refused.text
        error = _error(refused)
        assert error["code"] == "SCOPE_OF_ANOTHER_SERVICE"
        assert error["details"]["foreign"] == [s for s in foreign if s != "religion:read"]
        assert "religion:write" in error["details"]["allowed"]
    with runtime_of(religion).engine.connect() as conn:
        assert conn.execute(select(api_keys_table)).all() == []
    own = religion.post("/api/v1/admin/api-keys", headers=idp.headers(admin), json={
        "owner": "Prometheus", "scopes": ["metrics", "read", "religion:write"]})
    assert own.status_code == 201, own.text
    reporting = services["reporting"].post(
        "/api/v1/admin/api-keys", headers=idp.headers(admin),
        json={"owner": "Văn phòng", "scopes": ["reports:finalise"]})
    assert reporting.status_code == 201, reporting.text


def test_rotation_keeps_the_old_keys_own_scopes_only(
    services: Services, idp: Idp, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key issued before J16 may carry another service's scopes; its rotation issues a key
    now, so it keeps this service's scopes and drops the others (listed in the answer and the
    audit), by the API and the command-line tool; a key with none of this service's left is
    refused as creating it would be, nothing written. Without: the successor kept
    dialogue:write and reports:finalise."""
    religion = services["religion"]
    admin = Role("quan.tri.2", ("admin", "read", "religion:read", "dialogue:write",
                                "reports:finalise"),
                 "31", "Văn phòng")
    with runtime_of(religion).engine.begin() as conn:
        mixed, _ = apikeys.create_key(
            conn, owner="Công an thành phố", created_by="trước J16",
            scopes=["religion:read", "dialogue:write", "reports:finalise", "read"])
        foreign, _ = apikeys.create_key(conn, owner="Sở Nội vụ", created_by="trước J16",
                                        scopes=["dialogue:write"])
        cli, _ = apikeys.create_key(conn, owner="Sở Tư pháp", created_by="trước J16",
                                    scopes=["religion:read", "dialogue:write"])
    rotated = religion.post(f"/api/v1/admin/api-keys/{mixed.prefix}/rotate",
                            json={"grace_hours": 0}, headers=idp.headers(admin))
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["scopes"] == ["read", "religion:read"]
    assert rotated.json()["dropped_scopes"] == ["dialogue:write", "reports:finalise"]
    successor = rotated.json()["api_key"]
    whoami = religion.get("/api/v1/auth/whoami", headers={"X-API-Key": successor})
    assert whoami.json()["scopes"] == ["read", "religion:read"]
    with runtime_of(religion).engine.connect() as conn:
        audit = conn.execute(select(api_key_audit_table).where(
            api_key_audit_table.c.prefix == rotated.json()["prefix"])).one()
        before = conn.execute(select(api_key_audit_table)).all()
    assert audit.action == "rotated_in" and "dialogue:write" not in str(audit.details)
    refused = religion.post(f"/api/v1/admin/api-keys/{foreign.prefix}/rotate",
                            json={"grace_hours": 0}, headers=idp.headers(admin))
    assert refused.status_code == 422, refused.text
    assert _error(refused)["code"] == "SCOPE_OF_ANOTHER_SERVICE"
    assert _error(refused)["details"]["foreign"] == ["dialogue:write"]
    with runtime_of(religion).engine.connect() as conn:
        assert conn.execute(select(api_key_audit_table)).all() == before
        assert apikeys.get_key(conn, foreign.prefix) == foreign
    monkeypatch.setenv("RELIGION_DATABASE_URL", runtime_of(religion).settings.database_url)
    assert keys_main(["rotate", "--service", "religion", "--prefix", cli.prefix,
                      "--grace-hours", "0"]) == 0
    out = capsys.readouterr().out
    assert "dialogue:write" in out
    new_key = next(w for w in out.split() if w.startswith("dv_"))
    whoami = religion.get("/api/v1/auth/whoami", headers={"X-API-Key": new_key})
    assert whoami.json()["scopes"] == ["religion:read"]


def test_rotation_keeps_the_old_key_for_the_grace_period_only(
    services: Services, idp: Idp
) -> None:
    religion = services["religion"]
    created = _create_key(services, idp)
    rotated = religion.post(f"/api/v1/admin/api-keys/{created['prefix']}/rotate",
                            json={"grace_hours": 1}, headers=idp.headers("key_admin"))
    assert rotated.status_code == 201, rotated.json()
    new = rotated.json()
    assert new["scopes"] == created["scopes"] and new["unit_scope"] == TIEN_LANG
    for key in (created["api_key"], new["api_key"]):
        assert religion.get(SITES, headers={"X-API-Key": key}).status_code == 200
    # Without grace the old key stops at once.
    again = religion.post(f"/api/v1/admin/api-keys/{new['prefix']}/rotate",
                          json={"grace_hours": 0}, headers=idp.headers("key_admin"))
    assert again.status_code == 201
    assert religion.get(SITES, headers={"X-API-Key": new["api_key"]}).status_code == 401
    assert religion.get(SITES, headers={"X-API-Key": again.json()["api_key"]}).status_code == 200


def test_a_rotated_key_is_not_rotated_a_second_time(services: Services, idp: Idp) -> None:
    """examiner-hostile: a key still in its grace period was rotated again (a retried
    request, a double click), each time into one more live successor with the old key's whole
    lifetime, `replaced_by` naming only the last; 20 rotations at once made 20 keys. Now 409
    API_KEY_ALREADY_ROTATED names the successor, nothing stored; the successor rotates."""
    religion = services["religion"]
    created = _create_key(services, idp)
    path = f"/api/v1/admin/api-keys/{created['prefix']}/rotate"
    first = religion.post(path, json={"grace_hours": 1}, headers=idp.headers("key_admin"))
    assert first.status_code == 201, first.text
    successor = first.json()["prefix"]
    with runtime_of(religion).engine.connect() as conn:
        keys_before = conn.execute(select(api_keys_table)).all()
        audit_before = conn.execute(select(api_key_audit_table)).all()
    again = religion.post(path, json={"grace_hours": 1}, headers=idp.headers("key_admin"))
    assert again.status_code == 409, again.text
    assert _error(again)["code"] == "API_KEY_ALREADY_ROTATED"
    assert _error(again)["details"]["successor"] == successor
    assert _error(again)["details"]["allowed_actions"] == ["revoke"]
    assert successor in _error(again)["message"]
    with runtime_of(religion).engine.connect() as conn:
        assert conn.execute(select(api_keys_table)).all() == keys_before
        assert conn.execute(select(api_key_audit_table)).all() == audit_before
    onwards = religion.post(f"/api/v1/admin/api-keys/{successor}/rotate",
                            json={"grace_hours": 1}, headers=idp.headers("key_admin"))
    assert onwards.status_code == 201, onwards.text


def test_of_two_rotations_or_revocations_at_once_one_writes(
    services: Services, idp: Idp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rotations at once both read the key unrotated (PostgreSQL's read committed; on
    SQLite the writers take turns): the second is given that stale read here, as the race
    gives it, and must neither store a second successor nor audit a second rotation; the
    same for a revocation."""
    religion = services["religion"]
    engine = runtime_of(religion).engine
    created = _create_key(services, idp)
    prefix = created["prefix"]
    with engine.connect() as conn:
        stale = apikeys.get_key(conn, prefix)
    assert stale is not None
    rotated = religion.post(f"/api/v1/admin/api-keys/{prefix}/rotate",
                            json={"grace_hours": 1}, headers=idp.headers("key_admin"))
    assert rotated.status_code == 201, rotated.text
    with engine.connect() as conn:
        keys_before = conn.execute(select(api_keys_table)).all()
        audit_before = conn.execute(select(api_key_audit_table)).all()
    reads = iter([stale])
    real_get_key = apikeys.get_key
    monkeypatch.setattr(apikeys, "get_key", lambda conn, p: next(reads, None) or real_get_key(
        conn, p))
    with pytest.raises(apikeys.AlreadyRotated) as refused, engine.begin() as conn:
        apikeys.rotate_key(conn, prefix, "quan.tri", timedelta(hours=1))
    assert refused.value.successor == rotated.json()["prefix"]
    with engine.connect() as conn:
        assert conn.execute(select(api_keys_table)).all() == keys_before
        assert conn.execute(select(api_key_audit_table)).all() == audit_before
    # Revocations: the second, reading the key unrevoked, audits nothing.
    with engine.begin() as conn:
        apikeys.revoke_key(conn, prefix, "quan.tri", reason="một")
    with engine.connect() as conn:
        audit_before = conn.execute(select(api_key_audit_table)).all()
    reads = iter([stale])
    with engine.begin() as conn:
        revoked = apikeys.revoke_key(conn, prefix, "quan.tri", reason="hai")
    assert revoked is not None and revoked.revoked_at is not None
    with engine.connect() as conn:
        assert conn.execute(select(api_key_audit_table)).all() == audit_before


def test_nobody_hands_out_more_than_they_hold(services: Services, idp: Idp) -> None:
    religion = services["religion"]
    for body, code in (
        ({"owner": "Mặt trận Tổ quốc", "scopes": ["dialogue:write"]}, "MISSING_SCOPE"),
        ({"owner": "Mặt trận Tổ quốc", "scopes": ["nothing:here"]}, "UNKNOWN_SCOPE"),
    ):
        response = religion.post("/api/v1/admin/api-keys", json=body,
                                 headers=idp.headers("key_admin"))
        assert _error(response)["code"] == code
    # Without the admin scope there is no key management at all.
    response = religion.post("/api/v1/admin/api-keys",
                             json={"owner": "X", "scopes": ["religion:read"]},
                             headers=idp.headers("city_staff"))
    assert response.status_code == 403
    assert _error(response)["details"]["required_scope"] == "admin"


def test_the_command_line_tool_manages_keys(
    services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    religion = services["religion"]
    settings = runtime_of(religion).settings
    monkeypatch.setenv("RELIGION_DATABASE_URL", settings.database_url)
    assert keys_main(["create", "--service", "religion", "--owner", "Sở Tài nguyên và Môi trường",
                      "--scopes", "religion:read", "--unit-scope", TIEN_LANG,
                      "--actor", "quan.tri"]) == 0
    out = capsys.readouterr().out
    key = next(w for w in out.split() if w.startswith("dv_"))
    prefix = key.split("_")[1]
    assert religion.get(SITES, headers={"X-API-Key": key}).status_code == 200
    assert keys_main(["list", "--service", "religion"]) == 0
    listing = capsys.readouterr().out
    assert prefix in listing and key not in listing and "active" in listing
    assert keys_main(["rotate", "--service", "religion", "--prefix", prefix,
                      "--grace-hours", "0"]) == 0
    new_key = next(w for w in capsys.readouterr().out.split() if w.startswith("dv_"))
    assert religion.get(SITES, headers={"X-API-Key": key}).status_code == 401
    new_prefix = new_key.split("_")[1]
    assert keys_main(["revoke", "--service", "religion", "--prefix", new_prefix]) == 0
    assert religion.get(SITES, headers={"X-API-Key": new_key}).status_code == 401
    # The tool follows the API's rule for the unit scope (finding M5): nothing stored.
    capsys.readouterr()
    assert keys_main(["create", "--service", "religion", "--owner", "Đối tác",
                      "--scopes", "religion:read", "--unit-scope", "00001"]) == 2
    assert "00001" in capsys.readouterr().err
    with runtime_of(religion).engine.connect() as conn:
        assert len(conn.execute(select(api_keys_table)).all()) == 2
    assert keys_main(["create", "--service", "religion", "--owner", "X",
                      "--scopes", "bogus:scope"]) == 2
    with runtime_of(religion).engine.connect() as conn:
        audit = [(r.action, r.actor) for r in conn.execute(
            select(api_key_audit_table).order_by(api_key_audit_table.c.id))]
    assert audit[0] == ("created", "cli:quan.tri")
    assert [a for a, _ in audit] == ["created", "rotated_in", "rotated_out", "revoked"]


def test_a_key_for_no_unit_of_the_jurisdiction_is_neither_issued_nor_rotated(
    services: Services, idp: Idp
) -> None:
    """Finding M5: a key was issued for «00001» (a Hà Nội ward) or «999» (no unit), useless
    and silent. The unit scope follows the rule of every unit the API takes: 422
    OUTSIDE_JURISDICTION naming the unit, 422 UNKNOWN_UNIT for a code that never existed,
    nothing stored; a district abolished in 2025 (315) still scopes its records."""
    religion = services["religion"]
    for unit_scope, code in (("00001", "OUTSIDE_JURISDICTION"), ("351", "OUTSIDE_JURISDICTION"),
                             ("999", "UNKNOWN_UNIT"), ("11999", "UNKNOWN_UNIT")):
        refused = religion.post("/api/v1/admin/api-keys", headers=idp.headers("key_admin"),
                                json={"owner": "Đối tác", "scopes": ["religion:read"],
                                      "unit_scope": unit_scope})
        assert refused.status_code == 422, refused.text
        error = _error(refused)
        assert error["code"] == code and unit_scope in error["message"], error
    with runtime_of(religion).engine.connect() as conn:
        assert conn.execute(select(api_keys_table)).all() == []
    assert _create_key(services, idp, unit_scope=TIEN_LANG)["unit_scope"] == TIEN_LANG
    # One stored before the check is not renewed.
    with runtime_of(religion).engine.begin() as conn:
        stray, _ = apikeys.create_key(conn, owner="Đối tác", scopes=["religion:read"],
                                      created_by="test", unit_scope="999")
    rotated = religion.post(f"/api/v1/admin/api-keys/{stray.prefix}/rotate",
                            json={"grace_hours": 0}, headers=idp.headers("key_admin"))
    assert (rotated.status_code, _error(rotated)["code"]) == (422, "UNKNOWN_UNIT")
    with runtime_of(religion).engine.connect() as conn:
        assert len(conn.execute(select(api_keys_table)).all()) == 2


def _refusal_reasons(capsys: pytest.CaptureFixture[str]) -> list[str]:
    logs = capsys.readouterr()
    return [json.loads(line)["reason"] for line in (logs.out + logs.err).splitlines()
            if line.startswith("{") and "authn_login_fail" in line]


@pytest.mark.parametrize(
    "unit_scope",
    [["315", "316"], "31 ", "0031", "VN", "00001", "01", "315\u0000", "999", 315, ""],
)
def test_a_unit_claim_that_is_no_unit_of_the_jurisdiction_is_refused(
    services: Services, idp: Idp, capsys: pytest.CaptureFixture[str], unit_scope: Any
) -> None:
    # Finding O11: each made a principal whose every command failed with a Python repr in a
    # Vietnamese 403, and whose every list was answered empty. The API key's rule refuses it.
    religion = services["religion"]
    capsys.readouterr()
    headers = idp.headers("district_board", unit_scope=unit_scope)
    created = religion.post(SITES, json=site_body("CS-U"), headers=headers)
    listed = religion.get(SITES, headers=headers)
    assert created.status_code == listed.status_code == 401, created.json()
    assert _error(created)["code"] == "AUTHENTICATION_REQUIRED"
    assert event_count(religion) == 0
    assert _refusal_reasons(capsys) == ["unit_claim", "unit_claim"]
    # A unit of the jurisdiction on some day still opens: a district abolished in 2025.
    assert religion.get(SITES, headers=idp.headers("district_board")).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [{"sub": "a\nb\u202exxxxxxxxxx"}, {"sub": "nguyen.van.a\u0000"}, {"sub": "x" * 5000},
     {"sub": "x\u2066y"}, {"sub": " nguyen.van.a"}, {"sub": "nguyen\u200b.van.a"},
     {"sub": "nguyen\tvan"}, {"department": "Ban\u202e Dân vận"},
     {"department": "Ban Dân vận\r\n"}, {"department": "B" * 201}, {"department": ["x"]}],
)
def test_a_subject_or_department_that_a_body_would_refuse_is_refused(
    services: Services, idp: Idp, capsys: pytest.CaptureFixture[str], claims: dict[str, Any]
) -> None:
    # Finding O11: a newline and a right-to-left override were recorded as a site's actor,
    # and 5,000 characters were cut to 200 (two identities recording as one).
    religion = services["religion"]
    capsys.readouterr()
    response = religion.post(SITES, json=site_body("CS-S"),
                             headers=idp.headers("district_board", **claims))
    assert response.status_code == 401, response.json()
    assert event_count(religion) == 0
    assert _refusal_reasons(capsys) == ["subject" if "sub" in claims else "department"]


def test_a_subject_of_200_characters_and_a_department_in_decomposed_form_are_taken(
    services: Services, idp: Idp
) -> None:
    religion = services["religion"]
    decomposed = unicodedata.normalize("NFD", "Ban Dân vận Huyện ủy Tiên Lãng")
    response = religion.post(SITES, json=site_body("CS-S"), headers=idp.headers(
        "district_board", sub="x" * 200, department=decomposed, unit_scope="315"))
    assert response.status_code == 201, response.json()
    who = religion.get("/api/v1/auth/whoami", headers=idp.headers(
        "district_board", sub="x" * 200, department=decomposed, unit_scope="315")).json()
    assert who["department"] == unicodedata.normalize("NFC", decomposed)
    empty = religion.get(SITES, headers=idp.headers("district_board", department=""))
    assert empty.status_code == 200


def test_a_token_living_longer_than_the_configured_maximum_is_refused(
    services: Services, idp: Idp, capsys: pytest.CaptureFixture[str]
) -> None:
    # Finding O11: `exp` in year 33658 was accepted. JWT_MAX_LIFETIME_S (24 h) bounds exp - iat.
    religion = services["religion"]
    assert religion.get(SITES, headers=idp.headers(
        "city_staff", expires_in=timedelta(hours=23, minutes=58))).status_code == 200
    capsys.readouterr()
    now = int(datetime.now(VN_TZ).timestamp())
    for claims in ({"expires_in": timedelta(hours=24)},
                   {"exp": 1_000_000_000_000, "iat": now - 60},
                   {"exp": now + 3600, "iat": now - 3600 * 24}):
        response = religion.get(SITES, headers=idp.headers("city_staff", **claims))
        assert response.status_code == 401, (claims, response.json())
    assert _refusal_reasons(capsys) == ["lifetime"] * 3
