"""A corrected holding in the indicators service's own evaluation of I2 (G18): as if the right
holding had been recorded, live and after a rebuild; as known before the correction, as it
was."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from tests.indicators.conftest import Upstream, get_json, wait_applied
from tests.indicators.scenario import (
    DAI_THANG,
    HAI_PHONG,
    TIEN_LANG,
    TIEN_LANG_TOWN,
    dialogue_2023,
)
from tests.integration.helpers import rebuild_and_wait

PLAN_DEFINITIONS = 4
CORRECTED_AT = datetime(2024, 3, 1, 2, tzinfo=UTC)


def _i2(client: TestClient, **params: str) -> tuple[int, int]:
    overview = get_json(client, "/api/v1/indicators", year=2023, **params)
    total = next(i["total"] for i in overview["items"]
                 if i["indicator"]["indicator_id"] == "I2")
    return total["numerator"], total["denominator"]


def _sessions(client: TestClient) -> dict[str, list[str]]:
    found = get_json(client, "/api/v1/indicators/2023/I2/evidence", unit=HAI_PHONG)
    return {i["key"]: [s["session_id"] for s in i["sessions"]] for i in found["items"]}


def test_a_corrected_holding_counts_for_i2_as_if_recorded_right(
    client: TestClient, upstream: Upstream
) -> None:
    dialogue = dialogue_2023(upstream)
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _i2(client) == (5, 6)
    # P3 (H3, 05/05/2023) never took place; P1 (H1 and H2, 10/03/2023) was held on
    # 28/12/2022, so H1 has only P2 in 2023 where the commune's rule owes two.
    corrections = [
        upstream.session_corrected("P3", TIEN_LANG, (date(2023, 5, 5), ["H3"]), None,
                                   CORRECTED_AT),
        upstream.session_corrected("P1", TIEN_LANG_TOWN, (date(2023, 3, 10), ["H1", "H2"]),
                                   (date(2022, 12, 28), ["H1", "H2"]), CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(corrections))
    assert _i2(client) == (3, 6)
    sessions = _sessions(client)
    assert (sessions["H1"], sessions["H3"]) == (["P2"], [])
    # As known before the corrections were recorded.
    assert _i2(client, as_of="2024-02-01T00:00:00+07:00") == (5, 6)

    rebuild_and_wait(client)
    assert _i2(client) == (3, 6)
    assert _sessions(client) == sessions


def test_a_corrected_from_date_counts_the_head_from_the_right_day(
    client: TestClient, upstream: Upstream
) -> None:
    dialogue = dialogue_2023(upstream)
    # H9, Đại Thắng's chair from 01/01/2023 with no session: owes the commune's
    # (181 days at one a year, 184 at two: 1.5 -> 2) and does not meet the rule.
    dialogue.append(upstream.head("H9", DAI_THANG, date(2023, 1, 1),
                                  role="people_committee_chair"))
    upstream.publish(*dialogue)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue))
    assert _i2(client) == (5, 7)
    # H9 took office on 20/12/2023 (owes 12 x 2 / 365 -> 0: meets); H7 on 01/06/2023, not
    # 01/02/2024 (30 days at one, 184 at two: 1.09 -> 1, none held: does not).
    corrections = [
        upstream.took_office_corrected("H9", DAI_THANG, date(2023, 1, 1), date(2023, 12, 20),
                                       CORRECTED_AT),
        upstream.took_office_corrected("H7", DAI_THANG, date(2024, 2, 1), date(2023, 6, 1),
                                       CORRECTED_AT),
    ]
    upstream.publish(*corrections)
    wait_applied(client, PLAN_DEFINITIONS + len(dialogue) + len(corrections))
    assert _i2(client) == (6, 8)
    assert _i2(client, as_of="2024-02-01T00:00:00+07:00") == (5, 7)
    rebuild_and_wait(client)
    assert _i2(client) == (6, 8)
