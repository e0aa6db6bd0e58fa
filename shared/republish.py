"""Republish a service's events to JetStream from its own event store, from a position on.

The event store is the source of truth; JetStream is a copy. When a stream is lost or
restored from an older backup, this marks the outbox rows from `--from-position` (or every
published event the stream no longer holds, `--after-stream`) as unpublished; the service's
running relay then publishes them again in position order with their original `Nats-Msg-Id`.

`--after-stream` and the relay (at its start and at every reconnection to NATS) use one rule,
`restore_stream`: the stream is compared with the outbox (how many events it holds against
how many were published, the positions of its first and last against the store's), and only
when they disagree is the whole stream read to find which published events it lacks. The
streams keep the full history (shared/streams.py: no age, count or size limit), so any
published event missing from a stream was lost; a stream configured with limits may drop its
oldest events, and then only what is missing after its first held event counts.

    python -m shared.republish --service religion --from-position 1
    python -m shared.republish --service religion --after-stream

Duplicates: JetStream drops a republished event whose id it has seen within the stream's
duplicate window (1 hour by default). An event still in the stream but published before
the window is stored a second time; consumers skip it (processed events), so no effect is
doubled, but the stream holds a copy. Hence `--after-stream`, or a fresh stream, when the
stream still holds old events. See deploy/OPERATIONS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import Engine, func, inspect, select, update

from shared.db import engine_for, read_connection
from shared.driversql import in_lists
from shared.eventstore import events_table, outbox_table
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.settings import DEFAULT_PORTS, Settings
from shared.streams import (
    Ownership,
    StreamHolding,
    StreamMessage,
    held_positions,
    stream_holding,
)

log = get_logger("danvan.republish")

MESSAGES = {
    "position": "Vị trí bắt đầu phải là số nguyên dương (từ 1)",
    "range": "Vị trí kết thúc phải lớn hơn hoặc bằng vị trí bắt đầu",
    "done": "Dịch vụ {service}: đã đặt lại {count} sự kiện (vị trí {first}–{last}) để phát lại;"
    " bộ chuyển tiếp của dịch vụ đang chạy sẽ gửi lại theo thứ tự.",
    "dry_run": "Dịch vụ {service}: sẽ đặt lại {count} sự kiện (vị trí {first}–{last}); chưa thay"
    " đổi gì (--dry-run).",
    "no_store": "Cơ sở dữ liệu của dịch vụ {service} chưa có kho sự kiện (bảng outbox);"
    " kiểm tra {prefix}_DATABASE_URL hoặc chạy migrations trước",
    "nothing": "Dịch vụ {service}: không có sự kiện nào từ vị trí {first}; không cần phát lại.",
    "stream_missing": "Luồng {stream} chưa có; phát lại từ đầu.",
    "stream_held": "Luồng {stream} giữ {messages} sự kiện (vị trí {first}–{last}); kho sự kiện"
    " đã gửi {published} (vị trí {store_first}–{store_last}).",
    "stream_complete": "Luồng {stream} giữ đủ mọi sự kiện đã gửi; không cần phát lại.",
    "stream_lacks": "Luồng {stream} thiếu {count} sự kiện đã gửi (vị trí {first}–{last}).",
}


@dataclass(frozen=True)
class Republished:
    count: int
    first: int | None
    last: int | None


def mark_for_republish(
    engine: Engine, from_position: int, to_position: int | None = None, *, dry_run: bool = False
) -> Republished:
    """Clear `published_at` of the outbox rows in the range, in one transaction."""
    bounds = [outbox_table.c.position >= from_position]
    if to_position is not None:
        bounds.append(outbox_table.c.position <= to_position)
    with engine.begin() as conn:
        count, first, last = conn.execute(
            select(
                func.count(), func.min(outbox_table.c.position), func.max(outbox_table.c.position)
            ).where(*bounds)
        ).one()
        if count and not dry_run:
            conn.execute(update(outbox_table).where(*bounds).values(published_at=None))
    return Republished(int(count), first, last)


@dataclass(frozen=True)
class Published:
    """What the outbox says was published: how many events, the first and last positions."""

    count: int
    first: int | None
    last: int | None


def published_in_store(engine: Engine) -> Published:
    c = outbox_table.c
    with read_connection(engine) as conn:
        count, first, last = conn.execute(
            select(func.count(), func.min(c.position), func.max(c.position))
            .where(c.published_at.is_not(None))
        ).one()
    return Published(int(count), first, last)


def stream_behind(holding: StreamHolding, published: Published) -> bool:
    """Whether a stream may lack published events (then it is read whole to find which): it
    is gone or empty, its last event is before the last published, or (a stream without
    limits) it holds fewer events than were published or begins after the first. A stream
    holding more (a republish past the duplicate window stored a copy) lacks nothing."""
    if not published.count:
        return False
    if not holding.messages or holding.last_position is None:
        return True
    assert published.first is not None and published.last is not None
    if holding.last_position < published.last:
        return True
    if holding.limited:
        return False
    # The foreign messages seen at its ends hold no event (one between its events is
    # counted as one: the ends, read each time, are where a lost tail or head shows).
    return holding.messages - holding.foreign < published.count or (
        holding.first_position is None or holding.first_position > published.first)


@dataclass(frozen=True)
class StreamRestore:
    """A stream compared with its service's outbox, and what was (or would be) marked for
    republishing: `missing` positions, in order."""

    stream: str
    holding: StreamHolding
    published: Published
    missing: list[int]


# The body fields a stream message must share with the stored event of its id to be it.
_MATCHED = ("position", "event_type", "aggregate_type", "aggregate_id", "aggregate_version")


class StoreOwnership:
    """Which messages of a service's stream are its own published events, by its event
    store (`shared.streams.Ownership`): a message whose `Nats-Msg-Id` and body `event_id`
    name a stored event, of this service, whose position, type, aggregate and version its
    body repeats. Anything else (bytes that are no JSON object, another service's envelope,
    an id the store does not hold, a body that disagrees with the stored event: a partner
    or a hand publishing on the service's subjects, finding O6) is foreign: skipped by the
    stream's check and restore, never taken for a position, logged once per message (its
    stream sequence and id) and counted in `danvan_stream_foreign_messages_total`."""

    def __init__(self, engine: Engine, service: str, stream: str,
                 metrics: ServiceMetrics | None = None) -> None:
        self._engine = engine
        self._service = service
        self._stream = stream
        self._metrics = metrics
        # The foreign messages already reported: a stream is checked again at every start,
        # reconnection and change, and one stray message is one warning, not one per check.
        self._reported: set[tuple[int, str | None]] = set()

    async def __call__(self, messages: Sequence[StreamMessage]) -> list[int | None]:
        return await asyncio.to_thread(self.positions, messages)

    def positions(self, messages: Sequence[StreamMessage]) -> list[int | None]:
        ids = sorted({m.msg_id for m in messages if m.msg_id is not None})
        stored: dict[str, dict[str, Any]] = {}
        c = events_table.c
        if ids:
            with read_connection(self._engine) as conn:
                for chunk in in_lists(ids):
                    for row in conn.execute(select(c.event_id, *(c[f] for f in _MATCHED))
                                            .where(c.event_id.in_(chunk))).mappings():
                        stored[row["event_id"]] = dict(row)
        found: list[int | None] = []
        for message in messages:
            reason = self._foreign(message, stored)
            if reason is None:
                found.append(int(stored[str(message.msg_id)]["position"]))
                continue
            found.append(None)
            self._report(message, reason)
        return found

    def _foreign(self, message: StreamMessage, stored: dict[str, dict[str, Any]]) -> str | None:
        """Why a message is not one of the service's events (None: it is one)."""
        body = message.body
        if body is None:
            return "undecodable"
        if body.get("service") != self._service:
            return "other_service"
        event = stored.get(message.msg_id or "")
        if event is None or body.get("event_id") != message.msg_id:
            return "unknown_event"
        if any(body.get(field) != event[field] for field in _MATCHED):
            return "disagrees_with_store"
        return None

    def _report(self, message: StreamMessage, reason: str) -> None:
        key = (message.sequence, message.msg_id)
        if key in self._reported:
            return
        self._reported.add(key)
        log.warning("stream_foreign_message", stream=self._stream, sequence=message.sequence,
                    msg_id=message.msg_id, reason=reason)
        if self._metrics:
            self._metrics.foreign_messages.inc()


