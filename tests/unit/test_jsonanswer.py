"""The JSON of the hot answers (shared/jsonanswer.py) is the JSON Starlette writes: the same
bytes for what a command's answer and a refusal hold, and Starlette's own way for what orjson
refuses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.responses import JSONResponse

from shared.errors import error_body
from shared.jsonanswer import JSONAnswer
from shared.validation import VALIDATION_ERROR

ANSWERS: list[Any] = [
    {"aggregate_type": "ReligiousSite", "aggregate_id": "TL-01", "version": 1,
     "event_ids": ["0b6f7a1e-4c1d-4a51-9d1e-5c3f2b8a9d10"], "events": [], "state": None},
    error_body(*VALIDATION_ERROR, [{"field": "header.If-Match", "code": "STRING_TOO_LONG",
                                    "message": "Chuỗi quá dài (tối đa 64 ký tự)"}]),
    {"text": "Chùa «Phúc Lâm»\n\t\"trích\" \\ \u2028 😀", "n": [0, -1, 2**63 - 1, 1.5, 0.1, True]},
    [],
]


@pytest.mark.parametrize("content", ANSWERS)
def test_the_answer_is_the_json_starlette_writes(content: Any) -> None:
    assert JSONAnswer(content).body == JSONResponse(content).body


def test_what_orjson_refuses_is_written_as_starlette_writes_it() -> None:
    for content in ({1: "a", "b": 2}, {"big": 2**70}):
        assert JSONAnswer(content).body == JSONResponse(content).body

