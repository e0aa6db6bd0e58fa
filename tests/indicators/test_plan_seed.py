"""The 2023 plan written as data (services/indicators/plandata/plan-2023.json) against the seed's
text (../shared/seed/ke-hoach-cong-tac-dan-van-2023.txt): every item of sections II, III and
IV, numbered as in the seed, with its words. Fails when either drifts."""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from services.indicators.adapters.plandata import plan_data, plan_issued
from services.indicators.domain.plan import WorkPlan
from shared.errors import NotFound

SEED_NAME = "ke-hoach-cong-tac-dan-van-2023.txt"


def _seed_path() -> Path:
    """The handbook's seed beside the checkout (../shared/seed), looked for upwards so that a
    worktree deeper than the main checkout finds it too; DANVAN_SEED_DIR overrides."""
    override = os.environ.get("DANVAN_SEED_DIR")
    candidates = [Path(override) / SEED_NAME] if override else []
    candidates += [p / "shared" / "seed" / SEED_NAME for p in Path(__file__).resolve().parents]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    pytest.fail(f"the seed {SEED_NAME} is not beside the checkout (set DANVAN_SEED_DIR)")


SEED = _seed_path()

#: Hand-counted in the seed: II.1 has 11 numbered tasks; II.2.1-II.2.4 have 6, 6, 3 and 5
#: bullets; II.3 has 4 and II.4 has 3 numbered tasks; III has 5 items and IV has 4.
SEED_COUNTS = {"II.1": 11, "II.2.1": 6, "II.2.2": 6, "II.2.3": 3, "II.2.4": 5, "II.3": 4,
               "II.4": 3, "III": 5, "IV": 4}


def _norm(text: str) -> str:
    """The words as a reader sees them: NFC, no markdown emphasis, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text.replace("*", ""))).strip()


def seed_items() -> dict[str, str]:
    """Number → text of every item of sections II-IV, read from the seed. A paragraph that
    starts with neither a number nor a bullet continues the item before (page breaks)."""
    items: dict[str, str] = {}
    section = sub = group = None
    bullet = 0
    current: str | None = None
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        heading = re.match(r"^(I|II|III|IV)\. ", line)
        if heading:
            section, current = heading.group(1), None
            continue
        if section in (None, "I"):
            continue
        if line.startswith("TRƯỞNG BAN"):
            break
        if section == "II":
            if m := re.match(r"^(\d+)\. ", line):
                sub, current = m.group(1), None
                continue
            if m := re.match(r"^(\d+)\.(\d+)\. (.*)$", line):
                number = f"II.{m.group(1)}.{m.group(2)}"
                if sub == "2":  # II.2.x are headings of bulleted tasks
                    group, bullet, current = number, 0, None
                    continue
                current, items[number] = number, m.group(3)
                continue
            if line.startswith("- "):
                bullet += 1
                current = f"{group}.{'abcdefgh'[bullet - 1]}"
                items[current] = line[2:]
                continue
        elif m := re.match(r"^(\d+)\. (.*)$", line):
            current = f"{section}.{m.group(1)}"
            items[current] = m.group(2)
            continue
        assert current is not None, f"text outside any item: {line[:40]}"
        items[current] += " " + line
    return {number: _norm(text) for number, text in items.items()}


def test_the_seed_reads_as_hand_counted() -> None:
    items = seed_items()
    for prefix, count in SEED_COUNTS.items():
        depth = prefix.count(".") + 1
        found = [n for n in items if n.startswith(prefix + ".") and n.count(".") == depth]
        assert len(found) == count, (prefix, found)
    assert len(items) == sum(SEED_COUNTS.values()) == 47


def test_every_item_of_the_seed_is_in_the_data_with_its_words() -> None:
    seed = seed_items()
    data = {item["number"]: item for item in plan_data(2023)["items"]}
    assert list(data) == list(seed), "numbers or order differ"
    for number, text in seed.items():
        written = _norm(data[number]["text"])
        opening = " ".join(text.split()[:8])
        assert written.startswith(opening), (number, written[:80], opening)
        assert written == text, number


def test_the_data_names_who_does_what_and_by_when() -> None:
    data = plan_data(2023)
    parties = data["parties"]
    kinds = {"II": "task", "III": "inspection", "IV": "organisation"}
    for item in data["items"]:
        assert item["kind"] == kinds[item["number"].split(".")[0]]
        assert item["responsible"] in parties
        assert set(item["coordinating"]) <= set(parties)
    by_number = {i["number"]: i for i in data["items"]}
    # What the seed itself says: II.3.2 holds the 3, 6, 9 and 12-month conferences; III.1's
    # anniversary is on 12/10/2023; IV.3 is the district boards' reporting duty.
    assert by_number["II.3.2"]["schedule"] == {"kind": "by_conference"}
    assert by_number["II.3.1"]["schedule"] == {"kind": "deadline", "due_on": "2023-10-12"}
    assert by_number["IV.3"]["responsible"] == "ban-dan-van-cap-huyen"
    assert by_number["II.1.3"]["indicators"] == ["I3", "I4"]


def test_the_plan_loads_with_every_item() -> None:
    event = plan_issued(2023)
    plan = WorkPlan("2023")
    plan.issue(event, date(2023, 1, 1))
    assert list(plan.items) == list(seed_items())
    assert plan.schedule("II.3.1").due_on == date(2023, 10, 12)
    assert [g.number for g in plan.groups][:3] == ["II", "II.1", "II.2"]


def test_a_year_without_data_is_404() -> None:
    with pytest.raises(NotFound) as caught:
        plan_data(2019)
    assert caught.value.code == "PLAN_DATA_MISSING"
