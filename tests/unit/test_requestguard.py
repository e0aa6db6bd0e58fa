"""The request guard's test for control characters is Unicode's category Cc, code point by
code point (it is a regular expression over the Cc ranges, not a lookup per character)."""

from __future__ import annotations

import sys
import unicodedata

from shared.requestguard import has_control_character


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
