"""`target`: the same destination tests against the in-process emulator and against `crm-harness serve`."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from dest_helpers import Target
from emulator.core.transport import session_for
from emulator.app import create_app
from emulator.pytest_plugin import fresh_emulator
from emulator.testing import serve_subprocess


@pytest.fixture(scope="session")
def dest_server():
    with serve_subprocess() as server:
        yield server


def _inprocess() -> Target:
    emulator = fresh_emulator()
    session = session_for(create_app(emulator))

    def admin(method: str, path: str, json=None) -> requests.Response:
        return session.request(method, f"http://emulator/__emulator{path}", json=json)
    return Target("https://login.salesforce.com", session, admin, "http://emulator")


def _served(server) -> Target:
    session = requests.Session()

    def admin(method: str, path: str, json=None) -> requests.Response:
        return session.request(method, f"{server.base_url}/__emulator{path}", json=json,
                               headers={"X-Admin-Token": server.admin_token})
    assert admin("POST", "/reset").status_code == 200
    assert admin("DELETE", "/faults").status_code == 200
    return Target(server.base_url, session, admin, server.base_url)


@pytest.fixture(params=["inprocess", "serve"])
def target(request) -> Iterator[Target]:
    if request.param == "inprocess":
        yield _inprocess()
    else:
        yield _served(request.getfixturevalue("dest_server"))
