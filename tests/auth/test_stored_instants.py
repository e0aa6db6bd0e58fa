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


def test_the_audit_reads_a_moment_of_more_than_six_decimals_as_as_of_does(
    services: Services, idp: Idp
) -> None:
    """Examiner-hostile: .NET's round-trip format writes seven digits of a second
    («2023-06-30T12:00:00.0000000+07:00»), Go's and Java's up to nine. `as_of` and `known_at`
    drop what is below a microsecond (shared.validation.read_as_of), but the audit's
    recorded_from and recorded_to refused such a moment 422 DATETIME_FORMAT, the same
    partner's link read in one place and refused in the other. One reading of a moment."""
    religion = services["religion"]
    assert religion.post("/api/v1/sites", json=site_body("CS-AU7"),
                         headers=idp.headers("city_staff")).status_code == 201
    auditor = idp.headers("auditor")
    before = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(VN_TZ)
    six = before.isoformat(timespec="microseconds")
    for written in (six, six.replace("+07:00", "1+07:00"), six.replace("+07:00", "789+07:00"),
                    before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"):
        for name, found in (("recorded_from", 1), ("recorded_to", 0)):
            answer = religion.get("/api/v1/audit", headers=auditor, params={name: written})
            assert answer.status_code == 200, (written, answer.text)
            assert answer.json()["total"] == found, (name, written)
    # Text after the fraction, or a dot without digits, stays refused, as as_of refuses it.
    for written in (six + "x", before.strftime("%Y-%m-%dT%H:%M:%S.")):
        answer = religion.get("/api/v1/audit", headers=auditor, params={"recorded_from": written})
        assert answer.status_code == 422, (written, answer.text)
