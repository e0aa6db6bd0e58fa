"""A department's own religion service follows the successions officials record at the
Commission, across a WAN that fails (review R1).

Religion and dialogue follow recorded successions by a consumer of the indicators stream
(`religion-successions`, shared/unitsuccessions.py). At a department running its service on
its own premises (deploy/OPERATIONS.md §11) there was no DANVAN_INDICATORS in the department's
JetStream domain: the consumer retried "stream … does not exist yet" for ever and the desk's
lists never followed a successor. The department's stack now gives its domain a copy of the
central stream, filtered to the succession events (`python -m deploy.department --at-site`,
the one-shot `central-copies` of deploy/department/docker-compose.yml).

The deployed configurations run as real nats-server processes on loopback (the central
cluster of three nodes, the desk's leaf node behind a WAN that is cut), the services as the
containers run them, each as its own NATS user: indicators at the Commission, religion at the
desk. Hand-counted: BD-01, BD-02 in 11788 Xã Bạch Đằng (merged on 01/01/2025, no successor
in the catalogue's data); the city records 11791 Xã Tân Minh as its successor, and the desk's
list of 11791 shows both. The WAN is cut, the city corrects the successor to 11761 (Tiên
Cường) and the desk registers BD-03 meanwhile: the desk keeps answering, with the recording
it knew. The link heals: the correction reaches the desk, and its list of 11761 shows all three
and 11791 none. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from shared.natsserver import free_port
from tests.auth.conftest import site_body
from tests.deploy.cluster import NATS_PASSWORD, NATS_USER, LoopbackCluster
from tests.deploy.compose import ROOT
from tests.deploy.desk import SITE, identity_provider, service_env, start_desk
from tests.deploy.processes import ServiceProcess
from tests.integration.helpers import eventually

# Mostly JetStream's own retry of a stalled source: run beside the workers (tools/testlanes.py).
pytestmark = pytest.mark.waits

COPY = "DANVAN_INDICATORS"
BACH_DANG, TAN_MINH, TIEN_CUONG = "11788", "11791", "11761"
SUCCESSIONS = "/api/v1/units/successions"


def _copy_central_streams(desk_url: str) -> str:
    """The department stack's one-shot `central-copies`, as its container runs it."""
    env = {**os.environ, "NATS_URL": desk_url, "NATS_USER": NATS_USER,
           "NATS_PASSWORD": NATS_PASSWORD, "SUBJECT_ROOT": "danvan"}
    result = subprocess.run(
        [sys.executable, "-m", "deploy.department", "--at-site",
         "--service", "religion", "--site", SITE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _copied(js: JetStreamContext) -> list[str]:
    """The event types the desk's copy holds, in its order."""
    try:
        info = await js.stream_info(COPY)
    except NotFoundError:
        return []
    types = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        types.append(str((await js.get_msg(COPY, seq)).subject).rsplit(".", 1)[1])
    return types


@pytest.mark.timeout(600)
async def test_a_departments_religion_list_follows_a_succession_recorded_centrally_across_a_cut(
    nats_cluster: LoopbackCluster,
    database_url_factory: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idp, auth = identity_provider(tmp_path)

    desk = start_desk(nats_cluster, tmp_path, monkeypatch)

    indicators = ServiceProcess("indicators", free_port(), service_env(
        "indicators", ",".join(nats_cluster.urls), database_url_factory("indicators"),
        STREAM_REPLICAS="3", **auth), tmp_path / "central-indicators.log")
    religion = ServiceProcess("religion", free_port(), service_env(
        "religion", desk.url, database_url_factory("religion"), **auth),
        tmp_path / "desk-religion.log")
    desk_client = await nats.connect(f"nats://{NATS_USER}:{NATS_PASSWORD}@127.0.0.1:"
                                     f"{desk.nats.port}")
    desk_js = desk_client.jetstream()
    city = idp.headers("city_staff")
    desk_staff = idp.headers("religion_desk")
    try:
        # As the department's stack starts: the copy first, then the service.
        assert COPY in _copy_central_streams(desk.url)
        for service in (indicators, religion):
            service.start()
        for service in (indicators, religion):
            service.wait_healthy()
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{indicators.port}",
                              timeout=10) as central_api,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{religion.port}",
                              timeout=10) as desk_api,
        ):
            async def register(code: str) -> None:
                response = await desk_api.post("/api/v1/sites", headers=desk_staff,
                                               json=site_body(code, BACH_DANG))
                assert response.status_code == 201, response.text

            async def listed(unit: str) -> list[str]:
                response = await desk_api.get("/api/v1/sites", headers=desk_staff,
                                              params={"unit": unit, "as_of": "2025-03-14"})
                assert response.status_code == 200, response.text
                return sorted(site["code"] for site in response.json()["items"])

            async def lists(expected: dict[str, list[str]]) -> bool:
                return all([await listed(unit) == codes for unit, codes in expected.items()])

            for code in ("BD-01", "BD-02"):
                await register(code)
            assert await listed(TAN_MINH) == []

            # The city records the successor at the Commission; the desk's list follows it.
            recorded = await central_api.post(SUCCESSIONS, headers=city, json={
                "predecessor_code": BACH_DANG, "successor_code": TAN_MINH,
                "legal_basis": "Nghị quyết 1232/NQ-UBTVQH15"})
            assert recorded.status_code == 201, recorded.text
            await eventually(lambda: lists({TAN_MINH: ["BD-01", "BD-02"]}), timeout=60)

            # The WAN is cut; the city corrects the successor, the desk keeps working.
            desk.wan.cut()
            etag = (await central_api.get(f"{SUCCESSIONS}/{BACH_DANG}",
                                          headers=city)).headers["etag"]
            corrected = await central_api.post(
                f"{SUCCESSIONS}/{BACH_DANG}/corrections", headers={**city, "If-Match": etag},
                json={"successor_code": TIEN_CUONG, "reason": "Ghi nhầm xã kế thừa"})
            assert corrected.status_code == 200, corrected.text
            await register("BD-03")
            await asyncio.sleep(3)  # what could cross a live link would have crossed by now
            assert await _copied(desk_js) == ["UnitSuccessionRecorded"]
            assert await lists({TAN_MINH: ["BD-01", "BD-02", "BD-03"], TIEN_CUONG: []})

            # Healed: the copy resumes where it stopped, and the list follows the correction.
            # JetStream retries a stalled source on its own schedule (§11: ~40 s).
            desk.wan.heal()
            await eventually(lambda: lists({TIEN_CUONG: ["BD-01", "BD-02", "BD-03"],
                                            TAN_MINH: []}), timeout=240)
            # Only the succession events cross: nothing lost, nothing twice.
            assert await _copied(desk_js) == ["UnitSuccessionRecorded",
                                              "UnitSuccessionCorrected"]
            # The desk's consumer read its own server all along: never without its stream.
            assert "consumer_retry" not in religion.log()
    finally:
        for service in (indicators, religion):
            service.stop()
        await desk_client.close()
        desk.close()
