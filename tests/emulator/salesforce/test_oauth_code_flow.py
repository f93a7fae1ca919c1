"""Authorization-code flow (login page, redirect, code exchange, id_token) and refresh tokens.

Covers SF-OAUTH-1 (callback URLs, scopes of the app), SF-OAUTH-4, SF-OAUTH-5, SF-OAUTH-6
(revoking a refresh token revokes its access tokens) and the OAuth parts of SF-WIRE-1.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.pytest_plugin import fresh_emulator
from sf_oauth_helpers import (AUTHORIZE_URL, CALLBACK, CLIENT_ID, CLIENT_SECRET, INSTANCE, INVALID_SESSION, LOGIN,
                              PASSWORD, REST, REVOKE_URL, TOKEN_URL, USERNAME, add_app, bearer)

INVALID_CODE = {"error": "invalid_grant", "error_description": "invalid authorization code"}
REDIRECT_MISMATCH = {"error": "invalid_grant", "error_description": "redirect uri does not match configuration"}
EXPIRED_REFRESH = {"error": "invalid_grant", "error_description": "expired access/refresh token"}


def authorize_params(**overrides) -> dict:
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK,
              "scope": "api refresh_token openid", "state": "xyz"}
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def approve(session, *, username: str = USERNAME, password: str = PASSWORD, decision: str = "allow",
            **overrides):
    """Submit the login/consent page the way a browser does."""
    form = {**authorize_params(**overrides), "username": username, "password": password, "approve": decision}
    return session.post(AUTHORIZE_URL, data=form, allow_redirects=False)


def callback_query(response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "localhost:8080", "/callback")
    return {k: v[0] for k, v in parse_qs(location.query, keep_blank_values=True).items()}


def get_code(session, **overrides) -> str:
    return callback_query(approve(session, **overrides))["code"]


def exchange(session, code: str, *, redirect_uri: str | None = CALLBACK, client_id: str = CLIENT_ID,
             client_secret: str = CLIENT_SECRET):
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id,
            "client_secret": client_secret, "redirect_uri": redirect_uri}
    return session.post(TOKEN_URL, data={k: v for k, v in form.items() if v is not None})


def refresh(session, refresh_token: str, *, client_id: str = CLIENT_ID, client_secret: str | None = CLIENT_SECRET):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
            "client_secret": client_secret}
    return session.post(TOKEN_URL, data={k: v for k, v in form.items() if v is not None})


def assert_oauth_error(response, body: dict, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == body


def rest_status(session, token: str) -> int:
    return session.get(f"{REST}/limits", headers=bearer(token)).status_code


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# -- the login/consent page --------------------------------------------------------------------
def test_authorize_renders_a_login_page(crm_session):
    response = crm_session.get(AUTHORIZE_URL, params=authorize_params(state="s&t<ate>"), allow_redirects=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert '<form method="post" action="/services/oauth2/authorize">' in page
    assert 'name="username"' in page and 'type="password" name="password"' in page
    assert "Harness App" in page
    assert f'name="client_id" value="{CLIENT_ID}"' in page
    assert f'name="redirect_uri" value="{CALLBACK}"' in page
    assert 'name="state" value="s&amp;t&lt;ate&gt;"' in page  # echoed, escaped
    assert "Location" not in response.headers


def test_approving_redirects_to_the_exact_callback_with_code_and_state(crm_session):
    response = approve(crm_session, state="a b&c=d/é")
    query = callback_query(response)
    assert set(query) == {"code", "state"}
    assert query["state"] == "a b&c=d/é"
    assert response.headers["Location"].startswith(CALLBACK + "?")
    assert query["code"]


def test_approving_without_state_omits_it(crm_session):
    query = callback_query(approve(crm_session, state=None))
    assert set(query) == {"code"}


@pytest.mark.parametrize("redirect_uri", [
    "http://localhost:8080/other",
    "http://localhost:8080/callback/",
    "http://localhost:8080/callback?x=1",
    "https://localhost:8080/callback",
    "http://localhost:8081/callback",
    "http://localhost:8080/Callback",
    "http://evil.example/callback",
    "",
    None,
])
def test_redirect_uri_must_match_a_registered_callback_exactly(crm_session, redirect_uri):
    for response in (crm_session.get(AUTHORIZE_URL, params=authorize_params(redirect_uri=redirect_uri),
                                     allow_redirects=False),
                     approve(crm_session, redirect_uri=redirect_uri)):
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("text/html")
        assert "redirect_uri_mismatch" in response.text
        assert "Location" not in response.headers  # never redirects to an unregistered URI


def test_authorize_with_unknown_client_shows_an_error_page(crm_session):
    response = crm_session.get(AUTHORIZE_URL, params=authorize_params(client_id="unknown"), allow_redirects=False)
    assert response.status_code == 400
    assert "invalid_client_id" in response.text
    assert "Location" not in response.headers


def test_deny_redirects_with_access_denied(crm_session):
    query = callback_query(approve(crm_session, decision="deny"))
    assert query == {"error": "access_denied", "error_description": "end-user denied authorization",
                     "state": "xyz"}


@pytest.mark.parametrize("username, password", [
    (USERNAME, "wrong"),
    (USERNAME, PASSWORD + "TOKEN123"),  # the login page takes the plain password
    ("nobody@example.com", PASSWORD),
    (USERNAME, ""),
])
def test_bad_password_re_renders_the_login_page(crm_session, username, password):
    response = approve(crm_session, username=username, password=password)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Please check your username and password." in response.text
    assert f'name="username" value="{username}"' in response.text
    assert "Location" not in response.headers
    if password:
        assert password not in response.text  # the password is never echoed


def test_oauth_auto_approve_skips_the_login_page():
    emulator = fresh_emulator(oauth_auto_approve=USERNAME)
    session = session_for(create_app(emulator))
    response = session.get(AUTHORIZE_URL, params=authorize_params(), allow_redirects=False)
    query = callback_query(response)
    assert query["state"] == "xyz"
    token = exchange(session, query["code"])
    assert token.status_code == 200
    info = session.get(f"{LOGIN}/services/oauth2/userinfo", headers=bearer(token.json()["access_token"])).json()
    assert info["preferred_username"] == USERNAME
    # the callback is still checked with auto-approve on
    mismatch = session.get(AUTHORIZE_URL, params=authorize_params(redirect_uri="http://evil.example/cb"),
                           allow_redirects=False)
    assert mismatch.status_code == 400 and "redirect_uri_mismatch" in mismatch.text


# -- code exchange -------------------------------------------------------------------------
def test_code_exchange_returns_refresh_token_scope_and_id_token(crm_emulator, crm_session):
    now = crm_emulator.clock.freeze()
    response = exchange(crm_session, get_code(crm_session))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "signature", "scope", "id_token", "instance_url", "id",
                         "token_type", "issued_at"}
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"api", "refresh_token", "openid"}
    assert body["instance_url"] == INSTANCE
    assert body["issued_at"] == str(int(now.timestamp() * 1000))
    assert rest_status(crm_session, body["access_token"]) == 200
    info = crm_session.get(f"{LOGIN}/services/oauth2/userinfo", headers=bearer(body["access_token"])).json()
    assert body["id"] == f"{LOGIN}/id/{info['organization_id']}/{info['user_id']}"

    parts = body["id_token"].split(".")
    assert len(parts) == 3
    header, claims = b64url_json(parts[0]), b64url_json(parts[1])
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["iss"] == LOGIN
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == body["id"]
    assert claims["iat"] == int(now.timestamp()) and claims["exp"] > claims["iat"]
    assert claims["preferred_username"] == USERNAME and claims["email"] == USERNAME
    assert (claims["organization_id"], claims["user_id"]) == (info["organization_id"], info["user_id"])
    expected = hmac.new(CLIENT_SECRET.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)) == expected


def test_without_openid_there_is_no_id_token(crm_session):
    body = exchange(crm_session, get_code(crm_session, scope="api refresh_token")).json()
    assert "id_token" not in body
    assert set(body["scope"].split()) == {"api", "refresh_token"}
    assert "refresh_token" in body


def test_without_scope_parameter_the_app_scopes_are_granted(crm_session):
    body = exchange(crm_session, get_code(crm_session, scope=None)).json()
    assert {"api", "refresh_token", "openid", "full"} <= set(body["scope"].split())
    assert "refresh_token" in body and "id_token" in body


def test_code_is_single_use(crm_session):
    code = get_code(crm_session)
    first = exchange(crm_session, code)
    assert first.status_code == 200
    assert_oauth_error(exchange(crm_session, code), INVALID_CODE)


@pytest.mark.parametrize("code", ["garbage", "", "aPrx" + "0" * 60])
def test_unknown_code(crm_session, code):
    assert_oauth_error(exchange(crm_session, code), INVALID_CODE)


def test_code_expires_after_15_minutes(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    fresh, stale = get_code(crm_session), get_code(crm_session)
    crm_emulator.clock.advance(timedelta(minutes=14, seconds=59))
    assert exchange(crm_session, fresh).status_code == 200
    crm_emulator.clock.advance(timedelta(seconds=1))
    assert_oauth_error(exchange(crm_session, stale), INVALID_CODE)


@pytest.mark.parametrize("redirect_uri", ["http://localhost:8080/other", CALLBACK + "/", None])
def test_code_exchange_with_a_different_redirect_uri(crm_session, redirect_uri):
    code = get_code(crm_session)
    assert_oauth_error(exchange(crm_session, code, redirect_uri=redirect_uri), REDIRECT_MISMATCH)


def test_code_of_another_client_is_refused(crm_emulator, crm_session):
    add_app(crm_emulator, name="Other", client_id="other-id", client_secret="other-secret",
            callback_urls=[CALLBACK], scopes=["api", "refresh_token"])
    code = get_code(crm_session)
    assert_oauth_error(exchange(crm_session, code, client_id="other-id", client_secret="other-secret"),
                       INVALID_CODE)


def test_code_exchange_checks_the_client(crm_session):
    code = get_code(crm_session)
    assert_oauth_error(exchange(crm_session, code, client_secret="wrong"),
                       {"error": "invalid_client", "error_description": "invalid client credentials"})
    assert_oauth_error(exchange(crm_session, code, client_id="unknown"),
                       {"error": "invalid_client_id", "error_description": "client identifier invalid"})


def test_scope_without_api_gives_a_token_that_cannot_call_rest(crm_session):
    body = exchange(crm_session, get_code(crm_session, scope="openid refresh_token")).json()
    response = crm_session.get(f"{REST}/sobjects", headers=bearer(body["access_token"]))
    assert response.status_code == 403
    assert response.json()[0]["errorCode"] == "API_DISABLED_FOR_ORG"


def test_second_registered_callback_is_accepted(crm_emulator, crm_session):
    add_app(crm_emulator, name="Two callbacks", client_id="two", client_secret="two-secret",
            callback_urls=["https://app.example.com/oauth", CALLBACK], scopes=["api"])
    response = approve(crm_session, client_id="two", redirect_uri="https://app.example.com/oauth", scope="api")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://app.example.com/oauth?code=")


# -- refresh tokens (SF-OAUTH-5) ---------------------------------------------------------------
def _code_tokens(session, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET, **params) -> dict:
    code = get_code(session, client_id=client_id, **params)
    response = exchange(session, code, client_id=client_id, client_secret=client_secret)
    assert response.status_code == 200, response.text
    return response.json()


def test_refresh_token_grant(crm_session):
    tokens = _code_tokens(crm_session)
    response = refresh(crm_session, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert "refresh_token" not in body
    assert {"access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"} <= set(body)
    assert body["token_type"] == "Bearer" and body["id"] == tokens["id"]
    assert set(body["scope"].split()) == {"api", "refresh_token", "openid"}
    assert body["access_token"] != tokens["access_token"]
    assert rest_status(crm_session, body["access_token"]) == 200
    assert rest_status(crm_session, tokens["access_token"]) == 200  # the first token stays valid
    again = refresh(crm_session, tokens["refresh_token"])  # refresh tokens are reusable
    assert again.status_code == 200


def test_refresh_after_the_session_timed_out(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    tokens = _code_tokens(crm_session)
    crm_emulator.clock.advance(timedelta(hours=3))
    assert rest_status(crm_session, tokens["access_token"]) == 401
    body = refresh(crm_session, tokens["refresh_token"]).json()
    assert rest_status(crm_session, body["access_token"]) == 200


@pytest.mark.parametrize("value", ["garbage", "", "5Aep861" + "x" * 80])
def test_unknown_refresh_token(crm_session, value):
    assert_oauth_error(refresh(crm_session, value), EXPIRED_REFRESH)


def test_refresh_checks_the_client(crm_emulator, crm_session):
    tokens = _code_tokens(crm_session)
    assert_oauth_error(refresh(crm_session, tokens["refresh_token"], client_secret="wrong"),
                       {"error": "invalid_client", "error_description": "invalid client credentials"})
    assert_oauth_error(refresh(crm_session, tokens["refresh_token"], client_id="unknown"),
                       {"error": "invalid_client_id", "error_description": "client identifier invalid"})
    add_app(crm_emulator, name="Other", client_id="other-id", client_secret="other-secret", scopes=["api"])
    assert_oauth_error(refresh(crm_session, tokens["refresh_token"], client_id="other-id",
                               client_secret="other-secret"), EXPIRED_REFRESH)


def test_revoked_refresh_token_and_its_access_tokens_stop_working(crm_session):
    tokens = _code_tokens(crm_session)
    refreshed = refresh(crm_session, tokens["refresh_token"]).json()["access_token"]
    unrelated = _code_tokens(crm_session)
    revoked = crm_session.post(REVOKE_URL, data={"token": tokens["refresh_token"]})
    assert revoked.status_code == 200
    assert_oauth_error(refresh(crm_session, tokens["refresh_token"]), EXPIRED_REFRESH)
    for access in (tokens["access_token"], refreshed):
        response = crm_session.get(f"{REST}/limits", headers=bearer(access))
        assert response.status_code == 401
        assert response.json() == INVALID_SESSION
    # another grant of the same user and app is untouched
    assert rest_status(crm_session, unrelated["access_token"]) == 200
    assert refresh(crm_session, unrelated["refresh_token"]).status_code == 200


def test_revoke_refresh_token_with_get(crm_session):
    tokens = _code_tokens(crm_session)
    assert crm_session.get(REVOKE_URL, params={"token": tokens["refresh_token"]}).status_code == 200
    assert_oauth_error(refresh(crm_session, tokens["refresh_token"]), EXPIRED_REFRESH)
    assert rest_status(crm_session, tokens["access_token"]) == 401


def test_revoking_an_access_token_keeps_its_refresh_token(crm_session):
    tokens = _code_tokens(crm_session)
    assert crm_session.post(REVOKE_URL, data={"token": tokens["access_token"]}).status_code == 200
    assert rest_status(crm_session, tokens["access_token"]) == 401
    body = refresh(crm_session, tokens["refresh_token"]).json()
    assert rest_status(crm_session, body["access_token"]) == 200


@pytest.mark.parametrize("scopes", [["api", "openid", "web"], ["api", "full", "openid"]])
def test_app_without_refresh_scope_gets_no_refresh_token(crm_emulator, crm_session, scopes):
    add_app(crm_emulator, name="No refresh", client_id="norefresh", client_secret="norefresh-secret",
            callback_urls=[CALLBACK], scopes=scopes)
    body = _code_tokens(crm_session, client_id="norefresh", client_secret="norefresh-secret", scope=None)
    assert "refresh_token" not in body
    assert set(body["scope"].split()) == set(scopes)
    assert "id_token" in body
    assert rest_status(crm_session, body["access_token"]) == 200


def test_app_without_refresh_scope_cannot_ask_for_one(crm_emulator, crm_session):
    add_app(crm_emulator, name="No refresh", client_id="norefresh", client_secret="norefresh-secret",
            callback_urls=[CALLBACK], scopes=["api", "openid"])
    query = callback_query(approve(crm_session, client_id="norefresh", scope="api refresh_token"))
    assert "code" not in query
    assert query["error"] == "invalid_scope" and query["state"] == "xyz"


def test_request_without_refresh_scope_gets_no_refresh_token(crm_session):
    body = _code_tokens(crm_session, scope="api openid")
    assert "refresh_token" not in body


@pytest.mark.parametrize("scopes", [["api", "refresh_token"], ["api", "offline_access"]])
def test_refresh_token_or_offline_access_scope_issues_refresh_tokens(crm_emulator, crm_session, scopes):
    add_app(crm_emulator, name="Refreshing", client_id="refreshing", client_secret="refreshing-secret",
            callback_urls=[CALLBACK], scopes=scopes)
    body = _code_tokens(crm_session, client_id="refreshing", client_secret="refreshing-secret", scope=None)
    assert "refresh_token" in body and "id_token" not in body
    refreshed = refresh(crm_session, body["refresh_token"], client_id="refreshing",
                        client_secret="refreshing-secret")
    assert refreshed.status_code == 200
    assert rest_status(crm_session, refreshed.json()["access_token"]) == 200
