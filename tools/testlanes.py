"""The whole suite in two lanes side by side: the workers, and the tests that mostly wait.

A few tests spend minutes waiting on the wall clock, not on a core: the department's WAN cut
for 60 s (issue 19 asks for that length), JetStream retrying a stalled source (~40 s), a
PostgreSQL stopped for a bound. In a pytest-xdist worker each held one of the two workers
idle for that long (about 5 minutes of the 20 in all). They are marked `waits` and run here
in a pytest of their own, one at a time, beside the workers running everything else; its
output is printed once it ends, after the workers' own.

`python -m tools.testlanes WORKERS [PYTEST ARGS...]`: WORKERS as pytest-xdist's -n (`auto`, or
0 for one process: then, or when the arguments choose tests by marker themselves (-m), the
suite runs as one pytest, in one lane). The exit status is the first lane's failure, if any.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence

WAITS = "waits"
# pytest's exit status when the arguments select no test of a lane (a run of one test file).
NO_TESTS_COLLECTED = 5
BASE = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def lanes(workers: str, args: Sequence[str]) -> list[list[str]]:
    """The command of each lane: the workers' first."""
    if workers == "0" or any(arg.startswith("-m") for arg in args):
        return [[*BASE, "-n", workers, *args]]
    return [
        [*BASE, "-n", workers, "--dist", "worksteal", "-m", f"not {WAITS}", *args],
        [*BASE, "-n", "0", "-m", WAITS, *args],
    ]


def outcome(codes: Sequence[int]) -> int:
    """The suite's exit status: a lane that selected no test did not fail; if every lane
    selected none, neither did the suite."""
    ran = [code for code in codes if code != NO_TESTS_COLLECTED]
    if not ran:
        return NO_TESTS_COLLECTED
    return next((code for code in ran if code != 0), 0)


def main(argv: Sequence[str]) -> int:
    workers, *args = argv or ["auto"]
    commands = lanes(workers, args)
    if len(commands) == 1:
        return subprocess.call(commands[0])
    workers_lane, waits_lane = commands
    with tempfile.TemporaryFile() as waits_output:
        waiting = subprocess.Popen(waits_lane, stdout=waits_output, stderr=subprocess.STDOUT)
        try:
            first = subprocess.call(workers_lane)
            print(f"\n===== the tests marked `{WAITS}`, run beside the workers =====",
                  flush=True)
            second = waiting.wait()
        finally:
            if waiting.poll() is None:  # interrupted: the lane ends with the run
                waiting.terminate()
                waiting.wait()
        waits_output.seek(0)
        sys.stdout.buffer.write(waits_output.read())
        sys.stdout.flush()
    return outcome([first, second])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
