"""Every request body is documented for a partner: each field has a Vietnamese title and
description, each JSON body a realistic example that its own schema accepts and that the
service accepts too, as far as authorisation: sent by a credential lacking the operation's
documented scope, the example gets the 403 naming that scope, not a 422; each file upload
says what file to send, with an example file the import reads (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from shared.auth.principal import SCOPES
from tests.auth.conftest import ROLES, Idp, Role, Services
from tests.conftest import SQLITE_ONLY

SERVICES = ("religion", "dialogue", "indicators", "reporting")
UUID = "0b6f4f5e-3c1a-4d2b-9a8e-7f1c2d3e4a5b"
#: A value of each path parameter that its pattern accepts (the probe stops at the scope).
PATH_VALUES = {
    "site_code": "TL-001", "action": "lodge", "case_id": UUID,
    "head_id": UUID, "session_id": UUID, "commitment_id": UUID, "issue_id": UUID,
    "model_id": "M-2023-001", "entry_id": "E-2023-001", "year": "2023", "indicator_id": "I1",
    "period_id": "2023-3m", "prefix": "abcdef12", "code": "315", "unit_code": "315",
    "theme": "ton-giao", "number": "II.1", "inspection_id": "KT-2023-1",
    "district_code": "315", "event_id": UUID,
}


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def _resolved(document: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return _resolved(document, document["components"]["schemas"][ref.rsplit("/", 1)[1]])
        return {k: _resolved(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolved(document, v) for v in node]
    return node


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_every_body_field_is_described_and_every_json_body_has_a_valid_example(
    services: Services, service: str
) -> None:
    document = services[service].get("/openapi.json").json()
    bodies = uploads = 0
    for path, method, operation in _operations(document):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            label = f"{method} {path} {media_type}"
            schema = _resolved(document, media["schema"])
            for name, prop in schema.get("properties", {}).items():
                assert prop.get("description"), f"{label}: {name} has no description"
            if media_type == "multipart/form-data":
                uploads += 1
                # What file to send: said in words, by its types, and by a small example.
                assert operation["requestBody"].get("description"), label
                assert media["encoding"]["file"]["contentType"], label
                assert set(media["example"]) == {"file"}, label
                assert media["example"]["file"].count("\n") >= 2, label  # header and a row
                continue
            bodies += 1
            example = media.get("example")
            assert example, f"{label} has no example"
            assert schema["examples"] == [example], label
            jsonschema.Draft202012Validator(schema).validate(example)
    assert bodies >= 2
    assert uploads == UPLOADS.get(service, 0), uploads


#: How many file uploads each service reads (the services' imports).
UPLOADS = {"religion": 1, "dialogue": 1}


@pytest.mark.parametrize("service", sorted(UPLOADS))
def test_each_upload_example_is_a_file_the_import_reads(
    services: Services, idp: Idp, service: str
) -> None:
    """The example file, uploaded for a dry run, is read row by row: its columns and values
    are understood (a row may still be refused for what it names, e.g. an unknown record)."""
    client = services[service]
    document = client.get("/openapi.json").json()
    tried = 0
    for path, method, operation in _operations(document):
        media = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        if media is None:
            continue
        content = media["example"]["file"].encode("utf-8")
        response = client.request(
            method, path, params={"dry_run": "true"},
            files={"file": ("vi-du.csv", content, "text/csv")},
            headers=idp.headers(ROLES["city_staff"]),
        )
        assert response.status_code in (200, 422), (path, response.text)
        body = response.json()
        report = body.get("error", {}).get("details", body)
        rows = content.decode().strip().count("\n")
        # The two imports' reports name their count of rows differently.
        assert report.get("rows", report.get("total_rows")) == rows, (path, report)
        assert not report.get("ignored_columns"), (path, report)
        understood = {e["code"] for e in report["errors"]} - NAMES_NOTHING_HERE
        assert not understood, (path, report["errors"])
        tried += 1
    assert tried == UPLOADS[service]


#: A row refused only for naming a record this empty database does not have.
NAMES_NOTHING_HERE = {"COMMITMENT_NOT_FOUND"}


def _without(scope: str) -> tuple[str, ...]:
    return tuple(s for s in SCOPES if s != scope)


@pytest.mark.parametrize("service", SERVICES)
def test_each_example_reaches_the_handler_which_asks_for_the_documented_scope(
    services: Services, idp: Idp, service: str
) -> None:
    client = services[service]
    document = client.get("/openapi.json").json()
    probed = 0
    for path, method, operation in _operations(document):
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        scope = operation.get("x-required-scope")
        if method == "GET" or scope is None:
            continue
        if media is None and "requestBody" in operation:
            continue  # a file upload: its refusals are the import tests'
        # A compliance case's actions are not a dossier's.
        url = path.replace("{case_id}/{action}", f"{UUID}/start-review")
        for name, value in PATH_VALUES.items():
            url = url.replace("{" + name + "}", value)
        assert "{" not in url, f"no probe value for a parameter of {path}"
        role = Role("sans.scope", _without(scope), "31", "Thử quyền")
        body = media["example"] if media else None
        # An If-Match: the operations that require one answer 428 without it.
        headers = idp.headers(role) | {"If-Match": "\"1\""}
        response = client.request(method, url, json=body, headers=headers)
        label = f"{method} {path}"
        error = response.json()["error"]
        # The scope is checked before anything is looked up: nothing here exists.
        assert response.status_code == 403, (label, response.text)
        assert error["code"] == "MISSING_SCOPE", (label, error)
        assert error["details"]["required_scope"] == scope, label
        probed += 1
    assert probed >= 2


@SQLITE_ONLY
def test_the_site_import_documents_its_201_when_it_writes(services: Services) -> None:
    """The import answers 201 when it registered new sites, 200 for a dry run or nothing new."""
    document = services["religion"].get("/openapi.json").json()
    responses = document["paths"]["/api/v1/sites/import"]["post"]["responses"]
    assert {"200", "201", "422"} <= set(responses)
    assert responses["201"]["description"]
