"""The event contracts consumers check other services' events against (shared/contract.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from services.indicators.application.projections import all_projections as indicators_projections
from services.religion.domain.events import LandDossierLodged, SiteRegistered
from services.reporting.application.projections import all_projections as reporting_projections
from services.reporting.domain.events import ReportFinalised
from shared.clock import in_utc
from shared.consumer import Projection, _decode, dead_letter_reason
from shared.contract import (
    CONTRACTS_DIR,
    ENVELOPE_INVALID,
    INVALID,
    TOO_NEW,
    ContractViolation,
    EventContract,
    SchemaTooNew,
    recorded_as_published,
    recorded_stands,
)
from shared.envelope import EventEnvelope
from shared.eventstore import EventStore
from tools.contracts import SERVICES, contract_text, main

REGISTERED = SiteRegistered(
    code="TL-001", name="Chùa Đông", religion="Phật giáo", commune_code="11755",
    district_code="303", address="Thôn Đông", land_area_m2=1200.5, land_use_origin=None,
    registered_on=date(2023, 1, 5),
)


def _envelope(payload: dict[str, Any], event_type: str = "SiteRegistered",
              version: int = 1, unit_code: str | None = "11755") -> EventEnvelope:
    now = datetime(2023, 3, 1, tzinfo=UTC)
    return EventEnvelope(
        event_id=uuid4(), event_type=event_type, schema_version=version, service="religion",
        aggregate_type="site", aggregate_id="TL-001", aggregate_version=1, occurred_at=now,
        recorded_at=now, actor="tester", payload=payload, unit_code=unit_code,
    )


@pytest.fixture(scope="module")
def religion() -> EventContract:
    contract = EventContract.of("religion")
    assert contract is not None
    return contract


def _refusal(contract: EventContract, envelope: EventEnvelope) -> ContractViolation:
    with pytest.raises(ContractViolation) as refused:
        contract.check(envelope)
    return refused.value


@pytest.mark.parametrize("service", SERVICES)
def test_each_contract_file_is_its_registrys_catalogue(service: str) -> None:
    path = CONTRACTS_DIR / f"{service}.json"
    assert path.read_bytes() == contract_text(service), (
        f"{path.name} differs from services/{service}/domain/events.py: "
        "run `python -m tools.contracts`")
    assert main(["--check"]) == 0


def test_every_consumed_event_type_is_in_its_publishers_contract() -> None:
    projections: list[Projection] = [
        *reporting_projections(), *indicators_projections(EventStore("indicators", "danvan"))]
    for projection in projections:
        contract = EventContract.of(projection.source_service)
        assert contract is not None, projection.source_service
        assert set(projection.event_types) <= set(contract.events), projection.name


def test_a_publishers_own_payload_passes(religion: EventContract) -> None:
    religion.check(_envelope(REGISTERED.model_dump(mode="json")))
    # A unit of another province is the publisher's command's to refuse, not the contract's.
    religion.check(_envelope({**REGISTERED.model_dump(mode="json"), "commune_code": "00001"},
                             unit_code="00001"))
    lodged = LandDossierLodged(site_code="TL-001", state="lodged", note="", document_refs=["1"],
                               lodged_on=date(2023, 2, 1))
    religion.check(_envelope(lodged.model_dump(mode="json"), "LandDossierLodged", version=2))


def test_an_older_version_is_held_to_the_types_of_the_fields_it_has_only(
    religion: EventContract,
) -> None:
    v1 = {"site_code": "TL-001", "note": "", "document_refs": [], "lodged_on": "2023-02-01"}
    religion.check(_envelope(v1, "LandDossierLodged", version=1))  # no `state` before v2
    nested = _refusal(religion, _envelope({**v1, "document_refs": ["1", 2]},
                                          "LandDossierLodged", version=1))
    assert "document_refs: [1]: 2 is not string" in str(nested)
    refused = _refusal(religion, _envelope({**v1, "lodged_on": "2023-02-30"},
                                           "LandDossierLodged", version=1))
    assert refused.code == INVALID


@pytest.mark.parametrize(("change", "code", "detail"), [
    ({"schema_version": 99}, TOO_NEW, "schema_version 99 > 1"),
    ({"payload": {"name": None}}, INVALID, "name: null is not string"),
    ({"payload": {"registered_on": "2023-02-30"}}, INVALID, '"2023-02-30" is no date'),
    ({"payload": {"land_area_m2": "1200"}}, INVALID, "land_area_m2"),
    ({"payload": {"land_area_m2": True}}, INVALID, "land_area_m2"),
    ({"payload": {"district_code": 303}}, INVALID, "district_code: 303 is not string/null"),
    ({"schema_version": 0}, INVALID, "schema_version below 1"),
    # Finding P1: what the contract let through and the consumers then treated apart.
    ({"payload": {"commune_code": None}, "drop": "commune_code"}, INVALID,
     "commune_code: missing"),
    ({"payload": {"district_code": None}, "drop": "district_code"}, INVALID,
     "district_code: missing"),
    # A field the class does not have is a class newer than the contract: held (below).
    ({"payload": {"nickname": "Chùa"}}, TOO_NEW, "fields ['nickname'] not in schema_version 1"),
    ({"aggregate_version": 2**70}, ENVELOPE_INVALID, f"aggregate_version {2**70} outside"),
    ({"aggregate_version": 2**63}, ENVELOPE_INVALID, "aggregate_version"),
    ({"aggregate_version": 0}, ENVELOPE_INVALID, "aggregate_version 0 outside"),
    ({"position": 2**63}, ENVELOPE_INVALID, "position"),
])
def test_what_the_publisher_would_refuse_is_refused_with_a_code_and_a_reason(
    religion: EventContract, change: dict[str, Any], code: str, detail: str,
) -> None:
    payload = {**REGISTERED.model_dump(mode="json"), **change.pop("payload", {})}
    payload.pop(change.pop("drop", ""), None)
    envelope = replace(_envelope(payload), **change)
    refused = _refusal(religion, envelope)
    assert (refused.code, detail in str(refused)) == (code, True), str(refused)
    # What the admin list of dead letters shows: the code and the Vietnamese reason.
    assert dead_letter_reason(str(envelope.event_id), str(refused)) == (code, refused.message)
    assert "SiteRegistered" in refused.message


def test_the_other_dead_letters_get_a_code_and_a_reason_too() -> None:
    assert dead_letter_reason(None, "JSONDecodeError: unexpected character")[0] == (
        "EVENT_UNDECODABLE")
    assert dead_letter_reason("x", "RuntimeError: boom")[0] == "EVENT_HANDLER_FAILED"


class _Message:
    """What `_decode` reads of a NATS message."""

    def __init__(self, envelope: EventEnvelope) -> None:
        self.data = envelope.to_json()
        # Published as it was recorded (shared.contract.recorded_as_published).
        self.metadata = SimpleNamespace(timestamp=envelope.recorded_at)


def test_a_newer_schema_version_is_held_with_what_comes_after_it_not_refused(
    religion: EventContract,
) -> None:
    """Review RV6: a publisher upgraded before its consumers. The batch is applied up to the
    event (a refusal before it still goes to the dead letters); it and every message after
    it, valid or not, are held for the consumer's upgrade, none of them refused."""
    good = REGISTERED.model_dump(mode="json")
    envelopes = [_envelope(good), _envelope({**good, "name": None}), _envelope(good, version=2),
                 _envelope(good), _envelope({**good, "name": None})]
    messages: list[Any] = [_Message(e) for e in envelopes]
    found = _decode(messages, "religion", religion)
    assert [envelope for _, envelope in found.applicable] == envelopes[:1]
    assert [msg for msg, _, _ in found.refused] == messages[1:2]
    assert found.held == messages[2:]
    assert found.too_new is not None
    msg, envelope, refusal = found.too_new
    assert (msg, envelope) == (messages[2], envelopes[2])
    assert isinstance(refusal, SchemaTooNew)
    assert (refusal.code, refusal.version, refusal.known) == (TOO_NEW, 2, 1)
    assert "không bỏ qua sự kiện nào" in refusal.message

    # One a replica that knows the version applied already is passed on as processed.
    applied = _decode(messages, "religion", religion,
                      lambda e: e.event_id == envelopes[2].event_id)
    assert applied.too_new is None and not applied.held
    assert [e for _, e in applied.applicable] == [envelopes[0], envelopes[2], envelopes[3]]


