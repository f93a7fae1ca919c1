"""The dashboard in a real headless Chromium (Debian's chromium + chromedriver through selenium) against a
real `crm-harness serve`: log in with the admin token, search a Contact and open it, advance the clock a day
and watch a scheduled run appear, inject a fault through the form and find it in the journal.

Without Chromium the tests skip, unless CRM_HARNESS_REQUIRE_BROWSER=1 (CI sets it): then they fail."""
from __future__ import annotations

import pytest
import requests

from connector.flowservice import AepClient
from emulator.dashboard import browser
from emulator.testing import serve_subprocess

UI = "/__emulator/ui"
WAIT = 15


@pytest.fixture(scope="module")
def server():
    reason = browser.missing()
    if reason:
        if browser.required():
            pytest.fail(f"{browser.REQUIRE_ENV} is set but no browser can run: {reason}")
        pytest.skip(f"no headless browser: {reason}")
    with serve_subprocess("--demo", "--count", "5") as running:
        yield running


@pytest.fixture(scope="module")
def driver(server):
    with browser.chromium() as chrome:
        chrome.implicitly_wait(0)
        yield chrome


@pytest.fixture(scope="module")
def api(server):
    """A logged-in Salesforce REST caller on the served emulator."""
    http = requests.Session()
    token = http.post(f"{server.base_url}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    yield http
    http.close()


def wait_for(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT).until(condition, message)


def by(how: str):
    from selenium.webdriver.common.by import By
    return getattr(By, how)


def present(driver, css: str):
    from selenium.webdriver.support import expected_conditions as ec
    return wait_for(driver, ec.presence_of_element_located((by("CSS_SELECTOR"), css)), f"no {css}")


def log_in(server, driver, token: str) -> None:
    present(driver, "#token").send_keys(token)
    driver.find_element(by("CSS_SELECTOR"), "#login-form button").click()


@pytest.fixture
def logged_in(server, driver):
    """The browser logged in (each test may run on its own xdist worker, with its own server and browser)."""
    driver.get(server.base_url + UI)
    present(driver, "header.top")
    if driver.find_elements(by("ID"), "token"):
        log_in(server, driver, server.admin_token)
        wait_for(driver, lambda d: d.find_elements(by("ID"), "users"), "the overview did not open after login")
    return driver


def test_log_in_with_the_admin_token(server, driver):
    driver.get(server.base_url + UI)
    driver.delete_all_cookies()  # logged out, whichever test this browser ran before
    driver.get(server.base_url + UI)
    field = present(driver, "#token")
    assert "Admin token" in driver.page_source and not driver.find_elements(by("ID"), "users")
    field.send_keys("not the token")
    driver.find_element(by("CSS_SELECTOR"), "#login-form button").click()
    wait_for(driver, lambda d: "That is not the admin token" in d.page_source, "no refusal shown")
    log_in(server, driver, server.admin_token)
    wait_for(driver, lambda d: d.find_elements(by("ID"), "users"), "the overview did not open after login")
    assert driver.current_url.endswith(UI) and "admin@example.com" in driver.page_source
    assert "harness-client-secret" not in driver.page_source and "password123" not in driver.page_source


def test_search_a_contact_and_open_it(server, logged_in, api):
    driver = logged_in
    created = api.post(f"{server.base_url}/services/data/v59.0/sobjects/Contact", json={
        "FirstName": "Zebulon", "LastName": "Quixote", "Email": "zeb.quixote@example.com", "Title": "Navigator"})
    assert created.status_code == 201, created.text
    contact_id = created.json()["id"]
    driver.get(f"{server.base_url}{UI}/objects")
    present(driver, "#objects")
    driver.find_element(by("LINK_TEXT"), "Contact").click()
    search = present(driver, "#q")
    search.send_keys("quixote")
    driver.find_element(by("CSS_SELECTOR"), "#record-search button").click()
    wait_for(driver, lambda d: "1–1 of 1 records" in d.page_source, "the search did not narrow to one record")
    driver.find_element(by("LINK_TEXT"), "Zebulon Quixote").click()
    title = present(driver, "#record-title")
    assert title.text == "Zebulon Quixote"
    assert contact_id in driver.current_url
    assert "Navigator" in driver.page_source and "zeb.quixote@example.com" in driver.page_source


def _demo_daily_flow(base: str) -> tuple[str, int]:
    """The demo's seed-004 source flow (daily) and how many runs it has made so far."""
    with requests.Session() as http:
        aep = AepClient("harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg", ims_url=base,
                        platform_url=base, session=http)
        flow = next(f for f in aep.flow_items("flows") if f["name"] == "Salesforce dataflow")
        runs = list(aep.flow_items("runs", {"property": f"flowId=={flow['id']}"}))
    return flow["id"], len(runs)


def test_advance_the_clock_a_day_and_watch_a_scheduled_run_appear(server, logged_in):
    driver = logged_in
    base = server.base_url
    flow_id, before = _demo_daily_flow(base)
    driver.get(f"{base}{UI}/aep/prod/flows?flow={flow_id}")
    present(driver, "#runs-table")
    wait_for(driver, lambda d: "Salesforce dataflow" in d.page_source, "the flow is not listed")
    assert len(driver.find_elements(by("CSS_SELECTOR"), "#runs-table tr.run")) == before
    driver.find_element(by("LINK_TEXT"), "Clock & faults").click()
    duration = present(driver, "#duration")
    duration.clear()
    duration.send_keys("1d")
    driver.find_element(by("CSS_SELECTOR"), "#advance-form button").click()
    wait_for(driver, lambda d: "Clock advanced by 1d" in d.page_source, "no confirmation of the clock move")
    driver.get(f"{base}{UI}/aep/prod/flows?flow={flow_id}")
    present(driver, "#runs-table")
    runs = wait_for(driver, lambda d: len(d.find_elements(by("CSS_SELECTOR"), "#runs-table tr.run")) > before
                    and d.find_elements(by("CSS_SELECTOR"), "#runs-table tr.run"), "no run appeared")
    assert len(runs) == before + 1  # one day: the daily flow's next slot, once
    assert "success" in runs[0].text and "Salesforce dataflow" in runs[0].text


def test_inject_a_fault_and_see_it_in_the_journal(server, logged_in, api):
    driver = logged_in
    driver.get(f"{server.base_url}{UI}/controls")
    path = present(driver, "#fault-path")
    path.clear()
    path.send_keys("/services/data/*/limits")
    driver.find_element(by("ID"), "fault-status").send_keys("503")
    driver.find_element(by("ID"), "fault-submit").click()
    wait_for(driver, lambda d: "active on /services/data/*/limits" in d.page_source, "the fault was not added")
    rules = driver.find_elements(by("CSS_SELECTOR"), "#fault-rules tbody tr")
    assert any("/services/data/*/limits" in r.text for r in rules)

    assert api.get(f"{server.base_url}/services/data/v59.0/limits").status_code == 503

    driver.find_element(by("LINK_TEXT"), "Journal").click()
    status = present(driver, "#journal-filters input[name=status]")
    status.send_keys("503")
    driver.find_element(by("CSS_SELECTOR"), "#journal-filters button").click()
    wait_for(driver, lambda d: "status=503" in d.current_url, "the filter was not applied")
    present(driver, "#journal")
    rows = driver.find_elements(by("CSS_SELECTOR"), "#journal tbody tr")
    assert len(rows) == 1 and "/services/data/v59.0/limits" in rows[0].text and "503" in rows[0].text
