"""The upgrades that correct what was stored before the fix of finding G1 (a commitment done
before its due date, recorded after an overdue): the dialogue read model forgets the
overdue_since of such a commitment; reporting's dialogue chunk figures are marked incomplete
(reports from the fact tables until the projections are rebuilt)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, insert, select

from services.dialogue.adapters.tables import commitments
from services.reporting.adapters.tables import source_marks
from shared.db import create_db_engine
from shared.migrations import upgrade


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = create_db_engine(database_url)
    yield created
    created.dispose()


def _commitment(cid: str, due: date, completed: date, overdue_since: date) -> dict[str, object]:
    return {"commitment_id": cid, "session_id": "s1", "issue_id": None, "unit_code": "11755",
            "responsible_agency": "UBND xã", "text": "Sửa đường", "made_on": date(2023, 3, 14),
            "due_on": due, "progress_pct": 100, "status": "done", "last_update_on": completed,
            "completed_on": completed, "overdue_since": overdue_since, "version": 4}


def test_dialogue_0006_clears_the_overdue_of_a_commitment_done_before_its_due_date(
    engine: Engine,
) -> None:
    upgrade(engine, "dialogue", "0005")
    with engine.begin() as conn:
        conn.execute(insert(commitments), [
            # Done 18/06, due 20/06: the overdue of 21/06 was stored before the completion.
            _commitment("early", date(2023, 6, 20), date(2023, 6, 18), date(2023, 6, 21)),
            # Done on its due date: on time.
            _commitment("on-time", date(2023, 6, 20), date(2023, 6, 20), date(2023, 6, 21)),
            # Done 01/08, due 10/06: it was overdue from 11/06.
            _commitment("late", date(2023, 6, 10), date(2023, 8, 1), date(2023, 6, 11)),
        ])
    upgrade(engine, "dialogue")
    with engine.connect() as conn:
        found = dict(conn.execute(select(commitments.c.commitment_id,
                                         commitments.c.overdue_since)).all())
    assert found == {"early": None, "on-time": None, "late": date(2023, 6, 11)}


def test_reporting_0010_marks_the_dialogue_chunk_figures_incomplete(engine: Engine) -> None:
    upgrade(engine, "reporting", "0009")
    with engine.begin() as conn:
        conn.execute(insert(source_marks), [
            {"source": source, "generation": "g1", "facts": 10, "complete": True}
            for source in ("religion", "dialogue", "indicators")])
    # To 0010 itself: 0012 (chunks of a week) marks every source incomplete.
    upgrade(engine, "reporting", "0010")
    with engine.connect() as conn:
        found = dict(conn.execute(select(source_marks.c.source, source_marks.c.complete)).all())
    assert found == {"religion": True, "dialogue": False, "indicators": True}
