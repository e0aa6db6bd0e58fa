"""The fuzz gate: schemathesis against every service's own OpenAPI document.

Each operation of each service gets requests generated from its documented parameters and
bodies, valid ones and invalid ones, sent with a city-level token to the service running
with AUTH_MODE=required on PostgreSQL. The gate fails on any 5xx and on any response the
document does not describe (status code, content type, headers, body schema).

Bounded and seeded: FUZZ_EXAMPLES examples per operation and generation mode (default 8)
under one fixed seed, so a failure is reproducible by running the same test again;
FUZZ_SEED picks another seed for a longer hunt. Every failure is collected, not just the
first, and the totals (operations, cases, failures) are printed and, with FUZZ_REPORT set,
appended to that file as one JSON line per service.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.openapi import SPREADSHEET_TYPES
from tests.auth.conftest import Idp
from tests.fuzz.conftest import CITY_ADMIN

SERVICES = ("religion", "dialogue", "indicators", "reporting")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@schemathesis.serializer(*SPREADSHEET_TYPES)
def _uploaded_file(_: Any, value: Any) -> bytes:
    """An upload's file part as the document types it (a spreadsheet): schemathesis knows no
    spreadsheet encoding, so the generated value goes as its bytes (a text as UTF-8, anything
    else as JSON) and the service must refuse it with a documented 4xx."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value, default=str).encode()


@dataclass
class Totals:
    service: str
    operations: int = 0
    cases: int = 0
    failures: dict[str, set[str]] = field(default_factory=dict)

    @property
    def failure_count(self) -> int:
        return sum(len(found) for found in self.failures.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service, "operations": self.operations, "cases": self.cases,
            "failures": self.failure_count, "examples": EXAMPLES, "seed": SEED,
            "failing_operations": {k: sorted(v) for k, v in sorted(self.failures.items())},
        }


def _summary(exc: BaseException) -> str:
    """One line per distinct failure: which check, which status, what was wrong."""
    inner = getattr(exc, "exceptions", None)
    if inner:
        return " | ".join(sorted({_summary(e) for e in inner}))
    title = getattr(exc, "title", None) or type(exc).__name__
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = next((line for line in lines if line != title), "")
    return f"{title}: {detail}"[:300]


def fuzz_service(app: FastAPI, auth: dict[str, str], totals: Totals) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    for result in schema.get_all_operations():
        # An operation schemathesis cannot read is a broken document: the gate fails on it.
        assert isinstance(result, Ok), f"OpenAPI không đọc được: {result.err()}"
        operation = result.ok()
        totals.operations += 1
        for mode in MODES:
            _fuzz_operation(operation, mode, auth, totals)


def _fuzz_operation(
    operation: Any, mode: GenerationMode, auth: dict[str, str], totals: Totals
) -> None:
    found = totals.failures.setdefault(operation.label, set())

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        totals.cases += 1
        try:
            case.call_and_validate(headers=auth, checks=CHECKS)
        except (Exception, FailureGroup) as exc:  # all are collected; the gate judges them
            found.add(f"[{mode.value}] {_summary(exc)}")

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid request to make.
        assert mode is GenerationMode.NEGATIVE, operation.label
    if not found:
        del totals.failures[operation.label]


@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_every_response_documented(
    service: str, fuzzed_app: Callable[[str], FastAPI], idp: Idp
) -> None:
    totals = Totals(service)
    auth = idp.headers(CITY_ADMIN, expires_in=timedelta(hours=2))
    fuzz_service(fuzzed_app(service), auth, totals)
    report = totals.as_dict()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a", encoding="utf-8") as out:
            out.write(json.dumps(report, ensure_ascii=False) + "\n")
    assert totals.operations > 0 and totals.cases >= totals.operations
    assert not totals.failures, json.dumps(report["failing_operations"], ensure_ascii=False)
