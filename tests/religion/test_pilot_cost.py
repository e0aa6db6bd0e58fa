"""The Tiên Lãng pilot of a past day replays its sites from their events loaded in bulk
(examiner-hostile, Medium): it loaded each site's three aggregates one query at a time, 24 s
for a city's register of 100,000 sites and 60 s as of 1990-01-01, for any ordinary caller."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.integration.helpers import runtime_of
from tests.religion.conftest import DAI_THANG, QUAN_TOAN, act, issue, register

SITES = 12
DAYS = ("1990-01-01", "2023-02-15", "2023-04-25", "2023-07-01", "2025-08-01")


def _pilot(client: TestClient, as_of: str) -> tuple[dict[str, Any], list[str]]:
    """The pilot as of `as_of`, and the statements it sent reading the event store."""
    statements: list[str] = []

    def seen(_: Any, __: Any, statement: str, *___: Any) -> None:
        statements.append(statement)

    engine = runtime_of(client).engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get("/api/v1/reports/tien-lang-pilot", params={"as_of": as_of})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200, response.text
    return response.json(), [s for s in statements if "FROM events" in s]


def _as_the_site_says(client: TestClient, code: str, on: str) -> dict[str, Any]:
    """What the pilot lists of a site, from the site's own state of the day (`/as-of`)."""
    state = client.get(f"/api/v1/sites/{code}/as-of", params={"date": on}).json()
    return {"code": code, "commune": state["commune"]["code"],
            "dossier_state": state["dossier"]["state"], "lodged_on": state["dossier"]["lodged_on"],
            "state_since": state["dossier"]["since"], "certificate": state["certificate"]}


def test_the_pilot_of_a_past_day_reads_the_store_in_a_few_queries_with_the_same_figures(
    religion: TestClient,
) -> None:
    for n in range(SITES):
        register(religion, f"TL-{n:02d}", DAI_THANG if n % 2 else "11755",
                 registered_on=f"2023-02-{n + 1:02d}")
    register(religion, "HB-01", QUAN_TOAN)
    for n in range(0, SITES, 3):
        assert act(religion, f"TL-{n:02d}", "lodge", "2023-03-01").status_code == 201
        assert act(religion, f"TL-{n:02d}", "accept", "2023-04-01").status_code == 200
        assert issue(religion, f"TL-{n:02d}", f"CS {n}", on="2023-05-02").status_code == 201
    # One moved out of the district, one in: each counted where it stood on the day.
    for code, commune in (("TL-01", QUAN_TOAN), ("HB-01", DAI_THANG)):
        moved = religion.patch(f"/api/v1/sites/{code}", headers={"If-Match": '"1"'}, json={
            "commune_code": commune, "amended_on": "2023-06-01"})
        assert moved.status_code == 200, moved.text

    for day in DAYS:
        pilot, reads = _pilot(religion, day)
        # A site at a time sent 3 or 4 queries each (52 here).
        assert len(reads) <= 4, (day, len(reads))
        listed = {s["code"]: {"code": s["code"], "commune": s["commune"]["code"],
                              "dossier_state": s["dossier_state"], "lodged_on": s["lodged_on"],
                              "state_since": s["state_since"], "certificate": s["certificate"]}
                  for s in pilot["sites"]}
        assert listed == {code: _as_the_site_says(religion, code, day) for code in listed}
        assert pilot["summary"]["sites"] == len(listed)
    assert _pilot(religion, "1990-01-01")[0]["sites"] == []
    february, _ = _pilot(religion, "2023-02-15")
    assert sorted(s["code"] for s in february["sites"]) == [f"TL-{n:02d}" for n in range(SITES)]
    april, _ = _pilot(religion, "2023-04-25")
    assert (april["summary"]["with_dossier"], april["summary"]["with_certificate"]) == (4, 0)
    july, _ = _pilot(religion, "2023-07-01")
    assert "TL-01" not in {s["code"] for s in july["sites"]}
    assert "HB-01" in {s["code"] for s in july["sites"]}
    assert july["summary"]["with_certificate"] == 4