def _lodged(**change: Any) -> dict[str, Any]:
    lodged = LandDossierLodged(site_code="TL-001", state="lodged", note="",
                               document_refs=["1"], lodged_on=date(2023, 2, 1))
    return {**lodged.model_dump(mode="json"), **change}


@pytest.mark.parametrize(("payload", "version", "detail"), [
    (_lodged(state="bogus"), 2, 'state: "bogus" is none of ["not_started",'),
    (_lodged(state=None), 2, "state: null is not string"),
    (_lodged(state=["lodged"]), 2, "state: "),
    ({k: v for k, v in _lodged().items() if k != "state"}, 2, "state: missing"),
    # v1 had no `state`: one it carries is held to v2's choices.
    ({**_lodged(state="bogus")}, 1, 'state: "bogus" is none of'),
    ({k: v for k, v in _lodged().items() if k != "lodged_on"}, 1, "lodged_on: missing"),
])
def test_a_literal_outside_its_choices_or_a_required_field_missing_is_refused(
    religion: EventContract, payload: dict[str, Any], version: int, detail: str,
) -> None:
    refused = _refusal(religion, _envelope(payload, "LandDossierLodged", version=version))
    assert (refused.code, detail in str(refused)) == (INVALID, True), str(refused)


def test_a_field_added_later_with_a_default_is_not_required_of_old_events(
    religion: EventContract,
) -> None:
    without_date = REGISTERED.model_dump(mode="json")
    del without_date["registered_on"]  # added after v1 with a default (None)
    religion.check(_envelope(without_date))
    reporting = EventContract.of("reporting")
    assert reporting is not None
    finalised = {name: value for name, value in _finalised().items()
                 if name != "later_facts_acknowledged"}
    reporting.check(replace(_envelope(finalised, "ReportFinalised"), service="reporting"))


