"""An uploaded CSV file as text, the way every import of the system reads one."""

from __future__ import annotations

import csv
from typing import Any

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


def csv_dialect(sample: str) -> Any:
    """The file's dialect guessed from its first lines; Excel's when they do not tell."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel
