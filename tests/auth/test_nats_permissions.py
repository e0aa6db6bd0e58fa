"""The deployed NATS users: each service may publish only its own subjects and read only the
streams it consumes. A single node runs the authorization of deploy/nats/node.conf.template
(the cluster block aside), so what is tested is what is deployed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import nats
import pytest
from fastapi.testclient import TestClient

from deploy.nats_config import compose_nodes, render
from services.dialogue.app import create_app as dialogue_app
from services.indicators.adapters.cutoffs import moved_cutoffs
from services.indicators.app import create_app as indicators_app
from services.religion.app import create_app as religion_app
from services.reporting.app import create_app as reporting_app
from shared.natsserver import NatsServer, free_port
from shared.settings import Settings
from shared.streams import held_positions, stream_holding
from tests.auth.conftest import site_body
from tests.integration.helpers import wait_until

SERVICES = ("indicators", "religion", "dialogue", "reporting")
ADMIN = ("operator", "operator-password-for-the-test")


def _password(service: str) -> str:
    return f"{service}-password-for-the-test"


@pytest.fixture
def secured_nats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NATS_USER", ADMIN[0])
    monkeypatch.setenv("NATS_PASSWORD", ADMIN[1])
    monkeypatch.setenv("NATS_LEAF_PASSWORD", "leaf-password-for-the-test")
    for service in SERVICES:
        monkeypatch.setenv(f"NATS_{service.upper()}_PASSWORD", _password(service))
    node = compose_nodes()[0]
    port = free_port()
    text = render(node, [node])
    text = re.sub(r"\ncluster \{.*?\n\}\n", "\n", text, flags=re.DOTALL)
    text = text.replace('listen: "0.0.0.0:4222"', f'listen: "127.0.0.1:{port}"')
    text = text.replace('http: "0.0.0.0:8222"', f'http: "127.0.0.1:{free_port()}"')
    text = text.replace('listen: "0.0.0.0:7422"', f'listen: "127.0.0.1:{free_port()}"')  # leaf
    text = text.replace('store_dir: "/data"', f'store_dir: "{tmp_path / "store"}"')
    text = text.replace("max_file_store: 50GB", "max_file_store: 1GB")
    config = tmp_path / "node.conf"
    config.write_text(text)
    server = NatsServer(port, tmp_path / "store", config_file=config,
                        log_file=tmp_path / "nats.log")
    server.start()
    try:
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.kill()


async def _violations(url: str, user: str, password: str, publish: str | None,
                      subscribe: str | None) -> list[str]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    client = await nats.connect(url, user=user, password=password, error_cb=on_error,
                                allow_reconnect=False)
    try:
        if publish:
            await client.publish(publish, b"{}")
        if subscribe:
            await client.subscribe(subscribe)
        await client.flush()
        await asyncio.sleep(0.3)
    finally:
        await client.close()
    return [e for e in errors if "ermissions" in e]


def test_a_service_publishes_its_own_events_and_nothing_else(
    secured_nats: str, settings_factory: Callable[..., Settings]
) -> None:
    settings = settings_factory("religion", nats_url=secured_nats, subject_root="danvan",
                                nats_user="svc-religion", nats_password=_password("religion"))
    with TestClient(religion_app(settings)) as religion:
        assert religion.post("/api/v1/sites", json=site_body("CS-N1")).status_code == 201

        async def stream_messages() -> int:
            client = await nats.connect(secured_nats, user=ADMIN[0], password=ADMIN[1])
            try:
                info = await client.jetstream().stream_info("DANVAN_RELIGION")
                return int(info.state.messages)
            except Exception:
                return 0
            finally:
                await client.close()

        wait_until(lambda: asyncio.run(stream_messages()) == 1, timeout=15)
    # Reporting, as its own user, creates its durable consumer on the religion stream and
    # receives the event.
    reporting_settings = settings_factory(
        "reporting", nats_url=secured_nats, subject_root="danvan", nats_user="svc-reporting",
        nats_password=_password("reporting"))
    with TestClient(reporting_app(reporting_settings)) as reporting:
        wait_until(lambda: reporting.get("/api/v1/religion/sites-summary").json()["sites"] == 1,
                   timeout=20)

    own = asyncio.run(_violations(secured_nats, "svc-religion", _password("religion"),
                                  "danvan.religion.site.Probe", None))
    assert own == []
    forged = asyncio.run(_violations(secured_nats, "svc-religion", _password("religion"),
                                     "danvan.dialogue.session.SessionHeld", None))
    assert forged and "danvan.dialogue.session.sessionheld" in forged[0].lower()
    # Reporting reads streams through its pull consumers, never by subscribing to subjects.
    peek = asyncio.run(_violations(secured_nats, "svc-reporting", _password("reporting"),
                                   None, "danvan.religion.>"))
    assert peek
    # Dialogue consumes nothing: it may not even ask for another stream's messages.
    pull = asyncio.run(_violations(
        secured_nats, "svc-dialogue", _password("dialogue"),
        "$JS.API.CONSUMER.MSG.NEXT.DANVAN_RELIGION.reporting", None))
    assert pull
    with pytest.raises(nats.errors.Error):
        asyncio.run(_violations(secured_nats, "svc-religion", "wrong-password", None, None))


def test_only_a_services_own_user_may_publish_on_its_subjects(secured_nats: str) -> None:
    """The deployed half of finding O6: a message the relay did not write gets into a
    service's stream only through its own user (or the operators' account): no other
    service's user may publish on its subjects, so a misconfigured partner cannot wedge it."""
    async def refused() -> dict[tuple[str, str], bool]:
        return {(user, owner): bool(await _violations(
                    secured_nats, f"svc-{user}", _password(user),
                    f"danvan.{owner}.site.Probe", None))
                for user in SERVICES for owner in SERVICES}

    assert asyncio.run(refused()) == {
        (user, owner): user != owner for user in SERVICES for owner in SERVICES}


