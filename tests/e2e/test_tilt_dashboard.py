"""Tilt's dashboard as a person sees it under `make tilt`, in headless Chromium: the resources
grouped under the Tiltfile's labels, flask-app's link, unit-tests green, and the curl-ingress
button, clicked in the page, putting the app's JSON answer in its log.

The selectors are the UI's own names (tilt-dev/tilt web/src): the ids `tableOverview-<label>`
of the group headings, the resource-name buttons, the trigger buttons' aria-labels, the
status classes, the "Log pane" aria-label. DASHBOARD_SCREENSHOT=path.png also saves the
dashboard, every resource done, for the docs.
"""

import json
import os
import re
import shutil

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import loop
from tests.support.layers import cannot_run

pytestmark = pytest.mark.e2e
WAIT = 60  # for the page to show what Tilt knows, and for one run of a button
GROUPS = {"app": "flask-app", "tests": "unit-tests", "tools": "curl-ingress", "Tiltfile": "(Tiltfile)"}
ANSWER = re.compile(r'\{"athlete":\s*"[^"]*"\}')


@pytest.fixture(scope="module")
def tool_env():
    """The copy's environment, analytics off as under CI=true: no opt-in banner over the page."""
    return {**loop.tool_env(), "TILT_DISABLE_ANALYTICS": "1"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium through chromedriver, both the system's (Debian: chromium, chromium-driver)."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        cannot_run("E2E LAYER (TILT DASHBOARD)", "chromium or chromedriver is not on PATH",
                   "Debian: `apt-get install chromium chromium-driver` (CI's .ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.add_argument("--headless=new")
    options.add_argument("--window-size=1600,1000")
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    # 127.0.0.1 only: every other name or address fails to resolve (the page's Google Fonts
    # fall back to local ones), and Chromium's own background requests are not even tried.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options.add_argument("--disable-background-networking")
    if os.geteuid() == 0:
        # Chromium will not run its sandbox as root (CI runs as root) and exits unless told to
        # go without it. The only page it loads is Tilt's own UI from 127.0.0.1.
        options.add_argument("--no-sandbox")
    # An explicit driver path: Selenium Manager, which would download one, is never run.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def dashboard(browser, tilt_up, tmp_path, request):
    """The dashboard's table view; a failing test leaves a screenshot of the page in tmp_path."""
    failures = request.session.testsfailed
    browser.get(f"http://127.0.0.1:{tilt_up}/overview")
    yield browser
    # The session counts a failed call before the fixture's teardown runs.
    if request.session.testsfailed > failures:
        browser.save_screenshot(str(tmp_path / "dashboard.png"))
        print(f"screenshot of the dashboard: {tmp_path / 'dashboard.png'}")


def shown(page, what, check):
    """Wait until check(page) is true as the page re-renders; fail with what the page shows."""
    try:
        # React redraws the table on every update from Tilt: elements vanish and reappear.
        WebDriverWait(page, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                      ).until(check)
    except TimeoutException:
        body = page.find_element(By.TAG_NAME, "body").text
        raise AssertionError(f"the dashboard did not show {what} within {WAIT} s; it shows:\n{body}") from None


def row(page, label, name):
    """A resource's row in the table under its label's heading."""
    return page.find_element(By.XPATH, f"//*[@id='tableOverview-{label}']/following-sibling::*"
                                       f"//tr[.//button[normalize-space()='{name}']]")


def healthy_update(page, label, name):
    """Whether the resource's last update is shown green (Tilt's `is-healthy` status)."""
    status = row(page, label, name).find_element(By.XPATH, ".//a[starts-with(normalize-space(), 'Updated')]")
    return "is-healthy" in status.get_attribute("class").split()


def test_the_dashboard_shows_each_resource_under_its_label_with_its_link_and_status(dashboard):
    shown(dashboard, "a heading for each label", lambda page: {
        heading.get_attribute("id").removeprefix("tableOverview-")
        for heading in page.find_elements(By.XPATH, "//*[starts-with(@id, 'tableOverview-')]")} == set(GROUPS))
    for label, name in GROUPS.items():
        shown(dashboard, f"{name} under {label}", lambda page: row(page, label, name).is_displayed())

    shown(dashboard, "flask-app's link to its port-forward", lambda page: row(page, "app", "flask-app").find_element(
        By.LINK_TEXT, "favorite athlete").get_attribute("href") == "http://localhost:5000/")
    shown(dashboard, "unit-tests green", lambda page: healthy_update(page, "tests", "unit-tests"))


def test_clicking_the_curl_ingress_button_shows_the_apps_answer_in_its_log(dashboard):
    # Manual and never run: the button asks "Trigger update to sync changes", later "Trigger update".
    trigger = ".//button[starts-with(@aria-label, 'Trigger update')]"
    shown(dashboard, "curl-ingress's trigger button, enabled",
          lambda page: row(page, "tools", "curl-ingress").find_element(By.XPATH, trigger).is_enabled())
    row(dashboard, "tools", "curl-ingress").find_element(By.XPATH, trigger).click()
    shown(dashboard, "curl-ingress's run ending green", lambda page: healthy_update(page, "tools", "curl-ingress"))

    # Its name opens its page, with its log.
    row(dashboard, "tools", "curl-ingress").find_element(By.XPATH, ".//button[text()='curl-ingress']").click()
    log = "//*[@aria-label='Log pane']"
    shown(dashboard, 'the JSON answer {"athlete": ...} in curl-ingress\'s log',
          lambda page: ANSWER.search(page.find_element(By.XPATH, log).text))
    answer = json.loads(ANSWER.search(dashboard.find_element(By.XPATH, log).text).group())
    assert answer["athlete"], answer

    if os.environ.get("DASHBOARD_SCREENSHOT"):
        dashboard.find_element(By.XPATH, "//*[@aria-label='Table view']").click()
        shown(dashboard, "curl-ingress green in the table", lambda page: healthy_update(page, "tools", "curl-ingress"))
        assert dashboard.save_screenshot(os.environ["DASHBOARD_SCREENSHOT"]), os.environ["DASHBOARD_SCREENSHOT"]
