from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from shared.validation import Name, ShortText, vietnamese_errors


class Form(BaseModel):
    name: Name
    note: ShortText = ""


def test_text_is_normalised_to_nfc_and_trimmed() -> None:
    decomposed = "Tie\u0302n La\u0303ng "
    assert Form(name=decomposed).name == "Tiên Lãng"


@pytest.mark.parametrize("bad", ["Chùa\x00", "a\x07b", "\x1b[31m"])
def test_control_characters_are_refused_in_vietnamese(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Form(name=bad)
    errors = vietnamese_errors(info.value.errors())
    assert errors[0]["code"] == "CONTROL_CHARACTERS"
    assert "ký tự điều khiển" in errors[0]["message"]


def test_messages_name_the_field_and_the_limit() -> None:
    with pytest.raises(ValidationError) as info:
        Form(name="x" * 301)
    (error,) = vietnamese_errors(info.value.errors())
    assert error == {
        "field": "name",
        "code": "STRING_TOO_LONG",
        "message": "Chuỗi quá dài (tối đa 300 ký tự)",
    }


def test_blank_name_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Form(name="   ")
    assert vietnamese_errors(info.value.errors())[0]["code"] == "BLANK"
