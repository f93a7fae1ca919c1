"""pytest fixtures (entry point ``pytest11``): a fresh in-process emulator per test.

- ``crm_emulator``: an :class:`Emulator` on the demo org.
- ``crm_app``: its Flask app.
- ``crm_session``: a ``requests.Session`` wired to the app (any host).
- ``crm_mock``: ``mock()`` active, so code that builds its own sessions reaches the emulator.
- ``salesforce``: a ``connector.salesforce.SalesforceClient`` logged in with the password grant.
"""
from __future__ import annotations

import copy
import functools
from typing import Iterator

import pytest
import requests

from .app import create_app
from .config import Emulator, EmulatorConfig, default_fixture
from .core.transport import session_for
from .mock import mock

LOGIN_URL = "https://login.salesforce.com"


@functools.lru_cache(maxsize=1)
def _demo_fixture() -> dict:
    return default_fixture()


def fresh_emulator(seed: int | None = 1, **config) -> Emulator:
    """A new emulator on the demo org (the fixture file is read once per process)."""
    return Emulator(EmulatorConfig(seed=seed, fixture=copy.deepcopy(_demo_fixture()), **config))


@pytest.fixture
def crm_emulator() -> Emulator:
    return fresh_emulator()


@pytest.fixture
def crm_app(crm_emulator: Emulator):
    return create_app(crm_emulator)


@pytest.fixture
def crm_session(crm_app) -> Iterator[requests.Session]:
    session = session_for(crm_app)
    yield session
    session.close()


@pytest.fixture
def crm_mock(crm_emulator: Emulator) -> Iterator[Emulator]:
    with mock(crm_emulator) as emulator:
        yield emulator


@pytest.fixture
def salesforce(crm_session: requests.Session):
    from connector.salesforce import SalesforceClient
    fixture = _demo_fixture()
    user, app = fixture["users"][0], fixture["connected_apps"][0]
    return SalesforceClient.login_password(LOGIN_URL, app["client_id"], app["client_secret"], user["username"],
                                           user["password"], user.get("security_token", ""), session=crm_session)
