"""The browser tests' set-up: a missing Chromium is named; CRM_HARNESS_REQUIRE_BROWSER turns a skip into a failure."""
from __future__ import annotations

from emulator.dashboard import browser


def test_a_missing_browser_is_named(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    assert browser.missing() == "/nonexistent/chromium is missing (apt-get install chromium)"
    monkeypatch.setattr(browser, "CHROMIUM", "/bin/sh")
    monkeypatch.setattr(browser, "CHROMEDRIVER", "/nonexistent/chromedriver")
    assert "chromium-driver" in browser.missing()


def test_the_environment_variable_requires_the_browser(monkeypatch):
    monkeypatch.delenv(browser.REQUIRE_ENV, raising=False)
    assert not browser.required()
    monkeypatch.setenv(browser.REQUIRE_ENV, "0")
    assert not browser.required()
    monkeypatch.setenv(browser.REQUIRE_ENV, "1")
    assert browser.required()
