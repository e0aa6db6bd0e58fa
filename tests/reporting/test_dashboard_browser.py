"""The dashboard in a real headless Chromium (Debian's package, driven by Selenium): the four
indicator figures are read off the page, one drill-down is clicked through, and the period
filter (the page's JavaScript) switches the period."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.reporting.adapters.tables import FACT_TABLES
from services.reporting.app import create_app
from shared.adminunits import OWN_UNIT_RECORDS
from shared.natsserver import NatsServer
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.integration.helpers import ensure_streams, publish, served, wait_until
from tests.reporting.scenario import TIEN_LANG, TIEN_LANG_COMMUNES, two_quarter_scenario

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
    asyncio.run(ensure_streams(nats_server.url, subject_root, FACT_TABLES))
    app = create_app(settings_factory("reporting"))
    runtime: ServiceRuntime = app.state.runtime
    with served(app) as url:
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
        yield url


def _chromium(width: int, height: int) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    # The console, to see whether the Content-Security-Policy refused anything of the page.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or CHROMEDRIVER),
                            options=options)


def test_the_dashboard_shows_the_indicators_and_drills_down(live_dashboard: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver = _chromium(1280, 1600)
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
        # The children's rows (data-unit), not the lines under them (the city's own, here).
        rows = driver.find_elements(By.CSS_SELECTOR, "#drilldown tbody tr[data-unit]")
        assert len(rows) == 15
        driver.find_element(By.CSS_SELECTOR, f'a.drill[data-unit="{TIEN_LANG}"]').click()
        wait.until(lambda d: d.find_element(By.ID, "current-unit").get_attribute("data-unit")
                   == TIEN_LANG)
        assert driver.find_element(By.ID, "current-unit").text == "Huyện Tiên Lãng"
        assert tiles()["I1"] == ("4,76%", "co_nguy_co")  # 1 of its 21 communes, < 20 %
        assert len(driver.find_elements(By.CSS_SELECTOR, "#drilldown tbody tr[data-unit]")) \
            == TIEN_LANG_COMMUNES
        assert driver.find_element(By.CSS_SELECTOR, "#drilldown tbody tr.own").text.startswith(
            OWN_UNIT_RECORDS)  # H1, the district's own head

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
        console: list[dict[str, str]] = driver.get_log("browser")
        refused = [entry["message"] for entry in console
                   if "Content Security Policy" in entry["message"]]
        assert refused == []
    finally:
        driver.quit()


# Rendered sizes read off the page (CSS pixels): each chart's box, and per unit name of the
# drill-down table the number of line boxes its link takes (2 or more: the name wraps).
_LAYOUT = """
const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
return {
  charts: Array.from(document.querySelectorAll('#charts figure.chart svg')).map(box),
  names: Array.from(document.querySelectorAll('#drilldown td.name a')).map(
    a => [a.textContent, a.getClientRects().length]),
  pageWidth: document.documentElement.scrollWidth,
  viewport: window.innerWidth,
};
"""


def test_the_layout_at_common_screen_sizes(live_dashboard: str, tmp_path: Path) -> None:
    # Both sizes against one service (its scenario is published once).
    for size in ((1366, 768), (1920, 1080)):
        _check_layout(live_dashboard, size, tmp_path)


def _check_layout(live_dashboard: str, size: tuple[int, int], tmp_path: Path) -> None:
    """Opened with no period it shows the scenario's year (2023, not an empty current year);
    the thematic page's chart is the size of the main page's; no unit name wraps; the page
    never scrolls sideways; a bad link is a Vietnamese page. Screenshots are kept under
    DASHBOARD_SCREENSHOTS when set (to look at them), else in the test's tmp dir."""
    from selenium.webdriver.common.by import By

    shots = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    label = f"{size[0]}x{size[1]}"
    driver = _chromium(*size)
    try:
        driver.get(f"{live_dashboard}/")
        selected = driver.find_element(By.CSS_SELECTOR, "#period-select option:checked")
        assert selected.get_attribute("value") == "2023-12m"
        assert driver.find_elements(By.ID, "no-data") == []
        main = driver.execute_script(_LAYOUT)
        driver.save_screenshot(str(shots / f"main-{label}.png"))

        assert len(main["charts"]) == 4
        widths = {round(w) for w, _ in main["charts"]}
        assert len(widths) == 1, main["charts"]  # the four charts the same size
        chart_w, chart_h = main["charts"][0]
        assert 220 <= chart_w <= 480 and 120 <= chart_h <= 220, main["charts"]
        assert len(main["names"]) == 15
        wrapped = [name for name, lines in main["names"] if lines != 1]
        assert wrapped == []
        assert main["pageWidth"] <= main["viewport"]

        # A district's communes, whose names are the longest ("Thị trấn Tiên Lãng").
        driver.get(f"{live_dashboard}/?period=2023-6m&unit={TIEN_LANG}")
        district = driver.execute_script(_LAYOUT)
        assert len(district["names"]) == TIEN_LANG_COMMUNES
        assert [name for name, lines in district["names"] if lines != 1] == []
        assert district["pageWidth"] <= district["viewport"]
        driver.execute_script("document.getElementById('drilldown').scrollIntoView()")
        driver.save_screenshot(str(shots / f"district-{label}.png"))

        # The thematic page: one chart, as large as one of the main page's, not the row.
        driver.get(f"{live_dashboard}/chuyen-de/doi-thoai?period=2023-6m")
        thematic = driver.execute_script(_LAYOUT)
        driver.save_screenshot(str(shots / f"thematic-{label}.png"))
        assert len(thematic["charts"]) == 1
        assert abs(thematic["charts"][0][0] - chart_w) <= 1
        assert abs(thematic["charts"][0][1] - chart_h) <= 1

        # A commune's page names the commune in its scope line.
        driver.get(f"{live_dashboard}/chuyen-de/doi-thoai?period=2023-6m&unit=11755")
        window = driver.find_element(By.ID, "data-window").text
        current = driver.find_element(By.ID, "current-unit").text
        assert window.endswith(f"phạm vi: {current})") and "Hải Phòng" not in window

        # A bad link: a Vietnamese page with the code and a link back, not JSON.
        driver.get(f"{live_dashboard}/?period=2023-7m")
        assert driver.find_element(By.ID, "error-code").text == "INVALID_PERIOD"
        assert "2023-7m" in driver.find_element(By.ID, "error-message").text
        driver.save_screenshot(str(shots / f"error-{label}.png"))
        driver.find_element(By.ID, "back-link").click()
        assert driver.find_element(By.ID, "page-title").text == \
            "Bảng điều khiển công tác dân vận"
    finally:
        driver.quit()
