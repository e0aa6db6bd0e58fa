"""The request guard's test for control characters is Unicode's category Cc, code point by
code point (it is a regular expression over the Cc ranges, not a lookup per character)."""

from __future__ import annotations

import sys
import unicodedata
from urllib.parse import quote

from shared.requestguard import has_control_character, refused_parameters
from shared.validation import BIDI_CONTROL_CHARACTERS, INVISIBLE_CHARACTERS


def test_a_control_character_is_exactly_a_code_point_of_category_cc() -> None:
    wrong = [
        hex(point) for point in range(sys.maxunicode + 1)
        if has_control_character(chr(point)) != (unicodedata.category(chr(point)) == "Cc")
    ]
    assert not wrong


def test_found_anywhere_in_a_text() -> None:
    assert has_control_character("tien lang\x00")
    assert has_control_character("\x85chua")
    assert not has_control_character("Tiên Lãng \u200b")


def test_the_bodys_bidi_controls_and_invisible_characters_are_refused_in_a_parameter() -> None:
    """One set of characters each, shared.validation's (finding O2)."""
    for ch in BIDI_CONTROL_CHARACTERS:
        scope = {"path": f"/a/b{ch}c", "query_string": quote(f"q=x{ch}", safe="=").encode()}
        assert [d["code"] for d in refused_parameters(scope)] == ["BIDI_CONTROLS"] * 2, hex(ord(ch))
    for ch in INVISIBLE_CHARACTERS:
        scope = {"path": f"/a/b{ch}c", "query_string": quote(f"q=x{ch}", safe="=").encode()}
        codes = [d["code"] for d in refused_parameters(scope)]
        assert codes == ["INVISIBLE_CHARACTERS"] * 2, hex(ord(ch))
    assert refused_parameters({"path": "/api/v1/sites/Chùa", "query_string":
                               quote("q=Tiên Lãng مسجد", safe="=").encode()}) == []