def test_each_service_may_check_its_stream_against_its_store(
    secured_nats: str, settings_factory: Callable[..., Settings]
) -> None:
    """The relay compares its own stream with its outbox (first and last messages, and one
    read by an ordered consumer when they disagree), and a rebuild asks each stream it reads
    for the message after a consumer's ack floor: the deployed users may do exactly that. A
    relay refused these (permissions violation on STREAM.MSG.GET) stayed unavailable after
    a NATS node came back, and no event of that service reached the others."""
    settings = settings_factory("religion", nats_url=secured_nats, subject_root="danvan",
                                nats_user="svc-religion", nats_password=_password("religion"))
    with TestClient(religion_app(settings)) as religion:
        assert religion.post("/api/v1/sites", json=site_body("CS-P1")).status_code == 201
    # Started again: its check now reads a stream that holds something.
    with TestClient(religion_app(settings)) as religion:
        assert religion.post("/api/v1/sites", json=site_body("CS-P2")).status_code == 201

        async def read_as(user: str, stream: str, whole: bool) -> tuple[int, set[int]]:
            errors: list[str] = []

            async def on_error(exc: Exception) -> None:
                errors.append(str(exc))

            client = await nats.connect(secured_nats, user=user, password=_password(
                user.removeprefix("svc-")), error_cb=on_error, allow_reconnect=False)
            try:
                js = client.jetstream()
                holding = await stream_holding(js, stream)
                held = await held_positions(js, stream) if whole else set()
            finally:
                await client.close()
            assert not [e for e in errors if "ermissions" in e], errors
            return holding.messages, held

        wait_until(lambda: asyncio.run(read_as("svc-religion", "DANVAN_RELIGION",
                                               False))[0] == 2, timeout=15)
        assert asyncio.run(read_as("svc-religion", "DANVAN_RELIGION", True))[1] == {1, 2}
        assert asyncio.run(read_as("svc-reporting", "DANVAN_RELIGION", False))[0] == 2


def test_the_indicators_service_reads_reportings_moved_cutoffs(
    secured_nats: str, settings_factory: Callable[..., Settings]
) -> None:
    """The indicators service consumes reporting's stream (PeriodAdjusted, G20): as its own
    user it creates its durable consumer there and receives the move."""
    reporting_settings = settings_factory(
        "reporting", nats_url=secured_nats, subject_root="danvan", nats_user="svc-reporting",
        nats_password=_password("reporting"))
    with TestClient(reporting_app(reporting_settings)) as reporting:
        read = reporting.get("/api/v1/periods/2023-6m")
        moved = reporting.put("/api/v1/periods/2023-6m", headers={"if-match": read.headers["ETag"]},
                              json={"data_from": "2022-12-15", "cutoff_on": "2023-06-20",
                                    "reason": "Hội nghị sơ kết lùi lịch"})
        assert moved.status_code == 200, moved.text
        indicators_settings = settings_factory(
            "indicators", nats_url=secured_nats, subject_root="danvan",
            nats_user="svc-indicators", nats_password=_password("indicators"))
        with TestClient(indicators_app(indicators_settings)) as indicators:
            engine = indicators.app.state.runtime.engine  # type: ignore[attr-defined]

            def moved_known() -> bool:
                with engine.connect() as conn:
                    return moved_cutoffs(conn).get("2023-6m") == date(2023, 6, 20)

            wait_until(moved_known, timeout=30)


def test_the_deployed_users_write_and_read_the_relay_watermarks(
    secured_nats: str, settings_factory: Callable[..., Settings]
) -> None:
    """Each relay writes its own watermark and hears a finalisation's ask; reporting asks and
    reads them (finding J13): a report is signed with every service as its deployed user. A
    service may not write another's watermark, nor ask in reporting's place."""
    apps = {"religion": religion_app, "dialogue": dialogue_app,
            "indicators": indicators_app, "reporting": reporting_app}
    with ExitStack() as stack:
        clients = {
            service: stack.enter_context(TestClient(app(settings_factory(
                service, nats_url=secured_nats, subject_root="danvan",
                nats_user=f"svc-{service}", nats_password=_password(service),
                finalise_source_watermarks=True))))
            for service, app in apps.items()
        }
        assert clients["religion"].post("/api/v1/sites",
                                        json=site_body("CS-W1")).status_code == 201
        finalised = clients["reporting"].post("/api/v1/reports/2023-3m/finalise",
                                              json={"scope": "31"})
        assert finalised.status_code == 201, finalised.text
    forged = asyncio.run(_violations(secured_nats, "svc-religion", _password("religion"),
                                     "danvan.watermark.relay.dialogue", None))
    assert forged
    ask = asyncio.run(_violations(secured_nats, "svc-religion", _password("religion"),
                                  "danvan.watermark.ask", None))
    assert ask
