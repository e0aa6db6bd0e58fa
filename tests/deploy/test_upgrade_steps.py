"""deploy/OPERATIONS.md §8 (the upgrade steps): each step has one number, in order. Operators
follow the steps by number and the steps cite one another («như bước 23»); branches landed
the same day each appended a step with the next number after main's, and a merge that
conflicts nowhere keeps both (two «28.»)."""

from __future__ import annotations

import re
from pathlib import Path

OPERATIONS = Path(__file__).resolve().parents[2] / "deploy" / "OPERATIONS.md"


def _upgrade_section() -> str:
    text = OPERATIONS.read_text(encoding="utf-8")
    found = re.search(r"^## 8\. .*?(?=^## 9\. )", text, flags=re.DOTALL | re.MULTILINE)
    assert found is not None, "no §8 in deploy/OPERATIONS.md"
    return found.group(0)


def test_the_upgrade_steps_are_numbered_once_each_in_order() -> None:
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", _upgrade_section(), flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_a_step_cites_only_steps_that_exist() -> None:
    section = _upgrade_section()
    last = len(re.findall(r"^\d+\. ", section, flags=re.MULTILINE))
    cited = {int(n) for n in re.findall(r"\bbước (\d+)\b", section)}
    assert cited <= set(range(1, last + 1)), sorted(cited - set(range(1, last + 1)))
