"""The event contract of a service as an AsyncAPI 3.0 document, generated from its registry.

Integrators' tools read AsyncAPI, not our catalogue: each service answers `/asyncapi.json`
with one channel per event type (its NATS subject `<root>.<service>.<aggregate>.<EventType>`),
one message per event type (the envelope of shared/envelope.py with that event's payload
schema and schema version) and one `send` operation per channel (the service publishes;
consumers read the stream `DANVAN_<SERVICE>` with a durable pull consumer). Generated from
the same registry as `GET /api/v1/events/catalogue`, so the two cannot disagree; docs/events.md
says what each field means.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from shared import messages as kernel_messages
from shared.envelope import EventRegistry
from shared.relay import CORRELATION_HEADER, EVENT_TYPE_HEADER
from shared.watermark import ask_subject, watermark_stream_name, watermark_subject

ASYNCAPI_VERSION = "3.0.0"
_PYDANTIC_DEFS = "#/$defs/"
_COMPONENT_SCHEMAS = "#/components/schemas/"

ENVELOPE_FIELDS: dict[str, Any] = {
    "event_id": {"type": "string", "format": "uuid",
                 "description": "Mã sự kiện, duy nhất; cũng là tiêu đề Nats-Msg-Id"},
    "event_type": {"type": "string", "description": "Tên loại sự kiện (không bao giờ đổi)"},
    "schema_version": {"type": "integer", "minimum": 1,
                       "description": "Phiên bản lược đồ của payload"},
    "service": {"type": "string", "description": "Dịch vụ phát sự kiện"},
    "aggregate_type": {"type": "string", "description": "Loại đối tượng (phần thứ ba của subject)"},
    "aggregate_id": {"type": "string", "description": "Mã đối tượng"},
    "aggregate_version": {"type": "integer", "minimum": 1,
                          "description": "Phiên bản của đối tượng sau sự kiện này"},
    "occurred_at": {"type": "string", "format": "date-time",
                    "description": "Ngày nghiệp vụ (nửa đêm UTC của ngày xảy ra)"},
    "recorded_at": {"type": "string", "format": "date-time",
                    "description": "Thời điểm hệ thống ghi nhận"},
    "actor": {"type": "string", "description": "Ai thực hiện (người dùng hoặc key:<chủ khoá>)"},
    "department": {"type": ["string", "null"], "description": "Cơ quan của người thực hiện"},
    "unit_code": {"type": ["string", "null"],
                  "description": "Đơn vị hành chính mà sự kiện nói đến (xã, huyện, tỉnh)"},
    "correlation_id": {"type": ["string", "null"],
                       "description": "Mã tương quan của yêu cầu gây ra sự kiện"},
    "causation_id": {"type": ["string", "null"], "description": "Sự kiện gây ra sự kiện này"},
    "position": {"type": ["integer", "null"], "description": "Vị trí trong kho sự kiện"},
}
ENVELOPE_REQUIRED = [
    "event_id", "event_type", "schema_version", "service", "aggregate_type", "aggregate_id",
    "aggregate_version", "occurred_at", "recorded_at", "actor", "payload",
]
HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["Nats-Msg-Id", EVENT_TYPE_HEADER],
    "properties": {
        "Nats-Msg-Id": {"type": "string", "format": "uuid", "description": (
            "= event_id: JetStream bỏ bản phát lại trùng trong cửa sổ một giờ")},
        EVENT_TYPE_HEADER: {"type": "string", "description": "= event_type"},
        CORRELATION_HEADER: {"type": "string", "description": "Mã tương quan (nếu có)"},
    },
}


def _hoisted(schema: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """A pydantic schema with its `$defs` moved into the document's component schemas (its
    `#/$defs/...` references would otherwise point at the AsyncAPI document's root)."""
    schema = copy.deepcopy(schema)
    for name, definition in schema.pop("$defs", {}).items():
        shared[name] = definition

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_PYDANTIC_DEFS):
                node["$ref"] = _COMPONENT_SCHEMAS + ref.removeprefix(_PYDANTIC_DEFS)
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(schema)
    for definition in shared.values():
        rewrite(definition)
    return schema


def _servers(nats_url: str) -> dict[str, Any]:
    """The NATS servers of a NATS_URL, one URL or a cluster's comma-separated list: `nats`
    for the first, `nats-2`, `nats-3`, ... for the others."""
    urls = [url.strip() for url in nats_url.split(",") if url.strip()]
    return {
        "nats" if n == 1 else f"nats-{n}": _server(url) for n, url in enumerate(urls, start=1)
    }


def _server(nats_url: str) -> dict[str, Any]:
    # Host and port only: a URL's user and password never go into a document.
    parts = urlsplit(nats_url)
    host = parts.hostname or "127.0.0.1"
    return {
        "host": f"{host}:{parts.port or 4222}",
        "protocol": "nats",
        "description": (
            "NATS JetStream của hệ thống; mỗi dịch vụ kết nối bằng tài khoản riêng "
            "(deploy/OPERATIONS.md)"
        ),
    }


