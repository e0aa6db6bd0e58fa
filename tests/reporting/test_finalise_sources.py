"""A signed report does not miss events still in a source's outbox (finding J13).

The four services run, on a NATS server of the test's own; religion reaches it through a link
the test can cut (NATS unreachable from that service alone). A finalisation waits for every
source relay's watermark written after it began (shared/watermark.py); one that does not come
in time is named in a 503 and nothing is signed. Once the relay publishes again the signing
succeeds, and its figures are the report as of its own as_of, the late events included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.app import create_app as dialogue_app
from services.indicators.app import create_app as indicators_app
from services.religion.app import create_app as religion_app
from services.reporting.api import routes
from services.reporting.app import create_app as reporting_app
from services.reporting.application import catchup
from shared.aggregate import UnitOfWork
from shared.envelope import utcnow
from shared.inflight import in_flight_of
from shared.natsserver import NatsServer
from shared.relay import RelayPublishError
from shared.settings import Settings
from shared.watermark import wait_watermarks
from tests.auth.conftest import QUAN_TOAN, Idp, auth_settings, idp, idp_key, site_body
from tests.deploy.wanlink import WanLink
from tests.integration.helpers import runtime_of, wait_until
from tests.reporting.conftest import figure_values, finalise_bound

# The identity provider's fixtures: the services run with AUTH_MODE=required (a district
# board's token is refused on its scope).
__all__ = ["auth_settings", "idp", "idp_key"]

REPORT = "/api/v1/reports/2023-3m"
LATE = ("LATE-1", "LATE-2", "LATE-3")
# How long a finalisation waits for the sources where the test expects it refused (one cut
# off): the refusal takes all of it. A finalisation expected to be signed keeps the fixtures'
# 30 s (tests/conftest.py): a loaded CI machine must not make it a 503.
REFUSED_WITHIN_S = 3.0
# Waits for the system to get somewhere it will get to (not what a test checks): long enough
# for a loaded 2-core CI machine.
PATIENCE_S = 60.0


@dataclass
class System:
    religion: TestClient
    reporting: TestClient
    link: WanLink
    city: dict[str, str]
    religion_running: ExitStack

    def report(self, **params: str) -> dict[str, Any]:
        response = self.reporting.get(REPORT, params=params, headers=self.city)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def finalise(self, headers: dict[str, str] | None = None) -> Any:
        return self.reporting.post(f"{REPORT}/finalise", json={"scope": "31"},
                                   headers=headers or self.city)

    def record_late_sites(self) -> None:
        for code in LATE:
            body = {**site_body(code, QUAN_TOAN), "registered_on": "2023-02-01"}
            response = self.religion.post("/api/v1/sites", json=body, headers=self.city)
            assert response.status_code == 201, response.text


@pytest.fixture
def system(
    auth_settings: Callable[..., Settings], own_nats_server: NatsServer, idp: Idp,
) -> Iterator[System]:
    with _running(auth_settings, own_nats_server, idp, beat_s=0.5) as running:
        yield running


@pytest.fixture
def quiet_system(
    auth_settings: Callable[..., Settings], own_nats_server: NatsServer, idp: Idp,
) -> Iterator[System]:
    """Relays that write a watermark only when asked (their idle beat a minute away)."""
    with _running(auth_settings, own_nats_server, idp, beat_s=60.0) as running:
        yield running


@contextmanager
def _running(
    auth_settings: Callable[..., Settings], own_nats_server: NatsServer, idp: Idp,
    beat_s: float,
) -> Iterator[System]:
    link = WanLink(own_nats_server.port).start()
    common: dict[str, object] = {"nats_url": own_nats_server.url,
                                 "relay_watermark_interval_s": beat_s}
    with ExitStack() as stack:
        stack.callback(link.close)
        religion_running = ExitStack()  # closed early by the test of a source down
        stack.callback(religion_running.close)
        clients = {
            name: (religion_running if name == "religion" else stack).enter_context(
                TestClient(app(auth_settings(name, **{**common, **overrides})),
                           raise_server_exceptions=False))
            for name, app, overrides in (
                ("religion", religion_app, {"nats_url": f"nats://127.0.0.1:{link.port}"}),
                ("dialogue", dialogue_app, {}),
                ("indicators", indicators_app, {}),
                ("reporting", reporting_app, {"finalise_source_watermarks": True}),
            )
        }
        _every_source_answering(clients["reporting"])
        city = idp.headers("city_staff")
        yield System(clients["religion"], clients["reporting"], link, city, religion_running)


def _every_source_answering(reporting: TestClient) -> None:
    """Wait until reporting is connected and every source's relay answers an ask, as an
    operator finds the system before finalising: the services have just started, their relays
    may not be connected or subscribed yet."""
    runtime = runtime_of(reporting)
    wait_until(lambda: runtime.link.connected, timeout=PATIENCE_S)
    unconfirmed = reporting.portal.call(  # type: ignore[union-attr]
        wait_watermarks, runtime.link, runtime.settings.subject_root,
        catchup.source_services(runtime), PATIENCE_S)
    assert unconfirmed == {}, unconfirmed


def _refused_naming_religion(system: System) -> dict[str, Any]:
    with finalise_bound(runtime_of(system.reporting), REFUSED_WITHIN_S):
        refused = system.finalise()
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    error: dict[str, Any] = refused.json()["error"]
    assert error["code"] == "FIGURES_CATCHING_UP"
    assert "Tôn giáo (religion)" in error["message"]
    assert error["details"]["sources"] == ["religion"]
    assert system.report()["figures_finalised"] is False
    return error


def _signed_with_the_late_sites(system: System, sites_before: int) -> None:
    finalised = system.finalise()
    assert finalised.status_code == 201, finalised.text
    signed = system.report()
    assert signed["figures_finalised"] is True
    assert signed["differences"] == []
    as_of = system.report(as_of=finalised.json()["as_of"])
    assert figure_values(signed) == figure_values(as_of)
    assert figure_values(signed)["sites"] == sites_before + len(LATE)


def test_a_source_cut_off_from_nats_with_events_in_its_outbox_is_named_and_waited_for(
    system: System, idp: Idp,
) -> None:
    sites_before = figure_values(system.report())["sites"]
    system.link.cut()
    system.record_late_sites()  # answered 201: in religion's outbox, not in JetStream

    # A district board out of its scope is refused for that, whatever the sources' state.
    board = idp.headers("district_board", scope="reporting:read reports:finalise")
    outside = system.finalise(board)
    assert outside.status_code == 403, outside.text

    _refused_naming_religion(system)

    system.link.heal()  # the relay reconnects, publishes its outbox and answers the ask
    relay = runtime_of(system.religion).relay
    wait_until(lambda: relay.failing_for() == 0, timeout=PATIENCE_S)
    _signed_with_the_late_sites(system, sites_before)


def test_a_source_whose_relay_cannot_publish_is_named_with_what_it_holds(
    system: System, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sites_before = figure_values(system.report())["sites"]
    relay = runtime_of(system.religion).relay

    async def refused(**_: Any) -> int:
        raise RelayPublishError("JetStream refuses")

    monkeypatch.setattr(relay, "publish_pending", refused)
    system.record_late_sites()
    wait_until(lambda: relay.failing_for() > 0, timeout=PATIENCE_S)
    error = _refused_naming_religion(system)
    # Reachable, its relay said what is left in its outbox.
    assert error["details"]["watermarks"]["religion"]["pending"] == len(LATE)

    monkeypatch.undo()
    wait_until(lambda: relay.failing_for() == 0, timeout=PATIENCE_S)
    _signed_with_the_late_sites(system, sites_before)


def test_a_source_down_entirely_is_named(system: System) -> None:
    system.religion_running.close()  # religion stops: no relay answers
    _refused_naming_religion(system)


class HeldCommits:
    """Religion's commands registering the named sites: each holds its transaction open, its
    event stamped, until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *codes: str) -> None:
        self.stamped = {code: threading.Event() for code in codes}
        self.release = {code: threading.Event() for code in codes}
        commit = UnitOfWork.commit

        def held_commit(uow: UnitOfWork) -> None:
            for code in codes:
                if any(e.aggregate_id == code for e in uow.appended):
                    self.stamped[code].set()
                    assert self.release[code].wait(PATIENCE_S)
            commit(uow)

        monkeypatch.setattr(UnitOfWork, "commit", held_commit)


