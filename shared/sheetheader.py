"""The header row of an uploaded sheet, as every import of the system checks it: CSV and .xlsx
alike (shared/csvupload.py, shared/xlsxguard.py read them).

One field named by two columns of the header (a title written twice, or beside an alias:
«Tên cơ sở» in B and «Tên cơ sở tôn giáo» in F) is refused whole by both imports: reading
either column dropped the other's values without a word (examiner-hostile). The check and
the naming of the columns are here; each import words the refusal for its own header and
gives its own details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from shared import messages
from shared.validation import echoed


@dataclass(frozen=True)
class RepeatedColumn:
    """A field of the import named by several columns of the header: `columns` their
    0-based positions, left to right, `titles` the headers as written there."""

    field: str
    columns: tuple[int, ...]
    titles: tuple[str, ...]

    @property
    def letters(self) -> list[str]:
        """The columns as the spreadsheet program names them (B, F)."""
        return [get_column_letter(index + 1) for index in self.columns]

    @property
    def found(self) -> str:
        """The columns as a refusal names them: «title» ở cột B, «title» ở cột F (the titles
        as sent, but echoed)."""
        return ", ".join(
            messages.COLUMN_AT.format(title=echoed(title), letter=letter)
            for title, letter in zip(self.titles, self.letters, strict=True))


def repeated_column(header: Iterable[tuple[int, str, str]]) -> RepeatedColumn | None:
    """The first field (in the order the header first names them) that more than one column
    names, with all its columns; None when each field has one column. `header`: the columns
    the import reads, as (0-based position, field, title as written), left to right."""
    columns: dict[str, list[tuple[int, str]]] = {}
    for index, field, title in header:
        columns.setdefault(field, []).append((index, title))
    for field, found in columns.items():
        if len(found) > 1:
            return RepeatedColumn(field, tuple(i for i, _ in found), tuple(t for _, t in found))
    return None
