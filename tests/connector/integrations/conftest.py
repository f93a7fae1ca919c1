"""One environment for the business-card tests, in-process or against ``crm-harness serve``.

Both load the same seed-002 fixture through ``POST /__emulator/fixture`` and move the
same emulator clock through ``/__emulator/clock``.
"""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from card_helpers import SEED_FIXTURE, Env
from emulator.testing import serve_subprocess


@pytest.fixture(scope="module")
def card_server() -> Iterator:
    with serve_subprocess() as server:
        yield server


def _env_for(request: pytest.FixtureRequest) -> Env:
    if request.param == "in-process":
        session = request.getfixturevalue("crm_session")
        env = Env("in-process", session, "https://login.salesforce.com", {})
    else:
        server = request.getfixturevalue("card_server")
        session = requests.Session()
        request.addfinalizer(session.close)
        env = Env("serve", session, server.base_url, {"X-Admin-Token": server.admin_token})
    env.admin("POST", "/fixture", SEED_FIXTURE)
    return env


@pytest.fixture(params=["in-process", "serve"])
def env(request: pytest.FixtureRequest) -> Env:
    """The seed-002 org, in each mode."""
    return _env_for(request)

