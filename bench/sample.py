"""The site the kernel benchmarks register, and the raw-SQLite rate they are measured against.

Defined here rather than imported from the religion service, so the kernel's figures do not
move when a service changes its model; `bench.platform` and `bench.peer` share the event and
aggregate, `bench.platform` and `bench.religion` the baseline.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

from bench.common import Timer, report
from shared.aggregate import Aggregate
from shared.db import create_db_engine, create_schema
from shared.envelope import DomainEvent, EventRegistry
from shared.eventstore import kernel_metadata

ON = date(2023, 3, 1)
#: A registration's payload without its code (each run numbers its sites).
SITE: dict[str, Any] = {
    "name": "Chùa Dư Hàng",
    "religion": "Phật giáo",
    "commune_code": "11755",
    "district_code": "315",
    "address": "Thôn Đông, xã Tiên Thắng",
    "land_area_m2": 1250.5,
    "land_use_origin": "Sử dụng ổn định trước 1993",
}

registry = EventRegistry("religion")


@registry.register
class SiteRegistered(DomainEvent):
    event_type = "SiteRegistered"
    code: str
    name: str
    religion: str
    commune_code: str
    district_code: str | None
    address: str
    land_area_m2: float | None
    land_use_origin: str | None


@registry.register
class SiteRenamed(DomainEvent):
    event_type = "SiteRenamed"
    name: str


class Site(Aggregate):
    aggregate_type = "site"
    name = ""

    def register(self, event: SiteRegistered, on: date = ON) -> None:
        if self.exists:
            raise ValueError("already registered")
        self.record(event, on, unit_code=event.commune_code)

    def rename(self, name: str) -> None:
        if not self.exists:
            raise ValueError("unknown site")
        self.record(SiteRenamed(name=name), ON)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, SiteRegistered | SiteRenamed):
            self.name = event.name


def raw_connection(path: Path, kernel_schema: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection with the kernel's pragmas, in autocommit (the loops write
    their own BEGIN/COMMIT); with `kernel_schema`, on a file holding the kernel's tables."""
    if kernel_schema:
        engine = create_db_engine(f"sqlite:///{path}")
        create_schema(engine, kernel_metadata)
        engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def raw_sqlite(path: Path, count: int) -> float:
    """The storage's own speed: one event row per transaction through sqlite3, with the
    kernel's pragmas, on a bare table (no outbox, no second index)."""
    conn = raw_connection(path)
    conn.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT UNIQUE, type TEXT,"
        " aggregate_id TEXT, version INTEGER, recorded_at TEXT, payload TEXT,"
        " UNIQUE(aggregate_id, version))"
    )
    body = json.dumps({"code": "S0", **SITE}, ensure_ascii=False, separators=(",", ":"))
    with Timer() as timer:
        for n in range(count):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO events (event_id, type, aggregate_id, version, recorded_at, payload)"
                " VALUES (?, ?, ?, 1, datetime('now'), ?)",
                (str(uuid4()), "SiteRegistered", f"S{n}", body),
            )
            conn.execute("COMMIT")
    conn.close()
    return report("raw sqlite3 insert, one event per transaction", count, timer.seconds)
