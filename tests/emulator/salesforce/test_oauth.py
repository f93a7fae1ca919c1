"""Token endpoint: password and client-credentials grants, connected apps, scopes.

Covers SF-OAUTH-1, SF-OAUTH-2, SF-OAUTH-3, SF-OAUTH-7 and the OAuth parts of SF-WIRE-1
(the token response always has ``id``; OAuth answers, errors included, are ``application/json``;
paths with a trailing slash are served).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sf_oauth_helpers import (CALLBACK, CLIENT_ID, CLIENT_SECRET, INSTANCE, LOGIN, PASSWORD, REST, SECURITY_TOKEN,
                              TOKEN_URL, USERNAME, add_app, bearer)

AUTH_FAILURE = {"error": "invalid_grant", "error_description": "authentication failure"}
UNKNOWN_CLIENT = {"error": "invalid_client_id", "error_description": "client identifier invalid"}
BAD_SECRET = {"error": "invalid_client", "error_description": "invalid client credentials"}
API_DISABLED = [{"message": "The REST API is not enabled for this Organization.", "errorCode": "API_DISABLED_FOR_ORG"}]


def password_form(**overrides) -> dict:
    form = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "username": USERNAME, "password": PASSWORD + SECURITY_TOKEN}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def cc_form(client_id: str = CLIENT_ID, client_secret: str | None = CLIENT_SECRET) -> dict:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    return {k: v for k, v in form.items() if v is not None}


def assert_oauth_error(response, body: dict, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == body
    assert list(response.json()) == list(body)


# -- SF-OAUTH-2 password grant ---------------------------------------------------------------
def test_password_grant_success_shape(crm_emulator, crm_session):
    now = crm_emulator.clock.freeze()
    response = crm_session.post(TOKEN_URL, data=password_form())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert "refresh_token" not in body and "scope" not in body
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == INSTANCE
    assert isinstance(body["issued_at"], str) and body["issued_at"] == str(int(now.timestamp() * 1000))
    match = re.fullmatch(rf"{re.escape(LOGIN)}/id/(00D\w{{15}})/(005\w{{15}})", body["id"])
    assert match, body["id"]
    org_id, user_id = match.groups()
    expected_sig = base64.b64encode(hmac.new(CLIENT_SECRET.encode(), (body["id"] + body["issued_at"]).encode(),
                                             hashlib.sha256).digest()).decode()
    assert body["signature"] == expected_sig

    info = crm_session.get(f"{LOGIN}/services/oauth2/userinfo", headers=bearer(body["access_token"])).json()
    assert (info["organization_id"], info["user_id"]) == (org_id, user_id)
    identity = crm_session.get(body["id"], headers=bearer(body["access_token"]))
    assert identity.status_code == 200
    assert identity.json()["username"] == USERNAME
    rest = crm_session.get(f"{body['instance_url']}/services/data/v59.0/sobjects", headers=bearer(body["access_token"]))
    assert rest.status_code == 200


def test_password_grant_tokens_are_distinct_per_login(crm_session):
    first = crm_session.post(TOKEN_URL, data=password_form()).json()["access_token"]
    second = crm_session.post(TOKEN_URL, data=password_form()).json()["access_token"]
    assert first != second
    for token in (first, second):
        assert crm_session.get(f"{REST}/limits", headers=bearer(token)).status_code == 200


def test_password_grant_username_is_case_insensitive(crm_session):
    response = crm_session.post(TOKEN_URL, data=password_form(username=USERNAME.upper()))
    assert response.status_code == 200


@pytest.mark.parametrize("username, password", [
    (USERNAME, "wrong" + SECURITY_TOKEN),            # wrong password
    (USERNAME, PASSWORD),                             # security token missing
    (USERNAME, PASSWORD + "WRONGTOKEN"),              # wrong security token
    (USERNAME, SECURITY_TOKEN + PASSWORD),            # concatenated the wrong way round
    (USERNAME, ""),
    (USERNAME, None),
    ("nobody@example.com", PASSWORD + SECURITY_TOKEN),
    (None, PASSWORD + SECURITY_TOKEN),
])
def test_password_grant_authentication_failure(crm_session, username, password):
    response = crm_session.post(TOKEN_URL, data=password_form(username=username, password=password))
    assert_oauth_error(response, AUTH_FAILURE)


@pytest.mark.parametrize("overrides, expected", [
    *(({"client_id": client_id}, UNKNOWN_CLIENT) for client_id in ["unknown-client", "", None, CLIENT_ID.upper()]),
    ({"client_id": "unknown-client", "password": "nope"}, UNKNOWN_CLIENT),  # reported before a bad password
    *(({"client_secret": secret}, BAD_SECRET) for secret in ["wrong-secret", "", None, CLIENT_SECRET + "x"]),
    ({"client_secret": "wrong", "password": "nope"}, BAD_SECRET),  # reported before a bad password
])
def test_password_grant_client_errors(crm_session, overrides, expected):
    response = crm_session.post(TOKEN_URL, data=password_form(**overrides))
    assert_oauth_error(response, expected)


@pytest.mark.parametrize("grant_type", ["foo", "", None, "PASSWORD", "implicit"])
def test_unsupported_grant_type(crm_session, grant_type):
    response = crm_session.post(TOKEN_URL, data=password_form(grant_type=grant_type))
    assert_oauth_error(response, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})


def test_token_endpoint_served_with_trailing_slash(crm_session):
    response = crm_session.post(TOKEN_URL + "/", data=password_form())
    assert response.status_code == 200
    assert response.json()["id"].startswith(f"{LOGIN}/id/")


def test_token_endpoint_on_a_my_domain_host_points_back_to_it(crm_session):
    response = crm_session.post(f"{INSTANCE}/services/oauth2/token", data=password_form())
    body = response.json()
    assert body["instance_url"] == INSTANCE
    assert body["id"].startswith(f"{INSTANCE}/id/")


# -- SF-OAUTH-1 connected apps and their propagation delay --------------------------------------
DELAYED_APP = {"name": "Business Cards", "client_id": "cards-client-id", "client_secret": "cards-secret",
               "callback_urls": [CALLBACK], "scopes": ["api", "refresh_token", "offline_access"],
               "client_credentials_enabled": True, "run_as": USERNAME, "propagation_delay_seconds": 600}


def _delayed_app_calls(session) -> dict[str, object]:
    return {
        "password": session.post(TOKEN_URL, data=password_form(client_id="cards-client-id",
                                                              client_secret="cards-secret")),
        "client_credentials": session.post(TOKEN_URL, data=cc_form("cards-client-id", "cards-secret")),
        "authorize": session.get(f"{LOGIN}/services/oauth2/authorize", allow_redirects=False, params={
            "response_type": "code", "client_id": "cards-client-id", "redirect_uri": CALLBACK}),
    }


def test_new_app_is_refused_until_its_propagation_delay_has_passed(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    add_app(crm_emulator, **DELAYED_APP)

    for moment in (timedelta(0), timedelta(minutes=9, seconds=59)):
        crm_emulator.clock.advance(moment)
        calls = _delayed_app_calls(crm_session)
        assert_oauth_error(calls["password"], UNKNOWN_CLIENT)
        assert_oauth_error(calls["client_credentials"], UNKNOWN_CLIENT)
        assert calls["authorize"].status_code == 400
        assert "invalid_client_id" in calls["authorize"].text

    crm_emulator.clock.advance(timedelta(seconds=1))  # exactly 10 minutes after the change
    calls = _delayed_app_calls(crm_session)
    assert calls["password"].status_code == 200
    assert calls["client_credentials"].status_code == 200
    assert calls["authorize"].status_code == 200
    assert "Business Cards" in calls["authorize"].text


def test_propagation_delay_with_freezegun(crm_emulator, crm_session):
    with freeze_time("2025-03-01 12:00:00") as frozen:
        add_app(crm_emulator, **DELAYED_APP)
        frozen.tick(timedelta(minutes=5))
        assert_oauth_error(crm_session.post(TOKEN_URL, data=cc_form("cards-client-id", "cards-secret")),
                           UNKNOWN_CLIENT)
        frozen.tick(timedelta(minutes=5))
        assert crm_session.post(TOKEN_URL, data=cc_form("cards-client-id", "cards-secret")).status_code == 200


def test_app_without_delay_works_at_once_and_other_apps_are_unaffected(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    add_app(crm_emulator, **DELAYED_APP)
    add_app(crm_emulator, **{**DELAYED_APP, "client_id": "instant-id", "client_secret": "instant-secret",
                             "propagation_delay_seconds": 0})
    assert crm_session.post(TOKEN_URL, data=cc_form("instant-id", "instant-secret")).status_code == 200
    assert crm_session.post(TOKEN_URL, data=password_form()).status_code == 200


def test_delayed_app_still_checks_its_secret_once_live(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    add_app(crm_emulator, **DELAYED_APP)
    crm_emulator.clock.advance(timedelta(minutes=10))
    assert_oauth_error(crm_session.post(TOKEN_URL, data=cc_form("cards-client-id", "wrong")), BAD_SECRET)


# -- SF-OAUTH-3 client credentials ----------------------------------------------------------
def _add_integration_user_and_app(emulator, *, enabled: bool = True) -> None:
    backend = emulator.salesforce
    backend.add_user(backend.default_org(), {"username": "integration@example.com", "password": "int-pass",
                                             "security_token": "INTTOKEN", "first_name": "Integration",
                                             "last_name": "User", "email": "integration@example.com"})
    add_app(emulator, name="Cards", client_id="cc-client", client_secret="cc-secret", callback_urls=[CALLBACK],
            scopes=["api", "refresh_token"], client_credentials_enabled=enabled, run_as="integration@example.com")


def test_client_credentials_runs_as_the_run_as_user(crm_emulator, crm_session):
    _add_integration_user_and_app(crm_emulator)
    response = crm_session.post(TOKEN_URL, data=cc_form("cc-client", "cc-secret"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "signature", "scope", "instance_url", "api_instance_url", "id",
                         "token_type", "issued_at"}
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"api", "refresh_token"}
    assert body["instance_url"] == INSTANCE and body["api_instance_url"] == INSTANCE
    assert body["issued_at"].isdigit()

    info = crm_session.get(f"{LOGIN}/services/oauth2/userinfo", headers=bearer(body["access_token"])).json()
    assert info["preferred_username"] == "integration@example.com"
    assert body["id"].endswith(f"/id/{info['organization_id']}/{info['user_id']}")
    created = crm_session.post(f"{REST}/sobjects/Contact", json={"LastName": "Card"},
                               headers=bearer(body["access_token"]))
    assert created.status_code == 201
    record = crm_session.get(f"{REST}/sobjects/Contact/{created.json()['id']}",
                             headers=bearer(body["access_token"])).json()
    assert record["CreatedById"] == info["user_id"]


def test_client_credentials_of_the_demo_app(crm_session):
    response = crm_session.post(TOKEN_URL, data=cc_form())
    assert response.status_code == 200
    info = crm_session.get(f"{LOGIN}/services/oauth2/userinfo",
                           headers=bearer(response.json()["access_token"])).json()
    assert info["preferred_username"] == USERNAME


def test_client_credentials_with_http_basic_client_authentication(crm_session):
    """RFC 6749 client_secret_basic, which simple_salesforce uses for this flow."""
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = crm_session.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    assert "api_instance_url" in response.json()
    wrong = base64.b64encode(f"{CLIENT_ID}:nope".encode()).decode()
    refused = crm_session.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                               headers={"Authorization": f"Basic {wrong}"})
    assert_oauth_error(refused, BAD_SECRET)


def test_client_credentials_refused_when_not_enabled(crm_emulator, crm_session):
    _add_integration_user_and_app(crm_emulator, enabled=False)
    response = crm_session.post(TOKEN_URL, data=cc_form("cc-client", "cc-secret"))
    assert_oauth_error(response, {"error": "invalid_grant", "error_description": "no client credentials user enabled"})


def test_client_credentials_refused_without_run_as_user(crm_emulator, crm_session):
    add_app(crm_emulator, name="No user", client_id="nouser", client_secret="nouser-secret",
            scopes=["api"], client_credentials_enabled=True)
    response = crm_session.post(TOKEN_URL, data=cc_form("nouser", "nouser-secret"))
    assert_oauth_error(response, {"error": "invalid_grant", "error_description": "no client credentials user enabled"})


def test_client_credentials_client_errors(crm_session):
    assert_oauth_error(crm_session.post(TOKEN_URL, data=cc_form("unknown", CLIENT_SECRET)), UNKNOWN_CLIENT)
    assert_oauth_error(crm_session.post(TOKEN_URL, data=cc_form(CLIENT_ID, "wrong")), BAD_SECRET)
    assert_oauth_error(crm_session.post(TOKEN_URL, data=cc_form(CLIENT_ID, None)), BAD_SECRET)


# -- SF-OAUTH-7 scopes ----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/sobjects", "/sobjects/Contact/describe", "/limits",
                                  ""])
def test_token_without_api_scope_cannot_call_rest(crm_emulator, crm_session, path):
    add_app(crm_emulator, name="Chatter only", client_id="noapi", client_secret="noapi-secret",
            callback_urls=[CALLBACK], scopes=["chatter_api", "openid", "refresh_token", "web"])
    token = crm_session.post(TOKEN_URL, data=password_form(client_id="noapi", client_secret="noapi-secret"))
    assert token.status_code == 200
    headers = bearer(token.json()["access_token"])
    response = crm_session.get(REST + path, headers=headers)
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == API_DISABLED
    # the token itself is valid: the identity endpoints answer
    assert crm_session.get(f"{LOGIN}/services/oauth2/userinfo", headers=headers).status_code == 200


def test_token_without_api_scope_cannot_write(crm_emulator, crm_session):
    add_app(crm_emulator, name="Web only", client_id="webonly", client_secret="webonly-secret", scopes=["web"])
    token = crm_session.post(TOKEN_URL, data=password_form(client_id="webonly", client_secret="webonly-secret"))
    response = crm_session.post(f"{REST}/sobjects/Contact", json={"LastName": "Nope"},
                                headers=bearer(token.json()["access_token"]))
    assert response.status_code == 403
    assert response.json() == API_DISABLED


@pytest.mark.parametrize("scopes", [["api"], ["full"], ["api", "web"]])
def test_api_or_full_scope_can_call_rest(crm_emulator, crm_session, scopes):
    add_app(crm_emulator, name="Scoped", client_id="scoped", client_secret="scoped-secret", scopes=scopes)
    token = crm_session.post(TOKEN_URL, data=password_form(client_id="scoped", client_secret="scoped-secret"))
    response = crm_session.get(f"{REST}/sobjects", headers=bearer(token.json()["access_token"]))
    assert response.status_code == 200
