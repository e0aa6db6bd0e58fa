"""Value types of the administrative unit catalogue (đơn vị hành chính).

Units are versioned reference data: the same national code may exist in several
versions with different extents (e.g. code ``11755`` is "Thị trấn Tiên Lãng" under
"Huyện Tiên Lãng" until 2025-07-01 and "Xã Tiên Lãng" directly under Hai Phong from
then on). A version is valid on the half-open interval ``[valid_from, valid_to)``.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, TypeGuard, get_args

Level = Literal["province", "district", "commune"]
Kind = Literal[
    "tỉnh",
    "thành phố",
    "quận",
    "huyện",
    "thị xã",
    "xã",
    "phường",
    "thị trấn",
    "đặc khu",
]
SuccessionKind = Literal["merge", "split", "rename"]

LEVELS: Final[tuple[Level, ...]] = get_args(Level)
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
SUCCESSION_KINDS: Final[tuple[SuccessionKind, ...]] = get_args(SuccessionKind)

#: What a figure counted under a code that is no unit on the day of the figures (merged or
#: dissolved before it, and not carried to a successor) is shown as: the rows of the units of
#: that day do not hold it, so a total is more than their sum by it (reporting's unit table,
#: the indicators' restated view).
NOT_CURRENT_UNIT: Final = "Chưa gắn với đơn vị hành chính hiện hành"


def names_no_unit(named: str | None, units: Container[str]) -> bool:
    """The rule of the `NOT_CURRENT_UNIT` line: whether a fact names a code that is none of
    the figures' units (merged or dissolved before their day, and not carried to a
    successor: the data's, or one an official recorded by the figures' "as of",
    `shared.adminunits.recorded`).
    Such a fact counts on a unit above it, which its children's rows then do not add up to;
    the line under that unit carries it (reporting's unit table, the indicators' drill-down)."""
    return named is not None and named not in units

#: What a figure recorded for a unit itself (a district's own heads or sessions, a fact about
#: a city as a whole) is shown as under that unit's children: none of their rows holds it, so
#: the unit's total is their sum plus this line plus the `NOT_CURRENT_UNIT` line.
OWN_UNIT_RECORDS: Final = "Ghi nhận cho chính đơn vị"

#: Length of the national code at each level.
CODE_LENGTH: Final[dict[Level, int]] = {"province": 2, "district": 3, "commune": 5}
_LEVEL_BY_LENGTH: Final[dict[int, Level]] = {n: lv for lv, n in CODE_LENGTH.items()}


def code_pattern(*levels: Level, nation: bool = False) -> str:
    """The regular expression of the national codes of these levels (all when none is named),
    with "VN" for the nation if asked. Digits are ASCII: `\\d` (in Python's re and in
    pydantic's patterns) and str.isdigit() also take other scripts' digits, and int() reads
    "２０２３" as 2023, so a code in full-width digits named a second copy of a real unit."""
    alternatives = [f"[0-9]{{{CODE_LENGTH[level]}}}" for level in levels or LEVELS]
    return "^(" + "|".join((["VN"] if nation else []) + alternatives) + ")$"


#: Any unit's code (2, 3 or 5 digits); a province's, a district's, a commune's; a report scope.
UNIT_CODE_PATTERN: Final = code_pattern()
PROVINCE_CODE_PATTERN: Final = code_pattern("province")
DISTRICT_CODE_PATTERN: Final = code_pattern("district")
COMMUNE_CODE_PATTERN: Final = code_pattern("commune")
LOCAL_UNIT_CODE_PATTERN: Final = code_pattern("district", "commune")
SCOPE_CODE_PATTERN: Final = code_pattern("province", nation=True)
NATION_OR_UNIT_CODE_PATTERN: Final = code_pattern(nation=True)


def is_level(value: object) -> TypeGuard[Level]:
    return value in LEVELS


def is_kind(value: object) -> TypeGuard[Kind]:
    return value in KINDS


def is_succession_kind(value: object) -> TypeGuard[SuccessionKind]:
    return value in SUCCESSION_KINDS


def level_of_code(code: str) -> Level:
    """The level a national code belongs to, from its length (2, 3 or 5 digits)."""
    level = _LEVEL_BY_LENGTH.get(len(code))
    if level is None or not (code.isascii() and code.isdigit()):
        raise ValueError(f"not a national administrative unit code: {code!r}")
    return level


class UnknownUnitError(LookupError):
    """No unit with this code (and level, if given) is valid on the date."""

    def __init__(self, code: str, on: date | None, level: Level | None = None) -> None:
        self.code = code
        self.on = on
        self.level = level
        what = level or "administrative unit"
        when = f" on {on.isoformat()}" if on is not None else ""
        super().__init__(f"no {what} with code {code!r}{when}")


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """One version of an administrative unit.

    ``parent_code`` is the district for a commune before 2025-07-01 and the province
    afterwards; ``None`` for a province. ``valid_to`` is exclusive; ``None`` means
    still in force.
    """

    code: str
    name: str
    short_name: str
    level: Level
    kind: Kind
    parent_code: str | None
    province_code: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready representation (dates as ISO strings)."""
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "level": self.level,
            "kind": self.kind,
            "parent_code": self.parent_code,
            "province_code": self.province_code,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


@dataclass(frozen=True, slots=True)
class UnitSuccession:
    """``predecessor_code`` (the version ending the day before ``effective``) passed all
    or part of its territory to ``successor_code`` (the version starting on
    ``effective``). The codes may be equal: in 2025 most new communes took over the
    code of one of the communes merged into them.

    ``kind``: ``merge`` – the successor absorbed the predecessor (possibly with
    others); ``split`` – the predecessor was divided among several successors;
    ``rename`` – one-to-one continuation (new name, type or code).
    ``basis`` tells how the record was obtained (see the ``bases`` section of the
    successions data file), e.g. ``code_persisted``.
    """

    predecessor_code: str
    successor_code: str
    effective: date
    kind: SuccessionKind
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "predecessor_code": self.predecessor_code,
            "successor_code": self.successor_code,
            "effective": self.effective.isoformat(),
            "kind": self.kind,
            "basis": self.basis,
        }