def asyncapi_document(
    registry: EventRegistry, *, subject_root: str, stream: str, nats_url: str, title: str,
    version: str,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the events `registry` declares."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name, cls in sorted(registry.types.items()):
        # An event class that forgot its aggregate_type still gets a channel (the aggregate
        # as a parameter of the address) rather than a broken document; the tests require it.
        aggregate = getattr(cls, "aggregate_type", None) or "{aggregate_type}"
        summary = (cls.__doc__ or name).strip().split("\n\n")[0].replace("\n", " ")
        payload = _hoisted(cls.model_json_schema(), schemas)
        payload["description"] = payload.get("description") or summary
        messages[name] = {
            "name": name,
            "title": f"{name} v{cls.schema_version}",
            "summary": summary,
            "contentType": "application/json",
            "headers": HEADERS_SCHEMA,
            "payload": {
                "type": "object",
                "required": ENVELOPE_REQUIRED,
                "properties": ENVELOPE_FIELDS | {
                    "event_type": {"type": "string", "const": name},
                    "schema_version": {"type": "integer", "const": cls.schema_version},
                    "service": {"type": "string", "const": registry.service},
                    "aggregate_type": {"type": "string", "const": aggregate},
                    "payload": payload,
                },
            },
            "x-schema-version": cls.schema_version,
        }
        channels[name] = {
            "address": f"{subject_root}.{registry.service}.{aggregate}.{name}",
            **({"parameters": {"aggregate_type": {"description": "Loại đối tượng"}}}
               if aggregate.startswith("{") else {}),
            "title": name,
            "description": f"{summary} (luồng {stream})",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish{name}"] = {
            "action": "send",
            "title": f"Phát {name}",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{name}"}],
        }
    _watermark_channels(registry.service, subject_root, channels, operations, messages)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": f"urn:danvan:{registry.service}:events",
        "info": {
            "title": f"{title}: sự kiện",
            "version": version,
            "description": (
                f"Sự kiện dịch vụ {registry.service} phát lên NATS JetStream, luồng {stream} "
                f"(subject {subject_root}.{registry.service}.<aggregate>.<EventType>). Thân "
                "thông điệp là phong bì JSON (shared/envelope.py) mang payload của loại sự kiện; "
                "loại sự kiện giữ tên mãi mãi, phiên bản lược đồ mới đi kèm bộ nâng cấp. "
                "Ý nghĩa từng trường: docs/events.md."
            ),
        },
        "servers": _servers(nats_url),
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


#: The relay's watermark and a finalisation's ask (shared/watermark.py), in every service's
#: document: each relay writes the one and answers the other (finding J13).
WATERMARK_CHANNELS = ("RelayWatermark", "WatermarkAsk")
_INTEGER = {"type": "integer", "minimum": 0}
WATERMARK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service", "from_sequence", "pending", "published_sequence",
                 "published_position", "written_at"],
    "properties": {
        "service": {"type": "string", "description": "Dịch vụ của relay"},
        "from_sequence": _INTEGER | {
            "description": "Số thứ tự cuối của luồng watermark relay đọc trước lượt đọc outbox"},
        "pending": _INTEGER | {
            "description": "Sự kiện còn trong outbox sau lượt đó (0: đã gửi hết)"},
        "published_sequence": _INTEGER | {
            "description": "Số thứ tự cuối của luồng sự kiện mà relay biết (0: chưa biết)"},
        "published_position": _INTEGER | {
            "description": "Vị trí cao nhất trong kho sự kiện đã được JetStream nhận"},
        "written_at": {"type": "string", "format": "date-time"},
    },
}


def _watermark_channels(
    service: str, subject_root: str, channels: dict[str, Any], operations: dict[str, Any],
    messages: dict[str, Any],
) -> None:
    stream = watermark_stream_name(subject_root)
    texts = {
        "RelayWatermark": (
            watermark_subject(subject_root, service), "send",
            kernel_messages.WATERMARK_CHANNEL_SUMMARY.format(stream=stream), WATERMARK_SCHEMA),
        "WatermarkAsk": (
            ask_subject(subject_root), "receive",
            kernel_messages.WATERMARK_ASK_SUMMARY.format(stream=stream),
            {"type": "string", "maxLength": 0}),
    }
    for name, (address, action, summary, payload) in texts.items():
        messages[name] = {"name": name, "title": name, "summary": summary,
                          "contentType": "application/json", "payload": payload}
        channels[name] = {"address": address, "title": name, "description": summary,
                          "messages": {name: {"$ref": f"#/components/messages/{name}"}}}
        operations[f"{action}{name}"] = {
            "action": action, "title": name, "channel": {"$ref": f"#/channels/{name}"},
            "messages": [{"$ref": f"#/channels/{name}/messages/{name}"}],
        }