def _register(system: System, code: str, answers: dict[str, Any]) -> threading.Thread:
    def register() -> None:
        body = {**site_body(code, QUAN_TOAN), "registered_on": "2023-02-01"}
        answers[code] = system.religion.post("/api/v1/sites", json=body, headers=system.city)

    thread = threading.Thread(target=register)
    thread.start()
    return thread


def _finalising(system: System, answers: dict[str, Any]) -> threading.Thread:
    def finalise() -> None:
        answers["finalised"] = system.finalise()

    thread = threading.Thread(target=finalise)
    thread.start()
    return thread


def _signed_as_of_its_as_of(
    system: System, answers: dict[str, Any], applied: int, sites: int,
) -> None:
    """All answered; once the sites are applied (`applied` counted now), the signed figures
    are the report read as of the signed as_of, with `sites` sites."""
    finalised = answers.pop("finalised")
    assert finalised.status_code == 201, finalised.text
    for code, answer in answers.items():
        assert answer.status_code == 201, (code, answer.text)
    now = utcnow().isoformat()
    wait_until(lambda: figure_values(system.report(as_of=now))["sites"] == applied,
               timeout=PATIENCE_S)
    signed = system.report()
    assert signed["figures_finalised"] is True
    assert figure_values(signed) == figure_values(
        system.report(as_of=finalised.json()["as_of"]))
    assert figure_values(signed)["sites"] == sites


