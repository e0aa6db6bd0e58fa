"""Each service's NATS user may read every stream the service consumes (deploy/nats): a
consumer added to a service without its lines in deploy/nats/accounts.conf.fragment is
refused by the deployed NATS, while every test without authorization passes (religion's and
dialogue's recorded successions, finding M6, were so). The consumers are the apps' own."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.dialogue.app import create_app as dialogue_app
from services.indicators.app import create_app as indicators_app
from services.religion.app import create_app as religion_app
from services.reporting.app import create_app as reporting_app
from shared.runtime import ServiceRuntime
from shared.settings import Settings

FRAGMENT = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "accounts.conf.fragment"
APPS: dict[str, Callable[[Settings], FastAPI]] = {
    "indicators": indicators_app, "religion": religion_app, "dialogue": dialogue_app,
    "reporting": reporting_app,
}


def _published(service: str) -> set[str]:
    text = FRAGMENT.read_text(encoding="utf-8")
    block = re.search(rf"^{service.upper()}_PERMISSIONS = \{{\n(.*?)\n\}}", text,
                      flags=re.DOTALL | re.MULTILINE)
    assert block is not None, service
    return set(re.findall(r'"([^"]+)"', block.group(1)))


@pytest.mark.parametrize("service", sorted(APPS))
def test_a_service_may_read_every_stream_it_consumes(
    service: str, settings_factory: Callable[..., Settings]
) -> None:
    app = APPS[service](settings_factory(service, subject_root="danvan"))
    runtime: ServiceRuntime = app.state.runtime
    allowed = _published(service)
    streams = {consumer.stream for consumer in runtime.consumers}
    for stream in sorted(streams):
        wanted = {
            f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.MSG.GET.{stream}",
            f"$JS.API.CONSUMER.CREATE.{stream}.>", f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.>",
            f"$JS.API.CONSUMER.INFO.{stream}.>", f"$JS.API.CONSUMER.DELETE.{stream}.>",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.>", f"$JS.ACK.{stream}.>",
        }
        assert wanted <= allowed, (service, sorted(wanted - allowed))
