"""`make bench`: every benchmark section in one run on this machine.

Sections are modules of this package with a `main()`; pass names to run only some:
`python -m bench platform religion`.

Each section runs in a Python process of its own, one after the other. A section leaves a
heap of its own behind (the reporting section alone holds a million events' worth of
objects, the indicators section a national catalogue): measured in the same process, the
next section's figures would carry that heap's collections and fragmentation, which no
service started by `make run` has. A section that fails is reported and the run goes on;
the exit status says whether any failed.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

SECTIONS = [
    "platform", "religion", "dialogue", "indicators", "reporting", "http", "latency", "peer",
]


def run_section(name: str) -> int:
    """One section, here (the child's side)."""
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            print(f"[{name}] no benchmark yet", flush=True)
            return 0
        raise
    print(f"[{name}]", flush=True)
    module.main()
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--in-process"]:
        return max((run_section(name) for name in argv[1:]), default=0)
    failed = []
    for name in argv or SECTIONS:
        status = subprocess.call([sys.executable, "-m", "bench", "--in-process", name])
        if status != 0:
            print(f"[{name}] failed with exit status {status}", flush=True)
            failed.append(name)
    if failed:
        print(f"sections that failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
