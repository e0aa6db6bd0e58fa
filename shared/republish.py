"""Republish a service's events to JetStream from its own event store, from a position on.

The event store is the source of truth; JetStream is a copy. When a stream is lost or
restored from an older backup, this marks the outbox rows from `--from-position` (or from the
first position the stream lacks, `--after-stream`) as unpublished; the service's running
relay then publishes them again in position order with their original `Nats-Msg-Id`.

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

import nats
from nats.js.errors import NotFoundError
from sqlalchemy import Engine, func, inspect, select, update

from shared.db import engine_for
from shared.envelope import EventEnvelope
from shared.eventstore import outbox_table
from shared.settings import DEFAULT_PORTS, Settings

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
    "stream_tail": "Luồng {stream} đang giữ đến vị trí {position}; phát lại từ vị trí {next}.",
    "stream_missing": "Luồng {stream} chưa có; phát lại từ đầu.",
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


async def stream_tail_position(settings: Settings) -> int | None:
    """The event-store position of the last event the service's stream holds (None: none)."""
    client = await nats.connect(
        [s.strip() for s in settings.nats_url.split(",") if s.strip()],
        user=settings.nats_user,
        password=settings.nats_password,
        connect_timeout=5,
        max_reconnect_attempts=2,
    )
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(settings.stream_name)
        except NotFoundError:
            return None
        if not info.state.messages:
            return None
        last = await js.get_msg(settings.stream_name, seq=info.state.last_seq)
        position = EventEnvelope.from_json(last.data or b"{}").position
        return int(position) if position is not None else None
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
        help="phát lại những sự kiện mà luồng JetStream chưa có (sau sự kiện cuối của luồng)",
    )
    parser.add_argument("--to-position", type=int, help="vị trí cuối cùng (mặc định: hết)")
    parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không thay đổi")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.for_service(args.service)
    if args.after_stream:
        tail = asyncio.run(stream_tail_position(settings))
        first = (tail or 0) + 1
        if tail is None:
            print(MESSAGES["stream_missing"].format(stream=settings.stream_name))
        else:
            print(
                MESSAGES["stream_tail"].format(
                    stream=settings.stream_name, position=tail, next=first
                )
            )
    else:
        first = args.from_position
    if first < 1:
        print(MESSAGES["position"], file=sys.stderr)
        return 2
    if args.to_position is not None and args.to_position < first:
        print(MESSAGES["range"], file=sys.stderr)
        return 2
    engine = engine_for(settings)
    try:
        if not inspect(engine).has_table(outbox_table.name):
            print(
                MESSAGES["no_store"].format(service=args.service, prefix=args.service.upper()),
                file=sys.stderr,
            )
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
