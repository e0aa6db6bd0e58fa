"""What a department's stack copies of the central streams (`python -m deploy.department
--at-site`, review R1): the events its service's consumers read of other services' streams,
and never over a stream the site's own service writes."""

from __future__ import annotations

import importlib
from pathlib import Path

import nats
import pytest

from deploy.department import CENTRAL_READS, Refused, copy_central_streams
from shared.natsserver import NatsServer, free_port
from shared.settings import Settings
from shared.streams import ensure_stream, stream_config


@pytest.mark.parametrize("service", ["religion", "dialogue"])
def test_the_copies_hold_the_events_the_services_consumers_read_of_central_streams(
    service: str, tmp_path: Path,
) -> None:
    """CENTRAL_READS is written by hand: a consumer of another service's stream added to
    religion or dialogue without it would read nothing at a department."""
    app = importlib.import_module(f"services.{service}.app").create_app(Settings.for_service(
        service, database_url=f"sqlite:///{tmp_path / 'service.db'}", environment="test"))
    reads: dict[str, set[str]] = {}
    for runner in app.state.runtime.consumers:
        source = runner.projection.source_service
        if source != service:
            reads.setdefault(source, set()).update(runner.projection.event_types)
    assert reads, "the service reads a central stream"
    assert {source: set(types) for source, types in CENTRAL_READS[service].items()} == reads


async def test_a_site_running_the_source_service_itself_is_refused_a_copy(
    tmp_path: Path,
) -> None:
    """A copy over the site's own indicators stream would lose what the site wrote there."""
    server = NatsServer(free_port(), tmp_path / "store", name="desk").start()
    try:
        client = await nats.connect(server.url)
        try:
            await ensure_stream(client.jetstream(), stream_config("danvan", "indicators"))
        finally:
            await client.close()
        with pytest.raises(Refused, match="DANVAN_INDICATORS"):
            await copy_central_streams(server.url, "u", "p", service="religion",
                                       site="phong-ton-giao")
    finally:
        server.kill()
