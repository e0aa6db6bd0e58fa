"""A batch closing many models reads the stored contest entries once, not once per model
(brief tidy-contract, item 5): the model an entry presents is in its data only, and each
closing (or start correction, or void) looked its entries up with a LIKE on every entry row.
A rebuild closing 5,000 models over 20,000 entries spent most of its time there (SQLite:
quadratic in the models). The rows found, and so the facts written, are the same as one by
one. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from services.reporting.adapters.tables import indicators_facts
from services.reporting.domain.counting import MODEL_NOT_RUNNING
from shared.envelope import EventEnvelope
from tests.integration.helpers import runtime_of
from tests.religion.test_moved_site_old_store import reporting_factory
from tests.reporting.scenario import TIEN_LANG_TOWN, Events

__all__ = ["reporting_factory"]

MODELS = 20


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T03:00:00+00:00")


def _events() -> tuple[list[EventEnvelope], list[EventEnvelope]]:
    """Models with two entries each, one before and one after the day the model is closed
    (the closing recorded after both): the later one is restated as not running."""
    events = Events()
    for n in range(MODELS):
        model = f"M-{n:02}"
        events.add("indicators", "model", model, "ModelRegistered", date(2023, 2, 1), {
            "model_id": model, "unit_code": TIEN_LANG_TOWN, "field": "new_rural",
            "title": f"Mô hình {model}", "started_on": "2023-02-01",
            "recognition_level": "none", "status": "building"}, TIEN_LANG_TOWN,
            _at("2023-02-01"))
        for entry, on in ((f"DT-{n:02}-A", "2023-05-10"), (f"DT-{n:02}-B", "2023-08-10")):
            events.add("indicators", "contest", entry, "ContestEntrySubmitted",
                       date.fromisoformat(on), {
                           "entry_id": entry, "model_id": model, "contest_year": 2023,
                           "title": "Bài dự thi", "unit_code": TIEN_LANG_TOWN,
                           "submitted_on": on, "author": ""}, TIEN_LANG_TOWN, _at(on))
    opened = list(events.items)
    for n in range(MODELS):
        model = f"M-{n:02}"
        events.add("indicators", "model", model, "ModelClosed", date(2023, 8, 1), {
            "model_id": model, "closed_on": "2023-08-01", "reason": "Dừng"}, TIEN_LANG_TOWN,
            _at("2023-09-01"))
    return opened, events.items[len(opened):]


def _feed(client: TestClient, envelopes: list[EventEnvelope]) -> None:
    consumer = next(c for c in runtime_of(client).consumers if c.durable.endswith("-indicators"))
    consumer._apply(envelopes)


def _facts(client: TestClient) -> set[tuple[Any, ...]]:
    t = indicators_facts
    with runtime_of(client).engine.connect() as conn:
        return set(conn.execute(select(t.c.event_id, t.c.family, t.c.subject, t.c.state,
                                       t.c.superseded_at)).all())




def test_a_batch_closing_many_models_reads_their_entries_once(
    reporting_factory: Callable[[str], TestClient],
) -> None:
    opened, closings = _events()
    batched, one_by_one = reporting_factory("batched"), reporting_factory("one-by-one")
    for reporting in (batched, one_by_one):
        _feed(reporting, opened)
    for closing in closings:
        _feed(one_by_one, [closing])
    reads: list[str] = []

    def entry_read(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "contest" in repr(parameters) \
                and indicators_facts.name in statement:
            reads.append(statement)

    engine = runtime_of(batched).engine
    event.listen(engine, "before_cursor_execute", entry_read)
    try:
        _feed(batched, closings)
    finally:
        event.remove(engine, "before_cursor_execute", entry_read)
    # A LIKE for the first model closed, then one read of every standing entry: not one
    # scan per model closed (20 without).
    assert len(reads) <= 3, len(reads)
    facts = _facts(batched)
    assert facts == _facts(one_by_one)
    restated = [f for f in facts if f[1] == "contest" and f[3] == MODEL_NOT_RUNNING]
    assert sorted(f[2] for f in restated) == [f"DT-{n:02}-B" for n in range(MODELS)]
