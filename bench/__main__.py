"""`make bench`: every benchmark section in one run on this machine.

Sections are modules of this package with a `main()`; pass names to run only some:
`python -m bench platform religion`.
"""

from __future__ import annotations

import importlib
import sys

SECTIONS = [
    "platform", "religion", "dialogue", "indicators", "reporting", "http", "latency", "peer",
]


def main(argv: list[str]) -> int:
    chosen = argv or SECTIONS
    for name in chosen:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"[{name}] no benchmark yet")
                continue
            raise
        print(f"[{name}]", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
