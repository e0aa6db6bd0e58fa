"""A signed report does not miss events still in a source's outbox (finding J13).

The four services run, on a NATS server of the test's own; religion reaches it through a link
the test can cut (NATS unreachable from that service alone). A finalisation waits for every
source relay's watermark written after it began (shared/watermark.py); one that does not come
in time is named in a 503 and nothing is signed. Once the relay publishes again the signing
succeeds, and its figures are the report as of its own as_of, the late events included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.dialogue.app import create_app as dialogue_app
from services.indicators.app import create_app as indicators_app
from services.religion.app import create_app as religion_app
from services.reporting.app import create_app as reporting_app
from shared.natsserver import NatsServer
from shared.relay import RelayPublishError
from shared.settings import Settings
from tests.auth.conftest import QUAN_TOAN, Idp, auth_settings, idp, idp_key, site_body
from tests.deploy.wanlink import WanLink
from tests.integration.helpers import runtime_of, wait_until
from tests.reporting.conftest import figure_values

# The identity provider's fixtures: the services run with AUTH_MODE=required (a district
# board's token is refused on its scope).
__all__ = ["auth_settings", "idp", "idp_key"]

REPORT = "/api/v1/reports/2023-3m"
LATE = ("LATE-1", "LATE-2", "LATE-3")


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
    link = WanLink(own_nats_server.port).start()
    common: dict[str, object] = {"nats_url": own_nats_server.url,
                                 "relay_watermark_interval_s": 0.5}
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
                ("reporting", reporting_app,
                 {"finalise_source_watermarks": True, "finalise_catch_up_s": 3.0}),
            )
        }
        city = idp.headers("city_staff")
        yield System(clients["religion"], clients["reporting"], link, city, religion_running)


def _refused_naming_religion(system: System) -> dict[str, Any]:
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
    wait_until(lambda: relay.failing_for() == 0)
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
    wait_until(lambda: relay.failing_for() > 0)
    error = _refused_naming_religion(system)
    # Reachable, its relay said what is left in its outbox.
    assert error["details"]["watermarks"]["religion"]["pending"] == len(LATE)

    monkeypatch.undo()
    wait_until(lambda: relay.failing_for() == 0)
    _signed_with_the_late_sites(system, sites_before)


def test_a_source_down_entirely_is_named(system: System) -> None:
    system.religion_running.close()  # religion stops: no relay answers
    _refused_naming_religion(system)
