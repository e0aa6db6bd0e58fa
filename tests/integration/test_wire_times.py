"""An envelope's times as a consumer receives them: in UTC, whatever offset its publisher
wrote. A relay over a PostgreSQL session in another zone published that zone's offset, and
its messages stay in the streams for every replay; SQLite keeps a time's wall clock and drops
its zone, so such a time written as it came was stored hours off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import orjson
from sqlalchemy import Engine, MetaData

from shared.envelope import EventEnvelope, as_business_time
from shared.unitsuccessions import recorded, successions_projection, successions_table

#: Xã An Đồng, merged away on 01/01/2025, and a successor as an official may record it.
AN_DONG, DAI_BAN = "11605", "11587"
#: Recorded at 06:30 on 01/01/2025 in Vietnam, the merger's day.
RECORDED = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)


def _as_published(offset_text: str, occurred: str, recorded_at: str) -> EventEnvelope:
    envelope = EventEnvelope(
        event_id=uuid4(), event_type="UnitSuccessionRecorded", schema_version=1,
        service="indicators", aggregate_type="unit_succession", aggregate_id=AN_DONG,
        aggregate_version=1, occurred_at=as_business_time(date(2025, 1, 1)),
        recorded_at=RECORDED, actor="chuyen.vien", unit_code=DAI_BAN,
        payload={"predecessor_code": AN_DONG, "successor_code": DAI_BAN,
                 "effective": "2025-01-01", "legal_basis": "Nghị quyết sắp xếp đơn vị"})
    body = orjson.loads(envelope.to_json())
    assert offset_text in occurred and offset_text in recorded_at
    body["occurred_at"], body["recorded_at"] = occurred, recorded_at
    return EventEnvelope.from_json(orjson.dumps(body))


def test_times_with_any_offset_arrive_in_utc_and_are_stored_as_the_instant_they_are(
    engine: Engine,
) -> None:
    metadata = MetaData()
    table = successions_table("t_unit_successions", metadata)
    metadata.create_all(engine)
    write = successions_projection(table).handlers["UnitSuccessionRecorded"]
    received = [
        _as_published("-08:00", "2024-12-31T16:00:00-08:00", "2024-12-31T15:30:00-08:00"),
        _as_published("+07:00", "2025-01-01T07:00:00+07:00", "2025-01-01T06:30:00+07:00"),
    ]
    for envelope in received:
        assert (envelope.occurred_at.isoformat(), envelope.recorded_at.isoformat()) == (
            "2025-01-01T00:00:00+00:00", "2024-12-31T23:30:00+00:00")
        with engine.begin() as conn:
            write(conn, envelope)
    with engine.connect() as conn:
        assert [r.recorded_at for r in recorded(conn, table)] == [RECORDED, RECORDED]
