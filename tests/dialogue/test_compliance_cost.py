"""The city's rule compliance reads the period's sessions once, not once per head listed
(examiner-hostile, Medium): the sessions of the heads were looked up with the list of every
head in office, which SQLite answered by reading the sessions by status and probing the heads'
link once per session and per head: 5.4 million probes for 466 heads and 11,650 sessions, 1.5
to 3.7 s for each request of any reader of the city's figures (0.2 s now)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from services.dialogue.application.compliance import _HEADS_LISTED
from shared.adminunits import HAI_PHONG, default_catalogue
from tests.dialogue.conftest import held_session, ok, runtime_of, take_office

ROLES = ("party_secretary", "people_committee_chair")


def _compliance(client: TestClient, **params: str) -> tuple[dict[str, Any], list[Any]]:
    """The year's compliance, and the statements that read the sessions of its heads."""
    statements: list[Any] = []

    def seen(_: Any, __: Any, statement: str, parameters: Any, *___: Any) -> None:
        if "dlg_session_heads" in statement:
            statements.append((statement, parameters))

    engine = runtime_of(client).engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = ok(client.get("/api/v1/rule-compliance", params={
            "date_from": "2023-01-01", "date_to": "2023-12-31", "page_size": "500", **params}))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return body, statements


def test_the_citys_compliance_reads_the_sessions_without_a_probe_per_head(
    client: TestClient,
) -> None:
    communes = [u.code for u in default_catalogue().units(date(2023, 6, 1), "commune",
                                                           HAI_PHONG)][:30]
    heads = {(code, role): take_office(client, code, role, f"Người đứng đầu {code}",
                                       "2021-06-01")
             for code in communes for role in ROLES}
    assert len(heads) > _HEADS_LISTED
    first, second = communes[:2]
    held_session(client, first, [heads[first, ROLES[0]]], "2023-03-01")
    held_session(client, first, [heads[first, ROLES[0]], heads[first, ROLES[1]]], "2023-04-01")
    held_session(client, second, [heads[second, ROLES[1]]], "2023-05-01")
    expected = {heads[first, ROLES[0]]: 2, heads[first, ROLES[1]]: 1,
                heads[second, ROLES[1]]: 1}

    city, reads = _compliance(client)
    held = {i["head_id"]: i["sessions_held"] for i in city["items"]}
    assert {h: n for h, n in held.items() if n} == expected
    assert set(heads.values()) <= set(held)
    [(statement, parameters)] = reads
    conn = runtime_of(client).engine.connect()
    try:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(row[3]) for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
            # Without the fix: «... (session_id=? AND head_id=?)», a probe per head listed.
            assert "head_id=?" not in plan, plan
    finally:
        conn.close()
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert not set(heads.values()) & {v for v in values if isinstance(v, str)}

    # A commune's heads are few: looked up by head, with the same counts.
    one, reads = _compliance(client, unit_code=first)
    assert {i["head_id"]: i["sessions_held"] for i in one["items"]} == {
        heads[first, ROLES[0]]: 2, heads[first, ROLES[1]]: 1}
    [(_, parameters)] = reads
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert heads[first, ROLES[0]] in set(values)
