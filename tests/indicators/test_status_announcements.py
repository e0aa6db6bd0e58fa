"""IndicatorStatusChanged is announced when a status really changes, not once per event
(issue 13, finding 8): a burst of religion events moves each unit's status at most twice."""

from __future__ import annotations

from collections import Counter
from datetime import date

from fastapi.testclient import TestClient

from tests.indicators.conftest import Upstream, status_events, wait_applied
from tests.integration.helpers import wait_until

# Three communes of Tiên Lãng (315) in 2023, ten sites each.
COMMUNES = ("11755", "11758", "11761")


def test_a_burst_of_religion_events_announces_only_real_changes(
    client: TestClient, upstream: Upstream
) -> None:
    envelopes = [upstream.site(f"S{i:02}", COMMUNES[i % 3], date(2023, 2, 1))
                 for i in range(30)]
    envelopes += [upstream.dossier(f"S{i:02}", "LandDossierLodged", date(2023, 3, 1 + i % 20))
                  for i in range(30)]
    upstream.publish(*envelopes)
    wait_applied(client, len(envelopes))
    wait_until(lambda: any(e["numerator"] == 12 and e["key"] == "I3-2023@315"
                           for e in status_events(client)), timeout=30)

    announced = status_events(client)
    religion = [e for e in announced if e["indicator_id"] in ("I3", "I4")]
    # Hand count, the 2023 year evaluated at its end (it is over): each commune's I3 starts
    # at 0/1 "chưa đạt" and becomes "đạt" when its fourth of ten dossiers is lodged (4/10 =
    # 40 %); Tiên Lãng likewise at 12/30; the city stays "chưa đạt" (30/239 < 40 %). I4 (no
    # certificate) is announced once per unit, "chưa đạt". 60 events, 14 announcements.
    assert Counter((e["key"], e["previous_status"], e["status"]) for e in religion) == Counter([
        *[(f"I3-2023@{c}", None, "chua_dat") for c in COMMUNES],
        *[(f"I3-2023@{c}", "chua_dat", "dat") for c in COMMUNES],
        ("I3-2023@315", None, "chua_dat"), ("I3-2023@315", "chua_dat", "dat"),
        ("I3-2023@31", None, "chua_dat"),
        *[(f"I4-2023@{c}", None, "chua_dat") for c in (*COMMUNES, "315", "31")],
    ])
    assert {(e["key"], e["numerator"], e["denominator"]) for e in religion
            if e["status"] == "dat"} == {
        *[(f"I3-2023@{c}", 4, 10) for c in COMMUNES], ("I3-2023@315", 12, 30)}
    # Every announcement changes the status it follows; none is repeated for a unit.
    assert all(e["previous_status"] != e["status"] for e in announced)
    assert max(Counter(e["key"] for e in announced).values()) <= 2
