"""An uploaded CSV file as text, the way every import of the system reads one."""

from __future__ import annotations

import csv
import io
from collections import Counter

#: The separators a desk's spreadsheet program writes (comma, semicolon in a Vietnamese
#: locale, tab).
DELIMITERS = ",;\t"


class UnreadableText(ValueError):
    """The bytes are no CSV text: `reason` is "encoding" (neither UTF-8 nor Windows-1258) or
    "binary" (a NUL byte)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def csv_text(content: bytes) -> str:
    """UTF-8 with or without a byte order mark, else Windows-1258 (older Vietnamese Windows
    exports). NFC normalisation is the validation's business, not this one's."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1258")
        except UnicodeDecodeError as exc:
            raise UnreadableText("encoding") from exc
    if "\x00" in text:
        raise UnreadableText("binary")
    return text


#: How much of a file its dialect is guessed from: its first records, within its first
#: characters (one record may be a line of any length).
SAMPLE_RECORDS = 20
SAMPLE_CHARS = 64 * 1024


def csv_dialect(text: str) -> type[csv.Dialect]:
    """The separator the file's first records agree on, Excel's dialect otherwise (a double
    quote around a cell, doubled inside it). Each separator is tried with the csv module's
    own reading of the sample (a quoted «Thôn 7, xã Tiên Lãng» holds no separator); the one
    that splits the most records into the same number of cells wins, then the one splitting
    them into more cells, then the order of DELIMITERS. A title line without separators
    agrees with none. Cells after a separator and a space («a, b») are read without it.

    Linear in the sample, which is bounded: csv.Sniffer, used before, runs regular
    expressions that backtrack on a long line (72 KB: 43 s, quadratic) and on a line of
    quotes (610 bytes: 27 s, growing with the fourth power), all the while holding the
    interpreter's lock, so the whole service stood still (examiner H1)."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and (end := sample.rfind("\n")) > 0:
        sample = sample[:end]  # no record cut in two (but one of a quoted line break)
    best: tuple[int, int, int] | None = None
    found: tuple[str, bool] | None = None
    for preference, delimiter in enumerate(DELIMITERS):
        records = _records(sample, delimiter)
        cells = Counter(len(record) for record in records if len(record) > 1)
        if not cells:
            continue
        count, agreeing = cells.most_common(1)[0]
        rank = (agreeing, count, -preference)
        if best is None or rank > best:
            best = rank
            spaced = all(cell.startswith(" ") for record in records for cell in record[1:])
            found = delimiter, spaced
    return csv.excel if found is None else _excel_with(*found)


def _excel_with(separator: str, spaced: bool) -> type[csv.Dialect]:
    class Found(csv.excel):
        delimiter = separator
        skipinitialspace = spaced

    return Found


def _records(sample: str, delimiter: str) -> list[list[str]]:
    """The sample's first non-empty records read with `delimiter`, Excel's way otherwise."""
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), csv.excel,
                                 delimiter=delimiter):
            if record:
                records.append(record)
                if len(records) == SAMPLE_RECORDS:
                    break
    except csv.Error:  # what reads so far decides; the file's own reading reports the error
        pass
    return records
