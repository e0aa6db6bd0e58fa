"""Sending a service's documented command examples as a partner would (finding K6, extended to
the four services): a generated client's first call, or Swagger's "Try it out", sends the
example of `/openapi.json` as it is. Each service's test lists its command routes in the
order their prerequisites need (`Step`), and every command route with a JSON example must be
sent, so a new route or an edited example cannot drift."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

COMMANDS = ("post", "put", "patch", "delete")
#: The kernel's dev-token route answers only where AUTH_MODE allows it (its own tests).
NOT_SENT = frozenset({("POST", "/api/v1/auth/dev-token")})


def command_examples(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path template) -> the documented JSON example of every command route."""
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in COMMANDS and media is not None and "example" in media:
                found[(method.upper(), path)] = media["example"]
    return found


Body = dict[str, Any] | Callable[[dict[str, str]], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One command route's example, sent as documented but for the record ids the service
    gave: `path` the path's values beyond the run's, `references` the example's fields that
    name a record the service numbered (field -> the run's value; a list field gets a list of
    it), `etag` the record whose ETag the command needs in If-Match (a path template),
    `remember` the answer's fields the next steps name (the run's value -> answer field).
    An ETag of a part of the record is read from its body (`etag_field`: `dossier_version`)."""

    method: str
    template: str
    path: Mapping[str, str] = field(default_factory=dict)
    references: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    etag_field: str | None = None
    remember: Mapping[str, str] = field(default_factory=dict)
    #: Made first: what the route's own text says must exist, not an example's to make (POST
    #: path, body or its maker from the run's values, answer fields to remember).
    before: Sequence[tuple[str, Body, Mapping[str, str]]] = ()


def send_examples(
    client: TestClient, steps: Sequence[Step], values: dict[str, str],
    headers: Callable[[str], dict[str, str]] = lambda _: {},
) -> list[str]:
    """Sends each step's example in order; the refusals (nothing when every one was 2xx), and
    the command examples of the document no step sent."""
    examples = command_examples(client.get("/openapi.json").json())
    sent: set[tuple[str, str]] = set()
    refused: list[str] = []
    for step in steps:
        try:
            for url, prerequisite, remember in step.before:
                made = prerequisite(values) if callable(prerequisite) else prerequisite
                response = client.post(url.format(**values), json=made, headers=headers(url))
                if response.status_code not in (200, 201):
                    raise _Refused(f"{step.template}: prerequisite POST {url} "
                                   f"{response.status_code} {response.text}")
                _remember(values, remember, response)
            body = copy.deepcopy(examples[(step.method, step.template)])
            for name, value in step.references.items():
                body[name] = [values[value]] if isinstance(body[name], list) else values[value]
            path = step.template.format(**{**values, **step.path})
            sent_headers = headers(step.template)
            if step.etag is not None:
                read = client.get(step.etag.format(**{**values, **step.path}))
                tag = (read.headers["etag"] if step.etag_field is None
                       else f'"{read.json()[step.etag_field]}"')
                sent_headers = {**sent_headers, "If-Match": tag}
        except KeyError as missing:
            refused.append(f"{step.method} {step.template}: not sent, no {missing} "
                           "(refused before)")
            continue
        except _Refused as prerequisite_refused:
            refused.append(str(prerequisite_refused))
            continue
        response = client.request(step.method, path, json=body, headers=sent_headers)
        sent.add((step.method, step.template))
        if not 200 <= response.status_code < 300:
            refused.append(f"{step.method} {path} {body}: {response.status_code} "
                           f"{response.text}")
            continue
        _remember(values, step.remember, response)
    unsent = set(examples) - sent - NOT_SENT
    if unsent:
        refused.append(f"command examples never sent: {sorted(unsent)}")
    return refused


class _Refused(Exception):
    pass


def _remember(values: dict[str, str], remember: Mapping[str, str], response: Any) -> None:
    answer = response.json() if response.content else {}
    for value, name in remember.items():
        found = answer[name]
        values[value] = found[0] if isinstance(found, list) else found