async def restore_stream(
    js: JetStreamContext, engine: Engine, stream: str, own: Ownership, *,
    dry_run: bool = False, to_position: int | None = None,
) -> StreamRestore:
    """Compare a service's stream with its outbox and mark every published event the stream
    no longer holds as unpublished (not with `dry_run`): the relay publishes them again in
    position order, with their ids (`Nats-Msg-Id`), so the duplicate window and the
    consumers' processed events keep any effect single. The one rule of the relay's check
    and of `--after-stream`; `own` tells the service's events from foreign messages
    (`StoreOwnership`)."""
    holding = await stream_holding(js, stream, own)
    published = await asyncio.to_thread(published_in_store, engine)
    missing: list[int] = []
    if stream_behind(holding, published):
        held = await held_positions(js, stream, own) if holding.messages else set()
        floor = (holding.first_position or 0) if holding.limited else 0
        positions = await asyncio.to_thread(_published_positions, engine, floor, to_position)
        missing = [p for p in positions if p not in held]
        if missing and not dry_run:
            await asyncio.to_thread(mark_positions, engine, missing)
    return StreamRestore(stream, holding, published, missing)


def _published_positions(engine: Engine, after: int, to_position: int | None) -> list[int]:
    c = outbox_table.c
    query = select(c.position).where(c.published_at.is_not(None), c.position > after)
    if to_position is not None:
        query = query.where(c.position <= to_position)
    with read_connection(engine) as conn:
        return [int(p) for p in conn.execute(query.order_by(c.position)).scalars()]