def _finalised() -> dict[str, Any]:
    """A ReportFinalised as its publisher writes it."""
    return ReportFinalised(
        report_id="2023-12m:31", period_id="2023-12m", scope="31",
        as_of=datetime(2023, 12, 20, tzinfo=UTC), data_from=date(2023, 1, 1),
        cutoff_on=date(2023, 12, 14), content_hash="0" * 64, figure_count=12,
    ).model_dump(mode="json")


def test_the_choices_are_of_their_json_type() -> None:
    contract = EventContract.from_catalogue({"service": "x", "events": {"E": {
        "schema_version": 1, "payload": {"type": "object", "properties": {
            "n": {"enum": [1, 2]}, "k": {"const": "on"}}}}}})
    contract.check(replace(_envelope({"n": 1, "k": "on"}, "E"), service="x"))
    for wrong in ({"n": True}, {"n": 1.5}, {"k": "off"}, {"n": [1]}):
        refused = _refusal(contract, replace(_envelope(wrong, "E"), service="x"))
        assert refused.code == INVALID, wrong


def test_an_envelope_recorded_after_its_message_was_published_is_applied_as_published(
    religion: EventContract,
) -> None:
    """Review RV-P2: refused (P1), an envelope recorded later than its message's publication
    was lost for good when a publisher's clock ran ahead of the NATS server's (the two times
    are fixed, a rebuild refuses it again). Now it is applied, as recorded at its publication:
    a forged future time hides no fact until then, a skewed clock loses nothing."""
    good = REGISTERED.model_dump(mode="json")
    envelope = _envelope(good)
    published = in_utc(envelope.recorded_at)
    assert recorded_as_published(envelope, published) is None
    assert recorded_as_published(envelope, published - timedelta(seconds=5)) is None  # skew
    # A relay catching up publishes long after: the recorded time stands.
    assert recorded_as_published(envelope, published + timedelta(days=400)) is None
    early = published - timedelta(seconds=6)
    assert recorded_as_published(envelope, early) == early
    naive = replace(envelope, recorded_at=envelope.recorded_at.replace(tzinfo=None))
    assert recorded_as_published(naive, early) == early

    ahead: Any = _Message(envelope)
    ahead.metadata = SimpleNamespace(timestamp=early)
    on_time = _envelope(good)
    messages: list[Any] = [ahead, _Message(on_time)]
    found = _decode(messages, "religion", religion)
    assert not found.refused and found.too_new is None
    applied = [e for _, e in found.applicable]
    assert applied == [replace(envelope, recorded_at=early), on_time]
    assert applied[0].event_key == str(envelope.event_id)
    assert [(msg, e.event_id, claimed) for msg, e, claimed in found.clamped] == [
        (ahead, envelope.event_id, early)]


