"""RFC 5545 iCalendar text for the festival calendar, written by hand: all-day VEVENTs, CRLF
line endings, text escaping and folding at 75 octets without splitting a UTF-8 character."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from services.religion.domain.festivals import Observance

PRODID = "-//Ban Dan van Thanh uy Hai Phong//danvan religion//VI"
UID_DOMAIN = "religion.danvan"


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, continuation lines starting with
    one space (RFC 5545 §3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # the leading space takes one octet
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def calendar(
    observances: Sequence[Observance], *, name: str, description: str, year: int,
    stamp: datetime,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-CALDESC:{escape_text(description)}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    dtstamp = stamp.strftime("%Y%m%dT%H%M%SZ")
    for item in observances:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.id}-{year}@{UID_DOMAIN}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{item.start:%Y%m%d}",
            # DTEND of an all-day event is exclusive: the day after the last day.
            f"DTEND;VALUE=DATE:{item.end + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(item.name)}",
            f"DESCRIPTION:{escape_text(f'{item.rule}. {item.guidance}')}",
            # CATEGORIES is a list: the commas between religions are separators, not text.
            "CATEGORIES:" + ",".join(escape_text(r) for r in item.religions.split(", ")),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
