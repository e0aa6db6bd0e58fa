"""Finding L7: a record id in a path is read in any case, as the body's is. A client may
choose a dialogue record's UUID (docs/api-conventions.md, "Ids"); written in upper case it
was accepted in the body (stored lower case) but every path with it was 404, and a religion
case id made by the server (`VV-…`) was 404 in lower case. The kernel's path types
(`shared.ids.RecordIdPath`, `UuidPath`) read one spelling; every service's path id uses them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from services.dialogue.apitexts import EXAMPLES
from shared.ids import RECORD_ID_PATTERN, UUID_PATTERN, record_id_key, uuid_key
from tests.auth.conftest import Idp, Services

SERVICES = ("religion", "dialogue", "indicators", "reporting")
ID_PATTERNS = {RECORD_ID_PATTERN: record_id_key, UUID_PATTERN: uuid_key}


def _routes(services: Services, service: str) -> list[Any]:
    """The service's routes as served (those included behind its guard too)."""
    app: FastAPI = services[service].app  # type: ignore[assignment]
    return [r for r in iter_route_contexts(app.routes)
            if getattr(r, "dependant", None) is not None]


def _pattern(field: Any) -> str | None:
    return next((m.pattern for m in field.field_info.metadata
                 if getattr(m, "pattern", None)), None)


def _readers(field: Any) -> set[Any]:
    return {getattr(m, "func", None) for m in field.field_info.metadata}


@pytest.mark.parametrize("service", SERVICES)
def test_every_path_id_that_may_be_a_uuid_is_read_in_one_spelling(
    services: Services, service: str
) -> None:
    """Walks the service's routes: a path parameter taking a record id or a UUID is read by
    the kernel's canonical spelling, whichever route declares it."""
    found = []
    for route in _routes(services, service):
        for field in route.dependant.path_params:
            pattern = _pattern(field)
            if pattern in ID_PATTERNS:
                found.append((route.path, field.name))
                assert ID_PATTERNS[pattern] in _readers(field), (route.path, field.name)
    if service == "dialogue":
        assert len(found) >= 17, found
    if service == "religion":
        assert {name for _, name in found} == {"case_id", "event_id"}, found


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def test_an_upper_case_id_reads_and_acts_on_its_record_in_every_path(
    services: Services, idp: Idp
) -> None:
    city = idp.headers("city_staff")
    dialogue, religion = services["dialogue"], services["religion"]
    head = _ok(dialogue.post("/api/v1/heads", json=EXAMPLES["TakeOffice"], headers=city),
               201)["head_id"]
    ids = {"head_id": head.upper(), "session_id": str(uuid4()).upper(),
           "issue_id": str(uuid4()).upper(), "commitment_id": str(uuid4()).upper()}
    session = ids["session_id"]
    _ok(dialogue.post("/api/v1/sessions", headers=city, json={
        **EXAMPLES["PlanSession"], "head_ids": [head], "session_id": session}), 201)
    _ok(dialogue.post(f"/api/v1/sessions/{session}/hold", headers=city,
                      json=EXAMPLES["HoldSession"]))
    _ok(dialogue.post(f"/api/v1/sessions/{session}/issues", headers=city, json={
        **EXAMPLES["RaiseIssue"], "issue_id": ids["issue_id"]}), 201)
    _ok(dialogue.post(f"/api/v1/sessions/{session}/commitments", headers=city, json={
        **EXAMPLES["MakeCommitment"], "commitment_id": ids["commitment_id"]}), 201)
    # Every dialogue route reading one record by its id, walked with the id in upper case.
    read = []
    for route in _routes(services, "dialogue"):
        names = [f.name for f in route.dependant.path_params]
        if "GET" in route.methods and names and set(names) <= ids.keys():
            path = route.path.format(**ids)
            response = dialogue.get(path, headers=city)
            assert response.status_code in (200, 403), (path, response.text)
            if response.status_code == 200:
                body = response.json()
                assert body.get(names[0]) in (None, ids[names[0]].lower()), (path, body)
            read.append(route.path)
    assert len(read) >= 4, read
    # Commands on them too, and the answer names the record as stored.
    progress = _ok(dialogue.post(f"/api/v1/commitments/{ids['commitment_id']}/progress",
                                 headers=city, json=EXAMPLES["UpdateProgress"]))
    assert progress["aggregate_id"] == ids["commitment_id"].lower()
    _ok(dialogue.post(f"/api/v1/sessions/{session}/report", headers=city,
                      json=EXAMPLES["FileReport"]))
    # A case id the server made (VV-…), in lower case.
    case = _ok(religion.post("/api/v1/compliance-cases", headers=city, json={
        "commune_code": "11755", "violation_type": "land_encroachment",
        "description": "Lấn chiếm đất", "detected_on": "2023-04-02"}), 201)["case_id"]
    assert case != case.lower()
    assert _ok(religion.get(f"/api/v1/compliance-cases/{case.lower()}",
                            headers=city))["case_id"] == case
