"""The dashboard in a real headless Chromium (Debian's package, driven by Selenium): the four
indicator figures are read off the page, one drill-down is clicked through, and the period
filter (the page's JavaScript) switches the period."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from sqlalchemy import func, select

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from shared.natsserver import NatsServer, free_port
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.reporting.conftest import _ensure_streams
from tests.reporting.scenario import TIEN_LANG, TIEN_LANG_COMMUNES, publish, two_quarter_scenario

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _browser_or_skip() -> None:
    problem = None
    if not (os.path.exists(CHROMIUM) and shutil.which("chromedriver")):
        problem = ("Debian's chromium and chromium-driver are not installed "
                   "(tools/ensure_chromium.sh)")
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            problem = "the selenium package is not installed (pip install -e '.[dev]')"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)


@pytest.fixture
def live_dashboard(
    request: pytest.FixtureRequest, settings_factory: Callable[..., Settings],
    nats_server: NatsServer, subject_root: str,
) -> Iterator[str]:
    if request.node.callspec.params.get("database_url_factory") == "postgresql":
        pytest.skip("the page is the same on both databases; the browser runs once")
    _browser_or_skip()
    asyncio.run(_ensure_streams(nats_server.url, subject_root))
    app = create_app(settings_factory("reporting"))
    runtime: ServiceRuntime = app.state.runtime
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    events = two_quarter_scenario()
    asyncio.run(publish(nats_server.url, subject_root, events.items))
    wanted = {source: events.count(source) for source in FACT_TABLES}

    def projected() -> bool:
        with runtime.engine.connect() as conn:
            return all(
                conn.execute(select(func.count()).select_from(t)).scalar_one() == wanted[s]
                for s, t in FACT_TABLES.items()
            )

    wait_until(projected, timeout=30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_the_dashboard_shows_the_indicators_and_drills_down(live_dashboard: str) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(argument)
    # The console, to see whether the Content-Security-Policy refused anything of the page.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or CHROMEDRIVER),
                              options=options)
    wait = WebDriverWait(driver, 20)
    try:
        driver.get(f"{live_dashboard}/?period=2023-3m")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Bảng điều khiển công tác dân vận"

        def tiles() -> dict[str, tuple[str, str]]:
            found = {}
            for key in ("I1", "I2", "I3", "I4"):
                tile = driver.find_element(By.ID, f"tile-{key}")
                value = tile.find_element(By.CLASS_NAME, "tile-value").text
                found[key] = (value, tile.get_attribute("data-status") or "")
            return found

        # The four figures as a person reads them (Vietnamese decimal comma, 2 decimals).
        # At 14/03 the plan year is 73/365 = 1/5 gone: the pace is 20 % for I1, 2 % for I4.
        assert tiles() == {
            "I1": ("0,46%", "co_nguy_co"),  # 1 of the 217 communes of 2023, behind 20 %
            "I2": ("100%", "chua_den_han"),  # nobody owed a session by 14/03 (test_reports.py)
            "I3": ("50%", "dat"),
            "I4": ("0%", "co_nguy_co"),  # behind the pace of 2 %
        }
        # Status colours come from the service's own stylesheet (no CDN).
        green = driver.find_element(By.ID, "tile-I3").value_of_css_property("border-left-color")
        assert green in ("rgba(30, 125, 50, 1)", "rgb(30, 125, 50)")
        assert "15/12/2022" in driver.find_element(By.ID, "data-window").text
        assert len(driver.find_elements(By.CSS_SELECTOR, "#charts svg")) == 4

        # City → district: click Huyện Tiên Lãng in the table.
        rows = driver.find_elements(By.CSS_SELECTOR, "#drilldown tbody tr")
        assert len(rows) == 15
        driver.find_element(By.CSS_SELECTOR, f'a.drill[data-unit="{TIEN_LANG}"]').click()
        wait.until(lambda d: d.find_element(By.ID, "current-unit").get_attribute("data-unit")
                   == TIEN_LANG)
        assert driver.find_element(By.ID, "current-unit").text == "Huyện Tiên Lãng"
        assert tiles()["I1"] == ("4,76%", "co_nguy_co")  # 1 of its 21 communes, < 20 %
        assert len(driver.find_elements(By.CSS_SELECTOR, "#drilldown tbody tr")) == \
            TIEN_LANG_COMMUNES

        # The period filter (JavaScript submits on change) keeps the unit.
        Select(driver.find_element(By.ID, "period-select")).select_by_value("2023-6m")
        wait.until(lambda d: "period=2023-6m" in d.current_url)
        deadline = time.monotonic() + 20
        while driver.find_element(By.ID, "tile-I4").get_attribute("data-value") != "33.33":
            assert time.monotonic() < deadline, "the 6-month figures did not appear"
            time.sleep(0.1)
        assert driver.find_element(By.ID, "current-unit").get_attribute("data-unit") == TIEN_LANG

        # District → commune: a whole row is clickable.
        driver.find_element(By.CSS_SELECTOR, '#drilldown tr[data-unit="11755"] td[data-figure]'
                            ).click()
        wait.until(lambda d: d.find_element(By.ID, "current-unit").get_attribute("data-unit")
                   == "11755")
        assert driver.find_element(By.ID, "no-children").is_displayed()
        assert tiles()["I1"] == ("100%", "dat")

        # All of the above ran under the service's Content-Security-Policy (no inline script
        # or style, nothing from elsewhere), and the browser refused nothing of the page.
        console: list[dict[str, str]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
        refused = [entry["message"] for entry in console
                   if "Content Security Policy" in entry["message"]]
        assert refused == []
    finally:
        driver.quit()
