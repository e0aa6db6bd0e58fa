"""Write each service's event catalogue to `shared/contracts/<service>.json`, the contract its
consumers check events against (shared/contract.py). Run after changing an event class:

    .venv/bin/python -m tools.contracts            # write the files
    .venv/bin/python -m tools.contracts --check    # exit 1 if a committed file differs

tests/unit/test_contracts.py fails while a file differs from its registry.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

import orjson

from shared.contract import CONTRACTS_DIR
from shared.envelope import EventRegistry

SERVICES = ("dialogue", "indicators", "religion", "reporting")


def registry_of(service: str) -> EventRegistry:
    registry: EventRegistry = importlib.import_module(f"services.{service}.domain.events").registry
    return registry


def contract_text(service: str) -> bytes:
    catalogue: dict[str, Any] = registry_of(service).catalogue()
    return orjson.dumps(catalogue, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    differ = []
    for service in SERVICES:
        path = CONTRACTS_DIR / f"{service}.json"
        wanted = contract_text(service)
        if path.exists() and path.read_bytes() == wanted:
            continue
        differ.append(path.name)
        if not args.check:
            path.write_bytes(wanted)
    if differ:
        print(("differ: " if args.check else "written: ") + ", ".join(differ))
    return 1 if differ and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
