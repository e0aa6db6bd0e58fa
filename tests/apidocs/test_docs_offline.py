"""Swagger UI and ReDoc work on an intranet without internet (issue 17).

The religion service runs under uvicorn; Debian's headless Chromium opens `/docs` and
`/redoc` with every host but the loopback unresolvable and every proxied request sent to a
closed port, so a page that needs a CDN stays blank. The operations must be listed, and the
browser must have refused nothing under the pages' Content-Security-Policy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.religion.app import create_app
from shared.settings import Settings
from tests.integration.helpers import served
from tests.reporting.test_dashboard_browser import CHROMEDRIVER, CHROMIUM, _browser_or_skip

#: Nothing leaves the machine: names resolve to nothing but the loopback, and anything that
#: would go through a proxy goes to a port where nobody listens.
OFFLINE_ARGUMENTS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>;127.0.0.1",
)


def _settings(tmp_path: Path) -> Settings:
    return Settings.for_service(
        "religion", database_url=f"sqlite:///{tmp_path / 'religion.db'}",
        nats_url="nats://127.0.0.1:9", environment="test", data_dir=tmp_path / "data",
    )


@pytest.fixture
def live_religion(tmp_path: Path) -> Iterator[str]:
    _browser_or_skip()
    # The pages need only the service's files and its /openapi.json: no lifespan (NATS,
    # relay), no schema.
    app = create_app(_settings(tmp_path))
    try:
        with served(app, lifespan="off") as url:
            yield url
    finally:
        app.state.runtime.engine.dispose()


@pytest.fixture
def offline_browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1600", *OFFLINE_ARGUMENTS):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or CHROMEDRIVER),
                              options=options)
    try:
        yield driver
    finally:
        driver.quit()


#: ReDoc's "API docs by Redocly" footer always asks for this logo from Redocly's CDN (its
#: bundle has no option against it); the policy refuses it, the footer hides the image on the
#: error, and the page works without it. It is the one request the pages would send out.
REDOC_ATTRIBUTION_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _refusals(driver: Any) -> list[str]:
    """What the console says went wrong: a policy refusal, a file that did not load."""
    console: list[dict[str, str]] = driver.get_log("browser")
    return [entry["message"] for entry in console
            if (entry.get("level") == "SEVERE" or "Content Security Policy" in entry["message"])
            and REDOC_ATTRIBUTION_LOGO not in entry["message"]]


def test_swagger_ui_and_redoc_list_the_operations_without_network(
    live_religion: str, offline_browser: Any
) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver, wait = offline_browser, WebDriverWait(offline_browser, 30)
    # The network really is off for this browser: a public address does not load.
    with pytest.raises(WebDriverException, match=r"ERR_PROXY_CONNECTION_FAILED|ERR_NAME"):
        driver.get("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js")
    driver.get_log("browser")  # that failure is not the pages'

    driver.get(f"{live_religion}/docs")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    paths = {e.get_attribute("data-path") for e in driver.find_elements(
        By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/v1/sites", "/api/v1/sites/{site_code}/dossier/{action}"} <= paths
    # "Authorize" is there: the document declares how to authenticate.
    assert driver.find_elements(By.CSS_SELECTOR, ".btn.authorize")
    assert _refusals(driver) == []

    driver.get(f"{live_religion}/redoc")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-section-id^='operation/']"))
    operations = driver.find_elements(By.CSS_SELECTOR, "[data-section-id^='operation/']")
    assert len(operations) >= 20
    assert _refusals(driver) == []
