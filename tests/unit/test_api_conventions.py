"""The kernel's API conventions without a database: If-Match parsing, the command answer,
the request fingerprint of an Idempotency-Key, the paging envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import BaseModel

from shared.aggregate import Aggregate, expect_version
from shared.commands import CommandResult
from shared.concurrency import IfMatch, parse_if_match, with_expected_version
from shared.envelope import EventEnvelope
from shared.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from shared.idempotency import fingerprint
from shared.paging import PageRequest


@pytest.mark.parametrize(
    ("header", "version"),
    [(None, None), ("*", None), ('"3"', 3), ("3", 3), (' "0" ', 0)],
)
def test_if_match_names_a_version(header: str | None, version: int | None) -> None:
    assert parse_if_match(header) == version


class _Record(Aggregate):
    aggregate_type = "record"


def test_a_weak_if_match_matches_no_version_not_even_its_own() -> None:
    """Finding O16: If-Match compares strongly (RFC 9110 §13.1.1); `W/"3"` was read as
    `"3"` and the write ran. It is still read (well formed, not a 422), but as a version the
    check refuses 412 whatever the record's version, saying why in Vietnamese."""
    weak = parse_if_match('W/"3"')
    assert weak is not None and weak != 3 and not weak == 3  # noqa: SIM201
    model = _Record("MH-1")
    model.version = 3
    with pytest.raises(PreconditionFailed) as info:
        expect_version(model, weak)
    assert info.value.code == "PRECONDITION_FAILED"
    assert 'W/"3"' in info.value.message and "ETag yếu" in info.value.message
    assert info.value.details["expected_version"] == 3
    assert type(info.value.details["expected_version"]) is int


@pytest.mark.parametrize("header", ['"3', "v3", '"-1"', '"3", "4"', f'"{2**31}"', "12345678901"])
def test_if_match_that_names_no_version_is_refused(header: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_if_match(header)
    assert info.value.code == "BAD_IF_MATCH" and not info.value.message.isascii()


class _Amend(BaseModel):
    name: str
    expected_version: int | None = None


def test_if_match_and_the_deprecated_body_field_agree_or_are_refused() -> None:
    assert with_expected_version(_Amend(name="a"), IfMatch(4)).expected_version == 4
    assert with_expected_version(_Amend(name="a", expected_version=4), IfMatch(None)) \
        .expected_version == 4
    with pytest.raises(InvalidInput) as info:
        with_expected_version(_Amend(name="a", expected_version=3), IfMatch(4))
    assert info.value.code == "VERSION_DISAGREES"
    with pytest.raises(PreconditionRequired):
        with_expected_version(_Amend(name="a"), IfMatch(None), required=True)
    assert IfMatch(2).required() == 2


def _event(aggregate: str, version: int, event_type: str = "Happened") -> EventEnvelope:
    now = datetime(2023, 3, 1, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=1, service="t",
        aggregate_type="thing", aggregate_id=aggregate, aggregate_version=version,
        occurred_at=now, recorded_at=now, actor="a", payload={},
    )


def test_the_answer_names_the_last_aggregate_and_every_event() -> None:
    created = CommandResult([_event("T-1", 1, "Opened"), _event("T-1", 2, "Moved")])
    body = created.body(thing_id="T-1")
    assert (body["aggregate_id"], body["version"], body["thing_id"]) == ("T-1", 2, "T-1")
    assert body["event_ids"] == [e["event_id"] for e in body["events"]]
    assert [e["event_type"] for e in body["events"]] == ["Opened", "Moved"]
    assert created.created
    assert not CommandResult([_event("T-1", 3)]).created
    nothing = CommandResult([])
    assert (nothing.aggregate_id, nothing.version, nothing.created) == (None, None, False)


def test_the_same_request_whatever_the_json_spacing_and_key_order() -> None:
    one = fingerprint("POST", "/api/v1/sites", "b=2&a=1", b'{"a": 1, "b": [1, 2]}')
    assert one == fingerprint("post", "/api/v1/sites", "a=1&b=2", b'{"b":[1,2],"a":1}')
    assert one != fingerprint("POST", "/api/v1/sites", "a=1&b=2", b'{"b":[2,1],"a":1}')
    assert one != fingerprint("POST", "/api/v1/sites/x", "a=1&b=2", b'{"a": 1, "b": [1, 2]}')
    assert one != fingerprint("PATCH", "/api/v1/sites", "a=1&b=2", b'{"a": 1, "b": [1, 2]}')


def test_one_envelope_for_pages_and_for_the_deprecated_offsets() -> None:
    page = PageRequest(page=3, page_size=20)
    assert (page.offset, page.limit) == (40, 20)
    assert page.envelope(["x"], 41, as_of="2023-03-01") == {
        "as_of": "2023-03-01", "total": 41, "page": 3, "page_size": 20, "pages": 3,
        "offset": 40, "items": ["x"],
    }
    legacy = PageRequest(page=1, page_size=100, start=250)
    assert (legacy.offset, legacy.envelope([], 0)["page"]) == (250, 3)


def test_a_list_read_whole_is_answered_a_page_at_a_time() -> None:
    rows = [f"r{i}" for i in range(7)]
    middle = PageRequest(page=2, page_size=3).of(rows, on="2023-03-01")
    assert (middle["items"], middle["total"], middle["pages"], middle["on"]) == (
        ["r3", "r4", "r5"], 7, 3, "2023-03-01")
    assert PageRequest(page=3, page_size=3).of(rows)["items"] == ["r6"]
    assert PageRequest(page=4, page_size=3).of(rows)["items"] == []
