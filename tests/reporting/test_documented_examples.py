"""Every documented example of a reporting command is one the service accepts (K6, extended
from indicators: tests/apidocs/commandexamples.py). With the sources' facts of two quarters
fed, each command route's example body is sent unchanged to the period it is written for
(the first quarter of 2023: its window moved a day, then its report finalised as of now, as
the example leaves `as_of` out), and must be answered 2xx. SQLite and PostgreSQL."""

from __future__ import annotations

from tests.apidocs.commandexamples import Step, send_examples
from tests.reporting.conftest import Reporting
from tests.reporting.scenario import two_quarter_scenario

STEPS = (
    Step("PUT", "/api/v1/periods/{period_id}", etag="/api/v1/periods/{period_id}"),
    Step("POST", "/api/v1/reports/{period_id}/finalise"),
    Step("POST", "/api/v1/admin/api-keys", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/rotate", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/revoke"),
)


def test_every_documented_command_example_is_accepted(reporting: Reporting) -> None:
    reporting.feed(two_quarter_scenario())
    refused = send_examples(reporting.client, STEPS, {"period_id": "2023-3m"})
    assert not refused, "documented examples refused:\n" + "\n".join(refused)
