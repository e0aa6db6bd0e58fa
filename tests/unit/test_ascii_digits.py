"""Numbers and dates typed in a spreadsheet are read in ASCII digits only, as the JSON API
reads them (finding M3): `\\d`, `int()` and `float()` take any script's digits."""

from __future__ import annotations

import pytest

from services.religion.application.importing import _BadCell, parse_commune, parse_date
from shared.safecells import formula_like
from shared.vnformat import NumberUnreadable, parse_number

OTHER_SCRIPTS = ["١٢٣٤", "१२३,५", "１２３", "1.２３4", "٣٠", "1,٢٣٤.5"]


@pytest.mark.parametrize("text", OTHER_SCRIPTS)
def test_another_scripts_digits_are_no_number_and_are_echoed_as_typed(text: str) -> None:
    with pytest.raises(NumberUnreadable) as refused:
        parse_number(text)
    assert refused.value.code == "INVALID_VALUE"
    assert f"«{text}»" in refused.value.message


def test_ascii_digits_are_still_read() -> None:
    assert parse_number("1234") == 1234.0
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("123,5") == 123.5


@pytest.mark.parametrize("text", ["٠١/٠٤/٢٠٢٥", "０１/０４/２０２５"])
def test_the_register_import_reads_no_date_in_another_script(text: str) -> None:
    with pytest.raises(_BadCell) as refused:
        parse_date(text)
    assert text in str(refused.value)


@pytest.mark.parametrize("text", ["١١٧٥٥", "１１７５５", "٣٠"])
def test_the_register_import_reads_no_commune_code_in_another_script(text: str) -> None:
    with pytest.raises(_BadCell) as refused:
        parse_commune(text)
    assert f"«{text}»" in str(refused.value)


def test_a_signed_number_in_another_script_is_guarded_as_a_formula() -> None:
    assert formula_like("-٣٠") and formula_like("+１２３")
    assert not formula_like("-30")
