"""`target`: the same destination tests against the in-process emulator and against `crm-harness serve`."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from dest_helpers import Target, served_target
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


@pytest.fixture(params=["inprocess", "serve"])
def target(request) -> Iterator[Target]:
    if request.param == "inprocess":
        yield _inprocess()
    else:
        yield served_target(request.getfixturevalue("dest_server"))
