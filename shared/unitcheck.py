"""Unit codes are checked locally against the versioned catalogue, as of the business date."""

from __future__ import annotations

from datetime import date

from shared.adminunits import AdminUnit, UnknownUnitError, default_catalogue
from shared.clock import format_date_vn
from shared.errors import InvalidInput

LEVEL_NAMES = {"province": "tỉnh/thành phố", "district": "cấp huyện", "commune": "cấp xã"}


def require_unit(code: str, on: date, level: str | None = None) -> AdminUnit:
    try:
        return default_catalogue().require(code, on, level=level)  # type: ignore[arg-type]
    except UnknownUnitError as exc:
        where = f" {LEVEL_NAMES[level]}" if level else ""
        raise InvalidInput(
            "UNKNOWN_UNIT",
            f"Mã đơn vị hành chính{where} «{code}» không tồn tại vào ngày {format_date_vn(on)}",
            unit_code=code,
            on=on.isoformat(),
        ) from exc