def test_the_publication_read_from_the_ack_subject_decides_as_the_metadata_does(
    religion: EventContract,
) -> None:
    """`_decode` reads a message's publication from its ack subject's nanoseconds
    (`recorded_stands`) and makes nats-py's metadata only near or past the bound (issue 20):
    on either side of the bound, to the nanosecond, on v1 and v2 ack subjects, it clamps
    exactly the envelopes `recorded_as_published` clamps by the metadata's timestamp."""
    good = REGISTERED.model_dump(mode="json")
    envelope = _envelope(good)
    recorded_ns = int(in_utc(envelope.recorded_at).timestamp()) * 10**9
    bound_ns = recorded_ns - 5 * 10**9  # published then, recorded_at is just within the skew
    for offset in (-10**9, -1_001, -1_000, -999, -1, 0, 1, 999, 1_000, 1_001, 10**9):
        stamp = bound_ns + offset
        for reply in (f"$JS.ACK.S.C.1.7.7.{stamp}.0",
                      f"$JS.ACK.dom.acct.S.C.1.7.7.{stamp}.0.tok"):
            msg = Msg(cast(Client, None), subject="x", reply=reply,
                      data=envelope.to_json())
            expected = recorded_as_published(envelope, msg.metadata.timestamp)
            msg._metadata = None  # made afresh if `_decode` asks
            found = _decode([msg], "religion", religion)
            assert [claimed for _, _, claimed in found.clamped] == (
                [expected] if expected else []), (offset, reply)
            assert recorded_stands(envelope, stamp) <= (expected is None)
    # Far from the bound the metadata is not made at all.
    msg = Msg(cast(Client, None), subject="x", reply=f"$JS.ACK.S.C.1.7.7.{recorded_ns}.0",
              data=envelope.to_json())
    assert _decode([msg], "religion", religion).applicable and msg._metadata is None


def test_a_field_the_contract_lacks_at_a_known_version_is_held_not_refused(
    religion: EventContract,
) -> None:
    """A publisher that added an optional field without a new schema version (as
    ReportFinalised's `later_facts_acknowledged` was) is a class newer than the consumer's
    contract: dead-lettered, its events would be lost to the figures for good; they are held
    for the consumer's upgrade as a newer version is (RV6). A nested field the class lacks
    stays a refusal: no version of a publisher writes one."""
    good = REGISTERED.model_dump(mode="json")
    newer = _envelope({**good, "note": "x", "area_unit": "m2"})
    with pytest.raises(SchemaTooNew) as held:
        religion.check(newer)
    assert (held.value.code, held.value.fields) == (TOO_NEW, ("area_unit", "note"))
    assert (held.value.version, held.value.known) == (1, 1)
    assert "area_unit, note" in held.value.message
    assert "không bỏ qua sự kiện nào" in held.value.message
    messages: list[Any] = [_Message(newer), _Message(_envelope(good))]
    found = _decode(messages, "religion", religion)
    assert found.too_new is not None and len(found.held) == 2 and not found.refused
