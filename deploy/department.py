"""Link a department's stream into the central cluster: `python -m deploy.department`.

A department that runs a service on its own premises (deploy/department/) keeps that
service's stream in its own JetStream domain. Run once at the Commission, with the operators'
NATS account, to give the central cluster a copy of it that JetStream fills across the leaf
link and catches up after a WAN cut (deploy/OPERATIONS.md §11):

    NATS_URL=nats://nats-1:4222 NATS_USER=danvan NATS_PASSWORD=... \\
        python -m deploy.department --service religion --site phong-ton-giao

The central copy has the stream's own name, so the central consumers (reporting,
indicators) read it as they would read the service's stream. The service must then not run
centrally as well: its stream would take subjects of its own beside the department's.

The other way round, `--at-site` (run by the department's stack, deploy/department/, with the
department's operators' account, before its service starts) gives the department's own
JetStream domain a copy of the central streams its service reads, filtered to the events it
reads: religion and dialogue follow the successions officials record at the Commission
(`DANVAN_INDICATORS`, finding M6, review R1). The department's consumers read the copy on
their own server, so they keep working while the WAN is down; JetStream fills it across the
leaf link and catches up when the link heals. It needs no link to be made.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Sequence

import nats
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from deploy.entrypoint import EXIT_CONFIG
from shared import unitsuccessions
from shared.settings import DEFAULT_PORTS, stream_name_for
from shared.streams import central_copy_config, department_sourced_config, ensure_stream

#: What a department's service reads of the central streams: by source service, the event
#: types its consumers of that stream take (tests/deploy/test_department_successions.py checks
#: this against the services' consumers). A service absent reads no central stream here.
CENTRAL_READS: dict[str, dict[str, tuple[str, ...]]] = {
    service: {unitsuccessions.SOURCE_SERVICE: unitsuccessions.EVENT_TYPES}
    for service in ("religion", "dialogue")
}

# A JetStream domain is one token of a subject: no dots, spaces or wildcards.
_SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")

MESSAGES = {
    "site": "Tên đơn vị (--site) không hợp lệ: {site!r} (chữ thường không dấu, số, '-' hoặc '_')",
    "credentials": "Thiếu NATS_USER hoặc NATS_PASSWORD (tài khoản quản trị NATS)",
    "own_subjects": "Luồng {stream} ở cụm trung tâm đang nhận sự kiện của chính nó ({subjects}):"
    " dừng dịch vụ {service} ở trung tâm trước khi giao cho đơn vị {site}",
    "other_site": "Luồng {stream} ở cụm trung tâm đã lấy từ nguồn khác ({sources})",
    "linked": "Đã nối luồng {stream} của đơn vị {site} về cụm trung tâm"
    " ({messages} sự kiện đã có, {replicas} bản sao)",
    "site_own_subjects": "Luồng {stream} ở máy chủ NATS của đơn vị {site} đang nhận sự kiện của"
    " chính nó ({subjects}): dịch vụ {source} chạy tại đơn vị, không chép từ trung tâm",
    "copied": "Đơn vị {site}: luồng {stream} chép từ cụm trung tâm các sự kiện {events}"
    " ({messages} sự kiện đã có)",
    "nothing_to_copy": "Đơn vị {site}: dịch vụ {service} không đọc luồng nào của trung tâm",
}


class Refused(Exception):
    """The central stream cannot be made a copy of the department's without losing data."""


def _refusal(existing: StreamConfig, wanted: StreamConfig, service: str, site: str) -> str | None:
    if existing.subjects:
        return MESSAGES["own_subjects"].format(
            stream=wanted.name, subjects=", ".join(existing.subjects), service=service, site=site
        )
    have = sorted((s.external.api if s.external else "") for s in existing.sources or [])
    want = sorted((s.external.api if s.external else "") for s in wanted.sources or [])
    if have and have != want:
        return MESSAGES["other_site"].format(stream=wanted.name, sources=", ".join(have))
    return None


