"""A real headless Chromium for the dashboard's browser tests and screenshots (Debian's chromium and
chromedriver, driven by selenium; nothing is downloaded at run time)."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REQUIRE_ENV = "CRM_HARNESS_REQUIRE_BROWSER"
OPTIONS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1")


def missing() -> str | None:
    """Why no browser can run here (None when Chromium, its driver and selenium are all present)."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install {package})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def required() -> bool:
    """Set ``CRM_HARNESS_REQUIRE_BROWSER=1`` (CI does) to fail instead of skipping when it is missing."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


@contextmanager
def chromium(width: int = 1360, height: int = 900) -> Iterator[Any]:
    """A selenium driver on a fresh, throw-away profile; always quit and cleaned up."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="crm-harness-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (*OPTIONS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
