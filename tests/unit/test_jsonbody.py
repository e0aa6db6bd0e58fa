"""The one parse of a JSON body (shared/jsonbody.py, finding O1)."""

from __future__ import annotations

import json

import pytest

from shared.jsonbody import DuplicateKey, parse_json_body


@pytest.mark.parametrize(("text", "key"), [
    ('{"code": "TL-016", "code": "TL-017"}', "code"),
    ('{"a": {"b": 1, "c": 2, "b": 1}}', "b"),
    ('[{"x": 1}, {"y": 1, "y": 1}]', "y"),
])
def test_a_key_given_twice_in_one_object_is_refused(text: str, key: str) -> None:
    with pytest.raises(DuplicateKey) as refused:
        parse_json_body(text)
    assert refused.value.key == key


def test_anything_else_reads_as_json_loads_reads_it() -> None:
    for text in ('{"a": {"b": 1}, "b": {"a": 2}}', '[1, "x", null, {"k": [{"k": 1}]}]',
                 '{"n": NaN}', '"chuỗi"', "{}"):
        assert json.dumps(parse_json_body(text)) == json.dumps(json.loads(text))
