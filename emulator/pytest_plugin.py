"""pytest fixtures (entry point ``pytest11``): a fresh in-process emulator per test.

- ``crm_emulator``: an :class:`Emulator` on the demo org, with the control-plane methods of
  :class:`~emulator.control.ControlPlane`; shaped per test by markers (applied in this order):
  ``@pytest.mark.crm_fixture({...})`` (a fixture merged over the demo org, or indirect
  parametrization of ``crm_emulator`` with such a dict), ``@pytest.mark.crm_org(daily_api_limit=5)``,
  ``@pytest.mark.crm_custom_field("Contact", "Mapping_Id__c", type="LongTextArea", length=32768)``
  (repeatable), ``@pytest.mark.crm_data(Contact=[{...}])`` or ``crm_data(generate={"count": 5})``.
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


MARKERS = {
    "crm_fixture": "crm_fixture(fixture): replace the demo org with this fixture (merged over the demo)",
    "crm_org": "crm_org(**settings): org settings for this test, e.g. crm_org(daily_api_limit=5)",
    "crm_custom_field": "crm_custom_field(sobject, name, type='Text', **metadata): a custom field (repeatable)",
    "crm_data": "crm_data(**records) or crm_data(generate={...}): seed records for this test",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", text)


def shape_emulator(emulator: Emulator, node: pytest.Item, param: dict | None = None) -> Emulator:
    """Apply a test's ``crm_*`` markers (and an indirect ``crm_emulator`` parameter) to ``emulator``."""
    fixture = param if param is not None else next(
        (m.args[0] for m in node.iter_markers("crm_fixture")), None)
    if fixture is not None:
        emulator.use_fixture(fixture)
    for marker in reversed(list(node.iter_markers("crm_org"))):  # the closest marker wins
        emulator.configure(**marker.kwargs)
    for marker in reversed(list(node.iter_markers("crm_custom_field"))):
        emulator.add_custom_field(*marker.args, **marker.kwargs)
    for marker in reversed(list(node.iter_markers("crm_data"))):
        emulator.seed(**marker.kwargs)
    return emulator


@pytest.fixture
def crm_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A fresh emulator on the demo org, shaped by the test's ``crm_*`` markers."""
    return shape_emulator(fresh_emulator(), request.node, getattr(request, "param", None))


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
