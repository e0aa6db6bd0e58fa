"""The same report, the same bytes (finding N3): a signed report's .docx, .xlsx and .pdf are
byte-identical on every download, after a restart too, so the Commission can check that a
file in circulation is the signed one by comparing it (or its hash) with a fresh download.

What varied was never the content (the document's parts were identical) but the moments the
tools stamp: each zip entry's time (python-docx and openpyxl write "now"), openpyxl's
`modified` property, and the PDF's `/CreationDate` and `/ID` (LibreOffice). Each is set here
to the report's own moment (`document_moment`): the signing's for a signed report, the
`as_of` of a report computed as of a time, so a live report asked twice with the same
`as_of` is the same bytes too (one asked "now" is as of a new moment each time, and says so).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone

from services.reporting.application.reports import Report
from shared.clock import VN_TZ, day_vn, today_vn

#: A zip entry's time cannot be before 1980 (the format's epoch).
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=VN_TZ)


def document_moment(report: Report) -> datetime:
    """The moment a report's documents carry: when it was signed (its frozen figures), else
    the moment its figures are as of."""
    if report.figures_finalised and report.finalisation is not None:
        return report.finalisation.finalised_at
    return report.as_of


def made_on(report: Report) -> date:
    """The day a document says it was made («văn bản lập ngày»): a signed report's is its
    signing day, so its file is the same on every later day; a live report's is today."""
    if report.figures_finalised and report.finalisation is not None:
        return day_vn(report.finalisation.finalised_at)
    return today_vn()


def fixed_zip(document: bytes, moment: datetime) -> bytes:
    """An OOXML package (.docx, .xlsx) rewritten entry for entry, in the same order and with
    the same content, every entry stamped with `moment` in Vietnam's time (a zip time has no
    zone; Word and Excel show it as local)."""
    local = max(moment.astimezone(VN_TZ), _ZIP_EPOCH)
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(document)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16  # a regular file, whatever the writer's umask
            fixed.create_system = 3  # Unix, on every platform the service runs on
            target.writestr(fixed, source.read(entry))
    return out.getvalue()


# LibreOffice writes `/CreationDate(D:20261206163146Z')` (and `/ModDate` alike) and, in its
# trailer, `/ID [ <hex> <hex> ]` and `/DocChecksum /hex`, both drawn from the time. Each is
# replaced in place by a text of the same length, so the cross-reference table's byte
# offsets stay right.
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:(\d{14})([^)]*)\)")
_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_PDF_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")
_OFFSET = re.compile(rb"([+-])(\d{2})'?(\d{2})?")


def fixed_pdf(pdf: bytes, moment: datetime, source: bytes) -> bytes:
    """A PDF whose dates are `moment` and whose /ID is drawn from the document it was
    rendered from (`source`, itself reproducible), the same length each."""

    def date(match: re.Match[bytes]) -> bytes:
        zone = match.group(3)
        offset = _OFFSET.match(zone)
        tz = UTC
        if offset is not None:
            sign = -1 if offset.group(1) == b"-" else 1
            tz = timezone(sign * timedelta(hours=int(offset.group(2)),
                                           minutes=int(offset.group(3) or 0)))
        digits = moment.astimezone(tz).strftime("%Y%m%d%H%M%S").encode()
        return match.group(0).replace(match.group(2), digits, 1)

    seed = hashlib.sha256(source + moment.isoformat().encode()).hexdigest().upper() * 4

    def drawn(match: re.Match[bytes]) -> bytes:
        text = match.group(0)
        for part in match.groups():
            text = text.replace(part, seed[:len(part)].encode(), 1)
        return text

    pdf = _PDF_DATE.sub(date, pdf)
    return _PDF_CHECKSUM.sub(drawn, _PDF_ID.sub(drawn, pdf))
