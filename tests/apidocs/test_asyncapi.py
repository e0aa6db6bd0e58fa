"""Each service's event contract as AsyncAPI 3.0 (issue 17): valid against the official
AsyncAPI 3.0.0 JSON Schema (vendored, tests/fixtures/asyncapi), one channel per event type
at its real NATS subject, and the messages' schemas accept the events the service really
publishes."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from services.dialogue.domain.events import registry as dialogue_events
from services.indicators.domain.events import registry as indicators_events
from services.religion.domain.events import registry as religion_events
from services.reporting.domain.events import registry as reporting_events
from shared.asyncapi import WATERMARK_CHANNELS, asyncapi_document
from shared.envelope import EventEnvelope, EventRegistry
from shared.relay import headers_for
from shared.watermark import Watermark, ask_subject, watermark_subject
from tests.auth.conftest import Idp, Services, site_body

SCHEMA = Path(__file__).parents[1] / "fixtures" / "asyncapi" / "asyncapi-3.0.0.schema.json"
REGISTRIES: dict[str, EventRegistry] = {
    "religion": religion_events, "dialogue": dialogue_events,
    "indicators": indicators_events, "reporting": reporting_events,
}
EVENTS_MD = Path(__file__).parents[2] / "docs" / "events.md"


def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def _document(service: str) -> dict[str, Any]:
    return asyncapi_document(
        REGISTRIES[service], subject_root="danvan", stream=f"DANVAN_{service.upper()}",
        nats_url="nats://svc-user:pw-7f3kq@nats.internal:4222", title=service, version="0.1.0",
    )


def _resolved(document: dict[str, Any], node: Any) -> Any:
    """A schema with the document's local $refs followed (for validating an instance)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part]
            return _resolved(document, target)
        return {k: _resolved(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolved(document, v) for v in node]
    return node


@pytest.mark.parametrize("service", sorted(REGISTRIES))
def test_the_document_is_valid_asyncapi_3(service: str) -> None:
    document = _document(service)
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # The validator does look: a document missing what AsyncAPI requires is refused.
    broken = {k: v for k, v in document.items() if k != "info"}
    assert list(_validator().iter_errors(broken))
    # ...and so is one deep inside: AsyncAPI 2's "publish" is no action of 3.0.
    first = next(iter(document["operations"]))
    document["operations"][first]["action"] = "publish"
    assert list(_validator().iter_errors(document))



def test_a_cluster_of_nats_nodes_is_one_server_each_without_credentials() -> None:
    # Production's NATS_URL is the cluster's list, handed to the service as given (S1).
    document = asyncapi_document(
        religion_events, subject_root="danvan", stream="DANVAN_RELIGION",
        nats_url="nats://svc:pw-7f3kq@nats-1:4222, nats://svc:pw-7f3kq@nats-2:4222,"
                 "nats://svc:pw-7f3kq@nats-3:4222",
        title="religion", version="0.1.0",
    )
    assert {name: server["host"] for name, server in document["servers"].items()} == {
        "nats": "nats-1:4222", "nats-2": "nats-2:4222", "nats-3": "nats-3:4222"}
    assert "pw-7f3kq" not in json.dumps(document)
    assert list(_validator().iter_errors(document)) == []

@pytest.mark.parametrize("service", sorted(REGISTRIES))
def test_one_channel_per_event_type_at_its_subject_with_its_version(service: str) -> None:
    registry = REGISTRIES[service]
    undeclared = [n for n, c in registry.types.items()
                  if getattr(c, "aggregate_type", None) is None]
    assert undeclared == [], "each event class declares its aggregate_type (its subject)"
    document = _document(service)
    assert set(document["channels"]) == set(registry.types) | set(WATERMARK_CHANNELS)
    # The relay's watermark and the finalisation's ask, at their subjects (J13).
    assert document["channels"]["RelayWatermark"]["address"] == watermark_subject(
        "danvan", service)
    assert document["channels"]["WatermarkAsk"]["address"] == ask_subject("danvan")
    written = Watermark(service, 7, 0, 12, 30, "2026-01-01T00:00:00+00:00")
    watermark = document["components"]["messages"]["RelayWatermark"]["payload"]
    jsonschema.validate(json.loads(written.to_json()), watermark)
    for name, cls in registry.types.items():
        channel = document["channels"][name]
        assert channel["address"] == f"danvan.{service}.{cls.aggregate_type}.{name}"
        message = document["components"]["messages"][name]
        assert message["x-schema-version"] == cls.schema_version
        assert message["payload"]["properties"]["schema_version"]["const"] == cls.schema_version
        operation = document["operations"][f"publish{name}"]
        assert operation["action"] == "send"
        assert operation["channel"] == {"$ref": f"#/channels/{name}"}
    # The envelope as it travels: every field of shared.envelope's one definition.
    properties = document["components"]["messages"][name]["payload"]["properties"]
    assert set(properties) == {f.name for f in dataclasses.fields(EventEnvelope)}
    # No credential of the NATS URL reaches the document.
    assert document["servers"]["nats"]["host"] == "nats.internal:4222"
    assert "pw-7f3kq" not in json.dumps(document)


def _events_md_rows() -> Iterator[tuple[str, str, str]]:
    """(service, aggregate, event type) of docs/events.md's tables."""
    service = ""
    for line in EVENTS_MD.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)$", line)
        if heading:
            service = heading.group(1)
            continue
        row = re.match(r"^\| (\w+) \| (\w+) ", line)
        if row and row.group(1) != "aggregate" and service in REGISTRIES:
            yield service, row.group(1), row.group(2)


def test_the_subjects_agree_with_docs_events_md() -> None:
    """The human contract and the generated one name the same subject for every event the
    tables list (each class declares its aggregate; the tables were written by hand)."""
    rows = list(_events_md_rows())
    assert len(rows) >= 30
    for service, aggregate, event_type in rows:
        cls = REGISTRIES[service].types.get(event_type)
        assert cls is not None, f"{service} {event_type} of docs/events.md is not registered"
        assert cls.aggregate_type == aggregate, (service, event_type)


def test_the_service_serves_it_and_a_published_event_fits_its_message(
    services: Services, idp: Idp
) -> None:
    """A real event, as the relay publishes it (body and headers), validates against the
    message schema of its channel in the served document."""
    client: TestClient = services["religion"]
    served = client.get("/asyncapi.json")
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    document = served.json()
    assert list(_validator().iter_errors(document)) == []
    created = client.post("/api/v1/sites", json=site_body("TL-ASYNC"),
                          headers=idp.headers("city_staff"))
    assert created.status_code == 201, created.text
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.engine.connect() as conn:
        [envelope] = runtime.store.read_all(conn)
    message = document["components"]["messages"][envelope.event_type]
    body = json.loads(envelope.to_json())
    jsonschema.validate(body, _resolved(document, message["payload"]))
    headers = headers_for(str(envelope.event_id), envelope.event_type, "abc")
    jsonschema.validate(headers, message["headers"])
    assert envelope.subject(runtime.settings.subject_root).endswith(
        document["channels"][envelope.event_type]["address"].split(".", 1)[1])
    # A payload that breaks the schema is refused by it (the schema is not a blank check).
    body["payload"].pop("commune_code")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, _resolved(document, message["payload"]))