def mark_positions(engine: Engine, positions: Sequence[int], chunk: int = 1000) -> None:
    """Clear `published_at` of these outbox rows, in one transaction."""
    with engine.begin() as conn:
        for start in range(0, len(positions), chunk):
            conn.execute(update(outbox_table)
                         .where(outbox_table.c.position.in_(positions[start:start + chunk]))
                         .values(published_at=None))


async def _connect(settings: Settings) -> Client:
    return await nats.connect(
        [s.strip() for s in settings.nats_url.split(",") if s.strip()],
        user=settings.nats_user,
        password=settings.nats_password,
        connect_timeout=5,
        max_reconnect_attempts=2,
    )


async def _restore(
    settings: Settings, engine: Engine, dry_run: bool, to_position: int | None
) -> StreamRestore:
    client = await _connect(settings)
    stream = settings.stream_name
    try:
        return await restore_stream(client.jetstream(), engine, stream,
                                    StoreOwnership(engine, settings.service, stream),
                                    dry_run=dry_run, to_position=to_position)
    finally:
        await client.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shared.republish",
        description="Phát lại sự kiện của một dịch vụ lên JetStream từ kho sự kiện của nó.",
    )
    parser.add_argument("--service", required=True, choices=sorted(DEFAULT_PORTS))
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument("--from-position", type=int, help="vị trí đầu tiên phát lại (từ 1)")
    start.add_argument(
        "--after-stream",
        action="store_true",
        help="phát lại mọi sự kiện đã gửi mà luồng JetStream không còn giữ (so luồng với kho)",
    )
    parser.add_argument("--to-position", type=int, help="vị trí cuối cùng (mặc định: hết)")
    parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không thay đổi")
    return parser


def _no_store(engine: Engine, service: str) -> bool:
    """Whether the service's database holds no event store (said on stderr): nothing to read."""
    if inspect(engine).has_table(outbox_table.name):
        return False
    print(MESSAGES["no_store"].format(service=service, prefix=service.upper()), file=sys.stderr)
    return True


def _after_stream(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_for(settings)
    try:
        if _no_store(engine, args.service):
            return 2
        found = asyncio.run(_restore(settings, engine, args.dry_run, args.to_position))
    finally:
        engine.dispose()
    holding, published, stream = found.holding, found.published, found.stream
    if not holding.exists:
        print(MESSAGES["stream_missing"].format(stream=stream))
    else:
        print(MESSAGES["stream_held"].format(
            stream=stream, messages=holding.messages, first=holding.first_position or "-",
            last=holding.last_position or "-", published=published.count,
            store_first=published.first or "-", store_last=published.last or "-"))
    if not found.missing:
        print(MESSAGES["stream_complete"].format(stream=stream))
        return 0
    count, first, last = len(found.missing), found.missing[0], found.missing[-1]
    print(MESSAGES["stream_lacks"].format(stream=stream, count=count, first=first, last=last))
    message = MESSAGES["dry_run" if args.dry_run else "done"]
    print(message.format(service=args.service, count=count, first=first, last=last))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.for_service(args.service)
    if args.after_stream:
        return _after_stream(args, settings)
    first = args.from_position
    if first < 1:
        print(MESSAGES["position"], file=sys.stderr)
        return 2
    if args.to_position is not None and args.to_position < first:
        print(MESSAGES["range"], file=sys.stderr)
        return 2
    engine = engine_for(settings)
    try:
        if _no_store(engine, args.service):
            return 2
        result = mark_for_republish(engine, first, args.to_position, dry_run=args.dry_run)
    finally:
        engine.dispose()
    if not result.count:
        print(MESSAGES["nothing"].format(service=args.service, first=first))
        return 0
    message = MESSAGES["dry_run" if args.dry_run else "done"]
    print(
        message.format(
            service=args.service, count=result.count, first=result.first, last=result.last
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
