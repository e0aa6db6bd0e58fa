"""Numbers as Vietnamese documents write them: 1.234,56 (thousands with dots, decimals with a
comma). Every text a person reads that holds a count or a figure uses this one rule, and every
import reads a number typed as text by `parse_number` below."""

from __future__ import annotations

import re

from shared import messages

#: Groups of three digits after a first group of one to three not starting with 0 (a "0,500"
#: or "0.500" is no thousands grouping in either way of writing). ASCII digits only: `\d`
#: also takes every other script's (Arabic-Indic «٣٠», full-width «１２３»), which `float()`
#: then reads, while the JSON API refuses them; no Vietnamese desk types them (finding M3).
_GROUPED = {sep: re.compile(rf"^[1-9][0-9]{{0,2}}(\{sep}[0-9]{{3}})+$") for sep in ".,"}
_DIGITS = re.compile(r"^[0-9]+$")
_SIGN = re.compile(r"^[+-]")


#: The decimals a number keeps when shown as it was typed (`decimals=None`): a float's binary
#: noise (0,555 × 100 = 55,50000000000001) lies beyond them.
TYPED_DECIMALS = 9


def format_number_vn(value: float | int, decimals: int | None = 2) -> str:
    """A whole number without decimals (10.011), any other with `decimals` of them (45,50);
    `decimals=None`: as many as it was typed with (55,5: a cell echoed back to its author)."""
    if decimals is None:
        value = round(float(value), TYPED_DECIMALS)
        decimals = len(f"{value:.{TYPED_DECIMALS}f}".rstrip("0").partition(".")[2])
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class NumberUnreadable(ValueError):
    """A text that is no number in either way of writing; `code` is the row error's code."""

    code = "INVALID_VALUE"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AmbiguousNumber(NumberUnreadable):
    """A text that is a number in both ways of writing, with two values (finding J22)."""

    code = "AMBIGUOUS_NUMBER"


def parse_number(text: str) -> float:
    """A number typed as text in a spreadsheet, read the one way that cannot misread it.

    Vietnamese writes 1.234,5 (thousands «.», decimals «,»); a sheet exported in an English
    locale writes 1,234.5. A text read only one way is read so: both marks (the last one is
    the decimal mark, the other must group thousands), a mark repeated (1.234.567, 1,234,567:
    thousands), a mark not followed by exactly three digits or after a first group of more
    than three (1250,5, 12.5, 0,500: decimals). A single mark followed by three digits after
    one to three (1,234 and 1.250) is both a decimal number and a thousand-odd one: refused
    AmbiguousNumber, naming both values, never guessed (the register read «1,234» m² as 1,234
    where the sheet meant 1234). Spaces (also non-breaking) group thousands too. A number
    cell needs none of this: it is a number."""
    raw = text
    text = text.strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    sign = ""
    if _SIGN.match(text):
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    marks = {mark for mark in ".," if mark in text}
    if len(marks) == 2:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        whole, _, fraction = text.rpartition(decimal)
        thousands = "." if decimal == "," else ","
        if not (_GROUPED[thousands].match(whole) and _DIGITS.match(fraction)):
            raise NumberUnreadable(messages.NUMBER_UNREADABLE.format(value=raw))
        return float(sign + whole.replace(thousands, "") + "." + fraction)
    if not marks:
        if not _DIGITS.match(text):
            raise NumberUnreadable(messages.NUMBER_UNREADABLE.format(value=raw))
        return float(sign + text)
    mark = marks.pop()
    if text.count(mark) > 1:
        if not _GROUPED[mark].match(text):
            raise NumberUnreadable(messages.NUMBER_UNREADABLE.format(value=raw))
        return float(sign + text.replace(mark, ""))
    whole, _, fraction = text.partition(mark)
    if not (_DIGITS.match(whole) and _DIGITS.match(fraction)):
        raise NumberUnreadable(messages.NUMBER_UNREADABLE.format(value=raw))
    as_decimal = float(f"{sign}{whole}.{fraction}")
    if _GROUPED[mark].match(text):
        as_thousands = float(sign + whole + fraction)
        raise AmbiguousNumber(messages.NUMBER_AMBIGUOUS.format(
            value=raw.strip(),
            decimal=format_number_vn(as_decimal, len(fraction)),
            thousands=format_number_vn(as_thousands),
        ))
    return as_decimal