def test_a_command_stamped_before_the_ask_and_committed_after_it_is_signed_with_it(
    quiet_system: System, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """L6 (J13's remainder): an event's recorded_at is taken before its transaction commits.
    A site registered, its event stamped, its transaction held open while the finalisation
    asks the relays: the religion relay answers only once that transaction has ended, so the
    signed figures have the site, as the report read as of the signed as_of does. (Before:
    the relay answered at once and the report was signed without the site.)"""
    system = quiet_system
    sites_before = figure_values(system.report())["sites"]
    held = HeldCommits(monkeypatch, "HELD-1")
    answers: dict[str, Any] = {}
    registering = _register(system, "HELD-1", answers)
    assert held.stamped["HELD-1"].wait(PATIENCE_S)
    finalising = _finalising(system, answers)
    # Released once the religion relay waits for it (answering the ask), or, without that
    # wait, once the report is signed.
    in_flight = in_flight_of(runtime_of(system.religion).engine)
    wait_until(lambda: in_flight.waiting > 0 or not finalising.is_alive(), timeout=PATIENCE_S)
    held.release["HELD-1"].set()
    registering.join(PATIENCE_S)
    finalising.join(PATIENCE_S)
    _signed_as_of_its_as_of(system, answers, sites_before + 1, sites_before + 1)


def test_a_command_stamped_after_the_ask_is_not_in_the_signed_as_of(
    quiet_system: System, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """L6: what the relays' answers cover is what was stamped before the ask, so the report's
    as_of is the ask's moment. A site stamped after the ask, before the freeze, committed
    after the signing: in neither the signed figures nor the report read as of the signed
    as_of. (Before: the as_of was the freeze's moment, after the site's stamp: signed
    without it, read as of the same as_of afterwards with it.)"""
    system = quiet_system
    sites_before = figure_values(system.report())["sites"]
    held = HeldCommits(monkeypatch, "HELD-2")
    confirmed = threading.Event()
    confirm = catchup.require_sources_applied

    def confirmed_then_held_2_stamped(runtime: Any) -> Any:
        asked_at = confirm(runtime)
        confirmed.set()
        assert held.stamped["HELD-2"].wait(PATIENCE_S)  # stamped after the ask, before the freeze
        return asked_at

    monkeypatch.setattr(routes, "require_sources_applied", confirmed_then_held_2_stamped)
    answers: dict[str, Any] = {}
    finalising = _finalising(system, answers)
    assert confirmed.wait(PATIENCE_S)
    registering = _register(system, "HELD-2", answers)
    finalising.join(PATIENCE_S)
    held.release["HELD-2"].set()
    registering.join(PATIENCE_S)
    _signed_as_of_its_as_of(system, answers, sites_before + 1, sites_before)
