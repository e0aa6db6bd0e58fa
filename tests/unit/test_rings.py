"""The rings are given by folder (tests/conftest.py): `-m unit` selects tests/unit/ and the
modules that declare themselves unit tests, and nothing of the service folders' integration
tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _collected(marker: str, *paths: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
         "-m", marker, *paths],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode in (0, 5), done.stdout + done.stderr
    return {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}


def test_the_folder_gives_the_ring_and_a_module_may_declare_its_own() -> None:
    # test_envelope.py declares no ring (its folder's applies); reporting's test_domain.py
    # declares `unit` in an integration folder; religion's test_sites.py has its folder's.
    paths = ("tests/unit/test_envelope.py", "tests/reporting/test_domain.py",
             "tests/religion/test_sites.py")
    assert _collected("unit", *paths) == {
        "tests/unit/test_envelope.py", "tests/reporting/test_domain.py"}
