"""Every documented example of a command of the indicators service is one the service accepts
(finding K6): a generated client's first call, or Swagger's "Try it out", sends the example of
`/openapi.json` as it is. In a fresh store, with the documented prerequisites made first (the
plan loaded, a model registered before it is recognised, a report submitted before it is
returned), each command route's example body is sent unchanged, except a field naming a
record the service numbered itself (a model's id), and must be answered 2xx. Every command
route with a JSON example is sent, so a new route or an edited example cannot drift. SQLite
and PostgreSQL. The other services' examples: tests/<service>/test_documented_examples.py,
on tests/apidocs/commandexamples.py."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.indicators.app import create_app
from shared.settings import Settings
from tests.apidocs.commandexamples import NOT_SENT, command_examples


@pytest.fixture
def client(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_factory("indicators"))) as test_client:
        yield test_client


#: The command routes in the order their prerequisites need: the path's values beyond
#: VALUES ("{model_id}", "{entry_id}", "{inspection_id}", "{prefix}": the ids the service
#: gave), and the example's fields that name a record the service numbered (replaced by that
#: record's id).
STEPS: tuple[tuple[str, str, dict[str, str], dict[str, str]], ...] = (
    ("POST", "/api/v1/units/successions", {}, {}),
    # The succession the example above recorded (11308), corrected.
    ("POST", "/api/v1/units/successions/{code}/corrections", {"code": "11308"}, {}),
    ("POST", "/api/v1/models", {}, {}),
    ("POST", "/api/v1/models/{model_id}/recognise", {}, {}),
    ("POST", "/api/v1/contests/{year}/entries", {}, {"model_id": "model_id"}),
    ("POST", "/api/v1/contests/{year}/entries/{entry_id}/award", {}, {}),
    ("POST", "/api/v1/models/{model_id}/registration/corrections", {}, {}),
    ("POST", "/api/v1/models/{model_id}/close", {}, {}),
    ("POST", "/api/v1/indicators", {}, {}),
    # A figure the units report: an indicator defined "reported" (I1's is computed).
    ("POST", "/api/v1/indicators/{year}/{indicator_id}/reported-figures",
     {"indicator_id": "I9"}, {}),
    ("POST", "/api/v1/plans/{year}/document", {}, {}),
    # The item's responsible party is one of the loaded plan's, named or not by the next.
    ("POST", "/api/v1/plans/{year}/items", {}, {}),
    ("POST", "/api/v1/plans/{year}/parties", {}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/progress", {}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/reopen", {}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/amend", {}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/inspections", {"number": "III.3"}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/inspections/{inspection_id}/carry-out",
     {"number": "III.3"}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/inspections/{inspection_id}/conclude",
     {"number": "III.3"}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/inspections/{inspection_id}/follow-up",
     {"number": "III.3"}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/inspections/{inspection_id}/cancel",
     {"number": "III.3"}, {}),
    ("POST", "/api/v1/plans/{year}/items/{number}/withdraw", {}, {}),
    ("POST", "/api/v1/reporting-duties/{period_id}/deadline", {}, {}),
    ("POST", "/api/v1/reporting-duties/{period_id}/districts/{district_code}/submit", {}, {}),
    ("POST", "/api/v1/reporting-duties/{period_id}/districts/{district_code}/return", {}, {}),
    ("POST", "/api/v1/admin/api-keys", {}, {}),
    ("POST", "/api/v1/admin/api-keys/{prefix}/rotate", {}, {}),
    ("POST", "/api/v1/admin/api-keys/{prefix}/revoke", {}, {}),
)
VALUES = {"year": "2023", "indicator_id": "I1", "number": "II.9", "period_id": "2023-6m",
          "district_code": "315"}
#: Documented in the operations' own texts and not an example's to make: the year's plan
#: loaded, an indicator the units report, a done item to reopen.
PREREQUISITES: dict[str, tuple[str, dict[str, Any]]] = {
    "/api/v1/plans/{year}/document": ("/api/v1/plans/2023/load", {}),
    "/api/v1/indicators/{year}/{indicator_id}/reported-figures": (
        "/api/v1/indicators", {"indicator_id": "I9", "year": 2023, "method": "reported",
                               "name": "Tỷ lệ cơ sở báo cáo", "target": 50}),
    "/api/v1/plans/{year}/items/{number}/reopen": (
        "/api/v1/plans/2023/items/II.9/progress",
        {"reported_on": "2023-06-20", "result": "Hoàn thành", "done": True}),
}


def test_every_documented_command_example_is_accepted(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    examples = command_examples(document)
    values = dict(VALUES)
    sent: set[tuple[str, str]] = set()
    refused: list[str] = []
    for method, template, path_values, references in STEPS:
        if template in PREREQUISITES:
            url, prerequisite = PREREQUISITES[template]
            response = client.post(url, json=prerequisite)
            if response.status_code not in (200, 201):
                refused.append(f"{template}: prerequisite POST {url} {response.status_code} "
                               f"{response.text}")
                continue
        if template.endswith("/inspections/{inspection_id}/cancel") and \
                "inspection_id" in values:
            # A concluded inspection cannot be cancelled: the example cancels another one.
            values["inspection_id"] = _planned_inspection(client, examples,
                                                          {**values, **path_values})
        body = copy.deepcopy(examples[(method, template)])
        try:
            for field, name in references.items():
                body[field] = values[name]
            path = template.format(**{**values, **path_values})
        except KeyError as missing:
            refused.append(f"{method} {template}: not sent, no {missing} (refused before)")
            continue
        response = client.request(method, path, json=body, headers=_if_match(client, path, body))
        sent.add((method, template))
        if not 200 <= response.status_code < 300:
            refused.append(f"{method} {path} {body}: {response.status_code} {response.text}")
            continue
        _remember(values, template, response)
    assert not refused, "documented examples refused:\n" + "\n".join(refused)
    unsent = set(examples) - sent - NOT_SENT
    assert not unsent, f"command examples never sent: {sorted(unsent)}"


def _if_match(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, str]:
    """The ETag of the record a command overwrites (428 without: documented): a correction's
    record (`/models/{id}`, `/units/successions/{code}`), an indicator already defined (the
    plan's I1-I4 are)."""
    if path.endswith("/corrections"):  # a model's registration, a unit's succession
        record = path.removesuffix("/corrections").removesuffix("/registration")
    elif path == "/api/v1/indicators":
        record = f"/api/v1/indicators/{body['year']}/{body['indicator_id']}"
    else:
        return {}
    read = client.get(record)
    if read.status_code == 404:
        return {}
    return {"If-Match": read.headers["etag"]}


def _remember(values: dict[str, str], template: str, response: Any) -> None:
    answer = response.json() if response.content else {}
    if template == "/api/v1/models":
        values["model_id"] = answer["aggregate_id"]
    elif template == "/api/v1/contests/{year}/entries":
        values["entry_id"] = answer.get("entry_id") or answer["aggregate_id"]
    elif template.endswith("/inspections"):
        values["inspection_id"] = answer.get("inspection_id") or answer["aggregate_id"]
    elif template == "/api/v1/admin/api-keys":
        values["prefix"] = answer["prefix"]


def _planned_inspection(client: TestClient, examples: dict[tuple[str, str], dict[str, Any]],
                        values: dict[str, str]) -> str:
    template = "/api/v1/plans/{year}/items/{number}/inspections"
    response = client.post(template.format(**values), json=examples[("POST", template)])
    assert response.status_code == 201, response.text
    inspection_id: str = response.json().get("inspection_id") or response.json()["aggregate_id"]
    return inspection_id