async def link_department(
    nats_url: str, user: str, password: str, *, service: str, site: str,
    subject_root: str = "danvan", replicas: int = 3,
) -> tuple[str, int]:
    """Create (or bring up to date) central's sourced copy; returns its name and size."""
    wanted = department_sourced_config(subject_root, service, site, replicas)
    assert wanted.name is not None
    client = await nats.connect(
        [u.strip() for u in nats_url.split(",") if u.strip()], user=user, password=password
    )
    try:
        js = client.jetstream()
        try:
            existing = (await js.stream_info(wanted.name)).config
        except NotFoundError:
            existing = None
        if existing is not None:
            problem = _refusal(existing, wanted, service, site)
            if problem is not None:
                raise Refused(problem)
        info = await ensure_stream(js, wanted)
        return wanted.name, int(info.state.messages)
    finally:
        await client.close()


async def copy_central_streams(
    nats_url: str, user: str, password: str, *, service: str, site: str,
    subject_root: str = "danvan",
) -> list[tuple[str, int, tuple[str, ...]]]:
    """At the department: create (or bring up to date) the copies of the central streams
    `service` reads, in the department's own domain; returns each one's name, size and the
    event types it copies."""
    client = await nats.connect(
        [u.strip() for u in nats_url.split(",") if u.strip()], user=user, password=password
    )
    copied: list[tuple[str, int, tuple[str, ...]]] = []
    try:
        # The department's server: its own JetStream domain answers $JS.API.
        js = client.jetstream()
        for source, event_types in CENTRAL_READS.get(service, {}).items():
            wanted = central_copy_config(subject_root, source, event_types)
            assert wanted.name is not None
            try:
                existing = (await js.stream_info(wanted.name)).config
            except NotFoundError:
                existing = None
            if existing is not None and existing.subjects:
                # The source service itself runs on this site: its stream is no copy.
                raise Refused(MESSAGES["site_own_subjects"].format(
                    stream=wanted.name, site=site, subjects=", ".join(existing.subjects),
                    source=source))
            info = await ensure_stream(js, wanted)
            copied.append((wanted.name, int(info.state.messages), event_types))
        return copied
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.department", description=__doc__)
    parser.add_argument("--service", required=True, choices=sorted(DEFAULT_PORTS))
    parser.add_argument("--site", required=True, help="DEPARTMENT_SITE của đơn vị")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("STREAM_REPLICAS", "3")))
    parser.add_argument(
        "--at-site", action="store_true",
        help="tại đơn vị: chép về máy chủ NATS của đơn vị các luồng trung tâm mà dịch vụ đọc")
    args = parser.parse_args(argv)
    if not _SITE.match(args.site):
        print(MESSAGES["site"].format(site=args.site), file=sys.stderr)
        return EXIT_CONFIG
    user, password = os.environ.get("NATS_USER"), os.environ.get("NATS_PASSWORD")
    if not user or not password:
        print(MESSAGES["credentials"], file=sys.stderr)
        return EXIT_CONFIG
    subject_root = os.environ.get("SUBJECT_ROOT", "danvan")
    nats_url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    if args.at_site:
        return _at_site(nats_url, user, password, args.service, args.site, subject_root)
    try:
        name, messages = asyncio.run(link_department(
            nats_url, user, password, service=args.service, site=args.site,
            subject_root=subject_root, replicas=args.replicas,
        ))
    except Refused as refused:
        print(str(refused), file=sys.stderr)
        return EXIT_CONFIG
    assert name == stream_name_for(subject_root, args.service)
    print(MESSAGES["linked"].format(stream=name, site=args.site, messages=messages,
                                    replicas=args.replicas))
    return 0


def _at_site(
    nats_url: str, user: str, password: str, service: str, site: str, subject_root: str,
) -> int:
    try:
        copied = asyncio.run(copy_central_streams(
            nats_url, user, password, service=service, site=site, subject_root=subject_root))
    except Refused as refused:
        print(str(refused), file=sys.stderr)
        return EXIT_CONFIG
    if not copied:
        print(MESSAGES["nothing_to_copy"].format(site=site, service=service))
    for name, messages, event_types in copied:
        print(MESSAGES["copied"].format(site=site, stream=name, messages=messages,
                                        events=", ".join(event_types)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
