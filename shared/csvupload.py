"""An uploaded CSV file as text, the way every import of the system reads one."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator

#: The separators a desk's spreadsheet program writes (comma, semicolon in a Vietnamese
#: locale, tab).
DELIMITERS = ",;\t"


class UnreadableText(ValueError):
    """The bytes are no CSV text: `reason` is "encoding" (neither UTF-8 nor Windows-1258) or
    "binary" (a NUL byte)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: How much of an upload is decoded, checked or split into lines at once. Each of those is one
#: call into C that holds the interpreter's lock: done on a whole 50 MB file (the upload limit)
#: in the import's thread, the three stood the service's event loop still for about a second
#: (decoding 0.28 s, the NUL check 0.16 s, StringIO's copy 0.45 s), so every other request
#: of the service, /healthz too, waited behind one upload (examiner-hostile leftover). In
#: pieces, the interpreter hands the lock over between them.
CHUNK_BYTES = 64 * 1024


def csv_reader(content: bytes) -> Iterator[list[str]]:
    """The file's records, read with the dialect its first records agree on (`csv_dialect`),
    as `csv.reader` reads the whole text opened with newline="" (a quoted line break stays in
    its cell as written). Decoding is done here, in pieces, so UnreadableText is raised by
    this call; the reader raises csv.Error as it meets a record it cannot read."""
    parts = _decoded(content)
    return csv.reader(_lines(parts), csv_dialect(_prefix(parts, SAMPLE_CHARS + 1)))


def _decoded(content: bytes) -> list[str]:
    """UTF-8 with or without a byte order mark, else Windows-1258 (older Vietnamese Windows
    exports), CHUNK_BYTES at a time. NFC normalisation is the validation's business, not
    this one's."""
    try:
        parts = _decoded_as(content, "utf-8-sig")
    except UnicodeDecodeError:
        try:
            parts = _decoded_as(content, "cp1258")
        except UnicodeDecodeError as exc:
            raise UnreadableText("encoding") from exc
    # After the encoding is known, as before: a file neither encoding reads is "encoding".
    if any("\x00" in part for part in parts):
        raise UnreadableText("binary")
    return parts


def _decoded_as(content: bytes, encoding: str) -> list[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    parts = [decoder.decode(view[start:start + CHUNK_BYTES])
             for start in range(0, len(content), CHUNK_BYTES)]
    parts.append(decoder.decode(b"", final=True))  # a character cut off at the end is an error
    return [part for part in parts if part]


def _prefix(parts: Iterable[str], chars: int) -> str:
    """The text's first `chars` characters or more (whole parts), for the dialect's guess."""
    taken: list[str] = []
    length = 0
    for part in parts:
        if length >= chars:
            break
        taken.append(part)
        length += len(part)
    return "".join(taken)


def _lines(parts: Iterable[str]) -> Iterator[str]:
    """The lines of the parts' text as io.StringIO(text, newline="") gives them (ends kept,
    split after \n, \r and \r\n), one part at a time. A line cut by a part's end waits for
    the part that ends it; so does one ending in \r, whose \n may open the next part."""
    pending: list[str] = []
    for part in parts:
        if "\n" not in part and "\r" not in part:
            pending.append(part)  # the line goes on (joined once, when it ends)
            continue
        pending.append(part)
        lines = io.StringIO("".join(pending), newline="").readlines()
        pending = [] if lines[-1].endswith("\n") else [lines.pop()]
        yield from lines
    if pending:
        yield from io.StringIO("".join(pending), newline="").readlines()


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
