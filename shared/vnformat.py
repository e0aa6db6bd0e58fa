"""Numbers as Vietnamese documents write them: 1.234,56 (thousands with dots, decimals with a
comma). Every text a person reads that holds a count or a figure uses this one rule."""

from __future__ import annotations


def format_number_vn(value: float | int, decimals: int = 2) -> str:
    """A whole number without decimals (10.011), any other with `decimals` of them (45,50)."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
