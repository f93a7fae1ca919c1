"""SF-OAUTH-2 as seed 000 uses it: the token-less password (trusted IP ranges, relaxed connected app) and My Domain."""
from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.config import Emulator, EmulatorConfig
from emulator.core.transport import session_for
from emulator.pytest_plugin import _demo_fixture

FORM = {"grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com"}
AUTH_FAILURE = {"error": "invalid_grant", "error_description": "authentication failure"}


def session_with(org: dict | None = None, relax: bool = False):
    fixture = {**_demo_fixture(), "org": {**_demo_fixture()["org"], **(org or {})}}
    fixture["connected_apps"] = [{**app, "relax_ip_restrictions": relax} for app in fixture["connected_apps"]]
    return session_for(create_app(Emulator(EmulatorConfig(seed=1, fixture=fixture))))


def token(session, password: str, host: str = "login.salesforce.com"):
    return session.post(f"https://{host}/services/oauth2/token", data={**FORM, "password": password})


def test_the_password_alone_is_refused_by_default_and_token_appended_works():
    session = session_with()
    assert token(session, "password123").json() == AUTH_FAILURE
    assert token(session, "password123TOKEN123").status_code == 200


@pytest.mark.parametrize("ranges, ok", [(["127.0.0.0/8"], True), (["10.0.0.0/8"], False),
                                        (["10.0.0.0/8", "127.0.0.1/32"], True)])
def test_the_password_alone_works_only_from_a_trusted_ip_range(ranges, ok):
    session = session_with({"trusted_ip_ranges": ranges})
    response = token(session, "password123")
    assert (response.status_code == 200) is ok
    if not ok:
        assert response.status_code == 400 and response.json() == AUTH_FAILURE
    assert token(session, "password123TOKEN123").status_code == 200  # the token still works
    assert token(session, "wrong").json() == AUTH_FAILURE


def test_a_connected_app_relaxing_ip_restrictions_takes_the_password_alone():
    session = session_with(relax=True)
    assert token(session, "password123").status_code == 200
    assert token(session, "password12").json() == AUTH_FAILURE


def test_the_org_my_domain_is_the_instance_url_and_selects_the_org():
    session = session_with({"my_domain": "d5i000000isb4eak-dev-ed"})
    body = token(session, "password123TOKEN123").json()
    assert body["instance_url"] == "https://d5i000000isb4eak-dev-ed.my.salesforce.com"
    mine = token(session, "password123TOKEN123", "d5i000000isb4eak-dev-ed.my.salesforce.com")
    assert mine.status_code == 200
    assert mine.json()["instance_url"] == "https://d5i000000isb4eak-dev-ed.my.salesforce.com"


def test_an_unknown_my_domain_answers_not_found():
    response = token(session_with(), "password123TOKEN123", "nope.my.salesforce.com")
    assert response.status_code == 404
    assert response.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


@pytest.mark.parametrize("settings, message", [({"my_domain": "bad domain"}, "my_domain"),
                                               ({"trusted_ip_ranges": ["nope"]}, "nope"),
                                               ({"trusted_ip_ranges": "10.0.0.0/8"}, "list")])
def test_bad_org_settings_are_refused_by_the_admin_config(crm_session, settings, message):
    response = crm_session.post("http://x/__emulator/config", json={"salesforce": settings})
    assert response.status_code == 400 and message in response.json()["error"]


def test_org_settings_round_trip_through_the_admin_config(crm_session):
    response = crm_session.post("http://x/__emulator/config",
                                json={"salesforce": {"my_domain": "Acme", "trusted_ip_ranges": ["10.1.2.0/24"]}})
    assert response.json()["salesforce"]["my_domain"] == "acme"
    assert response.json()["salesforce"]["trusted_ip_ranges"] == ["10.1.2.0/24"]
