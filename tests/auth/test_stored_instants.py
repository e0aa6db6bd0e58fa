"""Instants stored by the platform (an API key's expiry, a rebuild's times) keep their moment
on every database and are answered with their offset (findings K4, K7): SQLite keeps a
datetime's wall-clock text and drops its zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from shared.auth.tables import api_keys_table
from shared.clock import VN_TZ, today_vn
from shared.db import UtcDateTime
from tests.auth.conftest import TIEN_LANG, Idp, Services, site_body
from tests.integration.helpers import runtime_of


def test_a_key_valid_through_a_day_ends_at_midnight_in_vietnam(
    services: Services, idp: Idp
) -> None:
    last_day = today_vn() + timedelta(days=30)
    religion = services["religion"]
    created = religion.post("/api/v1/admin/api-keys", headers=idp.headers("key_admin"), json={
        "owner": "Văn phòng Đăng ký đất đai", "scopes": ["religion:read"],
        "unit_scope": TIEN_LANG, "expires_on": last_day.isoformat()})
    assert created.status_code == 201, created.text
    # 00:00 of the next day in Vietnam is 17:00 UTC of the last day.
    end = datetime(last_day.year, last_day.month, last_day.day, 17, tzinfo=UTC)
    assert datetime.fromisoformat(created.json()["expires_at"]) == end
    with runtime_of(religion).engine.connect() as conn:
        stored = conn.execute(select(api_keys_table.c.expires_at)).scalar_one()
    assert stored == end and stored.tzinfo is not None
    listed = religion.get("/api/v1/admin/api-keys", headers=idp.headers("key_admin")).json()
    answered = listed["items"][0]["expires_at"]
    assert answered.endswith("+00:00") and datetime.fromisoformat(answered) == end


def test_an_instant_is_stored_in_utc_and_read_back_aware() -> None:
    column = UtcDateTime()
    vn = datetime(2027, 7, 1, tzinfo=VN_TZ)
    bound = column.process_bind_param(vn, None)  # type: ignore[arg-type]
    assert bound is not None and bound.utcoffset() == timedelta(0) and bound == vn
    read = column.process_result_value(datetime(2027, 6, 30, 17), None)  # type: ignore[arg-type]
    assert read == datetime(2027, 6, 30, 17, tzinfo=UTC)
    assert date(2027, 6, 30) == read.date()


def test_the_audit_reads_a_moment_the_same_whatever_its_offset(
    services: Services, idp: Idp
) -> None:
    """Finding K8: on SQLite a +07:00 bound was compared as its wall-clock text (7 hours
    off), a time without a zone was taken as UTC, and «đến» a bare date left that day out."""
    religion = services["religion"]
    created = religion.post("/api/v1/sites", json=site_body("CS-AU1"),
                            headers=idp.headers("city_staff"))
    assert created.status_code == 201, created.text
    auditor = idp.headers("auditor")

    def total(**params: str) -> int:
        answer = religion.get("/api/v1/audit", headers=auditor, params=params)
        assert answer.status_code == 200, answer.text
        count: int = answer.json()["total"]
        return count

    before = datetime.now(UTC) - timedelta(minutes=5)
    after = datetime.now(UTC) + timedelta(minutes=5)
    for moment, recorded in ((before, 1), (after, 0)):
        for written in (moment.isoformat(), moment.astimezone(VN_TZ).isoformat(),
                        moment.astimezone(VN_TZ).replace(tzinfo=None).isoformat()):
            assert total(recorded_from=written) == recorded, written
            assert total(recorded_to=written) == 1 - recorded, written
    today = today_vn().isoformat()
    assert total(recorded_from=today) == 1
    assert total(recorded_to=today) == 1
    assert total(recorded_to=(today_vn() - timedelta(days=1)).isoformat()) == 0
