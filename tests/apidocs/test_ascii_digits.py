"""Codes and ids are written in ASCII digits. A pattern's `\\d` (Python's and pydantic's alike)
also takes other scripts' digits, which int() reads as numbers: "２０２３-6m" once named a
second 2023-6m, and finalising it wrote a second ReportFinalised before answering 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from shared.adminunits.model import level_of_code
from shared.conferencedates import InvalidPeriodId, parse_period_id
from tests.auth.conftest import Idp, Services, site_body
from tests.conftest import SQLITE_ONLY
from tests.integration.helpers import event_count

SERVICES = ("religion", "dialogue", "indicators", "reporting")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
#: Values some pattern of the four documents accepts, each with digits to turn full width.
SAMPLES = ("31", "315", "11755", "VN", "2023-6m", "2023", "II.2.1", "II.2.1.a", "2023-03-01",
           "2023-03-01T17:00:00+07:00", "TL-001", "M-2023-001", "abcdef12", "CS 09999",
           "0b6f4f5e-3c1a-4d2b-9a8e-7f1c2d3e4a5b", "KT-2023-1")


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


@SQLITE_ONLY
@pytest.mark.parametrize("service", SERVICES)
def test_no_pattern_of_the_api_takes_full_width_digits(services: Services, service: str) -> None:
    document = services[service].get("/openapi.json").json()
    checked = 0
    for pattern in set(_patterns(document)):
        for sample in SAMPLES:
            if re.search(pattern, sample) and any(c.isdigit() for c in sample):
                checked += 1
                assert not re.search(pattern, sample.translate(FULL_WIDTH)), (pattern, sample)
    assert checked >= 3, "the samples meet the document's patterns: the check checks something"


def test_the_kernel_reads_no_full_width_code() -> None:
    assert parse_period_id("2023-6m") == (2023, 6)
    with pytest.raises(InvalidPeriodId):
        parse_period_id("２０２３-6m")
    assert level_of_code("11755") == "commune"
    with pytest.raises(ValueError, match="not a national"):
        level_of_code("１１７５５")


def test_a_full_width_period_or_commune_is_refused_and_writes_nothing(
    services: Services, idp: Idp,
) -> None:
    reporting, religion = services["reporting"], services["religion"]
    headers = idp.headers("city_staff")
    assert reporting.post("/api/v1/reports/2023-6m/finalise", json={"scope": "31"},
                          headers=headers).status_code == 201
    written = event_count(reporting)
    again = reporting.post("/api/v1/reports/２０２３-6m/finalise", json={"scope": "31"},
                           headers=headers)
    assert again.status_code == 422, again.text
    assert event_count(reporting) == written
    read = reporting.get("/api/v1/reports/２０２３-6m", headers=headers)
    assert read.status_code == 422
    assert read.json()["error"]["code"] in {"INVALID_PERIOD", "VALIDATION_ERROR"}

    refused = religion.post("/api/v1/sites", json=site_body("TL-FW", "１１７５５"),
                            headers=headers)
    assert refused.status_code == 422, refused.text
    assert event_count(religion) == 0
    assert religion.get("/api/v1/sites?commune=１１７５５", headers=headers).status_code == 422
