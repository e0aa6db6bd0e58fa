"""The relay watermarks (finding J13) stay on their side of a department's leaf link.

Central and the desk each keep a DANVAN_WATERMARK stream on `danvan.watermark.>`, in their
own JetStream domain. Over a leaf link that lets every subject through, each stream stored the
other side's messages too: a finalisation's ask at central was stored in the desk's stream
(whose acknowledgement, with the desk's sequence, could answer the ask's publish first) and
the desk's relay watermarks in central's. The deployed department configuration keeps the
watermark subjects off the link; everything else still crosses it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import nats
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from deploy.nats_config import department_node, write_department_config
from shared.natsserver import NatsServer, free_port
from shared.streams import ensure_stream
from shared.watermark import ask_subject, watermark_stream_config, watermark_subject
from tests.deploy.cluster import LEAF_PASSWORD, NATS_PASSWORD, NATS_USER, LoopbackCluster
from tests.integration.helpers import eventually

ROOT = "danvan"


async def _subjects(js: JetStreamContext) -> set[str]:
    """The subjects the watermark stream holds a message of (one kept per subject)."""
    info = await js.stream_info(watermark_stream_config(ROOT).name or "")
    found: set[str] = set()
    for seq in range(int(info.state.first_seq or 1), int(info.state.last_seq or 0) + 1):
        try:
            found.add((await js.get_msg(info.config.name or "", seq)).subject or "")
        except Exception:  # replaced by a later message of its subject
            continue
    return found


@pytest.mark.timeout(300)
async def test_watermarks_do_not_cross_the_leaf_link(
    nats_cluster: LoopbackCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPARTMENT_SITE", "phong-ton-giao")
    monkeypatch.setenv(
        "NATS_CENTRAL_LEAF_URL",
        f"nats-leaf://leaf:{LEAF_PASSWORD}@127.0.0.1:{nats_cluster.node('nats-1').leaf_port}")
    node = replace(department_node(), client_port=free_port(), monitor_port=free_port(),
                   listen_host="127.0.0.1", store_dir=str(tmp_path / "desk-store"),
                   max_file_store="1GB")
    config = write_department_config(node, tmp_path / "desk-nats.conf")
    desk_nats = NatsServer(node.client_port, Path(node.store_dir), name="desk",
                           config_file=config, log_file=tmp_path / "desk-nats.log").start()
    operator = f"nats://{NATS_USER}:{NATS_PASSWORD}@127.0.0.1"
    desk = await nats.connect(f"{operator}:{node.client_port}")
    central = await nats.connect(
        [u.replace("nats://", f"nats://{NATS_USER}:{NATS_PASSWORD}@") for u in nats_cluster.urls])
    try:
        desk_js, central_js = desk.jetstream(), central.jetstream()
        for js in (desk_js, central_js):
            await ensure_stream(js, watermark_stream_config(ROOT))
        # The link is up and carries other subjects: a desk's message reaches central.
        heard: list[bytes] = []

        async def hear(message: Msg) -> None:
            heard.append(message.data)

        await central.subscribe(f"{ROOT}.probe", cb=hear)
        await central.flush()

        async def crossed() -> bool:
            await desk.publish(f"{ROOT}.probe", b"x")
            await desk.flush()
            await asyncio.sleep(0.2)
            return bool(heard)

        await eventually(crossed, timeout=60)
        await central_js.publish(ask_subject(ROOT), b"")
        await desk_js.publish(watermark_subject(ROOT, "religion"), b"{}")
        await central_js.publish(watermark_subject(ROOT, "indicators"), b"{}")
        await asyncio.sleep(1.0)  # what would cross has crossed
        assert await _subjects(central_js) == {ask_subject(ROOT),
                                               watermark_subject(ROOT, "indicators")}
        assert await _subjects(desk_js) == {watermark_subject(ROOT, "religion")}
    finally:
        await desk.close()
        await central.close()
        desk_nats.stop()
