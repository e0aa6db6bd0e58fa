"""Every documented example of a religion command is one the service accepts (K6, extended
from indicators: tests/apidocs/commandexamples.py). In a fresh store each command route's
example body is sent unchanged, but for the ids the service gave (a dossier step's event, a
case's id) and the path's choices (the dossier's action the example is written for, lodging;
the case's, starting its review; a site of its own to close), and must be answered 2xx.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from services.religion.apitexts import EXAMPLES
from services.religion.app import create_app
from shared.settings import Settings
from tests.apidocs.commandexamples import Step, send_examples


@pytest.fixture
def client(settings_factory: Callable[..., Settings]) -> Iterator[TestClient]:
    with TestClient(create_app(settings_factory("religion"))) as test_client:
        yield test_client


SITE = "/api/v1/sites/{site_code}"
CASE = "/api/v1/compliance-cases/{case_id}"
STEPS = (
    Step("POST", "/api/v1/sites"),
    Step("POST", f"{SITE}/registration/corrections", etag=SITE),
    Step("PATCH", SITE, etag=SITE),
    Step("POST", f"{SITE}/dossier/{{action}}", path={"action": "lodge"},
         remember={"event_id": "event_ids"}),
    Step("POST", f"{SITE}/dossier/steps/{{event_id}}/corrections", etag=SITE,
         etag_field="dossier_version"),
    # A certificate is issued on an accepted dossier.
    Step("POST", f"{SITE}/certificate", before=[(
        f"{SITE}/dossier/accept", {"acted_on": "2023-04-20"}, {})]),
    Step("POST", f"{SITE}/certificate/corrections", etag=SITE,
         etag_field="certificate_version"),
    # The example revokes the certificate as issued (CS 123456), not as corrected: a site of
    # its own, registered, lodged and issued as documented, accepted between.
    Step("POST", f"{SITE}/certificate/revoke", path={"site_code": "TL-002"}, before=[
        ("/api/v1/sites", {**EXAMPLES["RegisterSite"], "code": "TL-002"}, {}),
        ("/api/v1/sites/TL-002/dossier/lodge", EXAMPLES["DossierStepCommand"], {}),
        ("/api/v1/sites/TL-002/dossier/accept", {"acted_on": "2023-04-20"}, {}),
        ("/api/v1/sites/TL-002/certificate", EXAMPLES["IssueCertificate"], {})]),
    Step("POST", "/api/v1/compliance-cases", remember={"case_id": "case_id"}),
    Step("POST", f"{CASE}/{{action}}", path={"action": "start-review"}, etag=CASE),
    # A site of its own, registered as documented, to close.
    Step("POST", f"{SITE}/close", path={"site_code": "TL-003"}, etag=SITE, before=[(
        "/api/v1/sites", {**EXAMPLES["RegisterSite"], "code": "TL-003"}, {})]),
    Step("POST", "/api/v1/admin/api-keys", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/rotate", remember={"prefix": "prefix"}),
    Step("POST", "/api/v1/admin/api-keys/{prefix}/revoke"),
)


def test_every_documented_command_example_is_accepted(client: TestClient) -> None:
    refused = send_examples(client, STEPS, {"site_code": EXAMPLES["RegisterSite"]["code"]})
    assert not refused, "documented examples refused:\n" + "\n".join(refused)
