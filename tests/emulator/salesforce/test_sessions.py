"""Sessions: timeout, invalid tokens, revocation, userinfo, and secrets kept out of the journal and logs.

Covers SF-OAUTH-6, SF-OAUTH-2 (tokens in use), SF-OAUTH-4/5 (codes and refresh tokens never
journaled), SF-SOAP-1 (SOAP passwords never journaled) and the OAuth parts of SF-WIRE-1
(401 bodies are ``application/json`` with ``INVALID_SESSION_ID`` in ``json()[0]["errorCode"]``).
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from freezegun import freeze_time
from sf_oauth_helpers import (CALLBACK, CLIENT_ID, CLIENT_SECRET, INSTANCE, INVALID_SESSION, LOGIN, PASSWORD, REST,
                              REVOKE_URL, SECURITY_TOKEN, SOAP_URL, TOKEN_URL, USERINFO_URL, USERNAME, bearer,
                              envelope)

INVALID_SESSION_TEXT = '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'


def login(session) -> str:
    response = session.post(TOKEN_URL, data={
        "grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "username": USERNAME, "password": PASSWORD + SECURITY_TOKEN})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call(session, token: str, path: str = "/limits"):
    return session.get(REST + path, headers=bearer(token))


def assert_invalid_session(response) -> None:
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == INVALID_SESSION
    assert response.text == INVALID_SESSION_TEXT
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


# -- session timeout ----------------------------------------------------------------------
def test_session_expires_after_two_hours_idle_by_default(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    busy, idle = login(crm_session), login(crm_session)
    crm_emulator.clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert call(crm_session, busy).status_code == 200
    crm_emulator.clock.advance(timedelta(seconds=1))  # idle for exactly 2 h
    assert_invalid_session(call(crm_session, idle))
    assert call(crm_session, busy).status_code == 200


def test_session_timeout_is_configurable(crm_emulator, crm_session):
    response = crm_session.post("http://localhost/__emulator/config",
                                json={"salesforce": {"session_timeout_minutes": 5}})
    assert response.status_code == 200
    assert response.json()["salesforce"]["session_timeout_minutes"] == 5
    with freeze_time("2025-06-01 09:00:00") as frozen:
        token, other = login(crm_session), login(crm_session)
        frozen.tick(timedelta(minutes=4, seconds=59))
        assert call(crm_session, token).status_code == 200
        frozen.tick(timedelta(seconds=1))
        assert_invalid_session(call(crm_session, other))
        frozen.tick(timedelta(minutes=5))
        assert_invalid_session(call(crm_session, token))


def test_activity_extends_the_session(crm_emulator, crm_session):
    """Observed behaviour: the timeout counts from the last *accepted* call.

    Every call the emulator accepts with the token (any REST call, userinfo, the identity URL)
    restarts the inactivity timer, so a session in regular use never expires, while an idle one
    ends exactly ``session_timeout`` after its last accepted call. A call refused as
    INVALID_SESSION_ID does not revive an expired session. (Real Salesforce refreshes the timer
    only once half the timeout has passed; the emulator refreshes on every call, which never
    ends a session earlier than Salesforce would.)
    """
    crm_emulator.clock.freeze()
    token = login(crm_session)
    for _ in range(3):  # 3 x 1h50m = 5h30m, far beyond 2 h after login
        crm_emulator.clock.advance(timedelta(hours=1, minutes=50))
        assert call(crm_session, token).status_code == 200
    crm_emulator.clock.advance(timedelta(hours=1, minutes=59))
    assert crm_session.get(USERINFO_URL, headers=bearer(token)).status_code == 200  # userinfo counts too
    crm_emulator.clock.advance(timedelta(hours=2))
    assert_invalid_session(call(crm_session, token))


def test_expired_session_is_not_revived_by_refused_calls(crm_emulator, crm_session):
    crm_emulator.clock.freeze()
    token = login(crm_session)
    crm_emulator.clock.advance(timedelta(hours=2))
    for _ in range(2):
        assert_invalid_session(call(crm_session, token))
    assert crm_session.get(USERINFO_URL, headers=bearer(token)).status_code == 401


# -- missing, unknown and revoked tokens ------------------------------------------------------
@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Bearer garbage", "Basic YWRtaW46cGFzcw==", "garbage",
    "Bearer 00D000000000001!AQ" + "x" * 94,
])
@pytest.mark.parametrize("path", ["/limits", "/sobjects", "/sobjects/Contact/describe", ""])
def test_missing_or_unknown_token_is_invalid_session(crm_session, authorization, path):
    headers = {"Authorization": authorization} if authorization is not None else {}
    assert_invalid_session(crm_session.get(REST + path, headers=headers))


def test_token_with_a_suffix_is_invalid(crm_session):
    token = login(crm_session)
    assert_invalid_session(call(crm_session, token + "x"))
    assert_invalid_session(call(crm_session, token[:-1]))


def test_oauth_scheme_is_accepted_like_bearer(crm_session):
    token = login(crm_session)
    assert crm_session.get(f"{REST}/limits", headers={"Authorization": f"OAuth {token}"}).status_code == 200


def test_invalid_session_on_writes(crm_session):
    assert_invalid_session(crm_session.post(f"{REST}/sobjects/Contact", json={"LastName": "X"},
                                            headers=bearer("garbage")))
    assert_invalid_session(crm_session.patch(f"{REST}/sobjects/Contact/003000000000001AAA",
                                             json={"LastName": "X"}, headers=bearer("garbage")))
    assert_invalid_session(crm_session.delete(f"{REST}/sobjects/Contact/003000000000001AAA",
                                              headers=bearer("garbage")))


# -- revoke -----------------------------------------------------------------------------
def test_revoke_access_token_with_post_form(crm_session):
    token, other = login(crm_session), login(crm_session)
    response = crm_session.post(REVOKE_URL, data={"token": token})
    assert response.status_code == 200
    assert response.content == b""
    assert_invalid_session(call(crm_session, token))
    assert crm_session.get(USERINFO_URL, headers=bearer(token)).status_code == 401
    assert call(crm_session, other).status_code == 200  # other sessions of the user live on


def test_revoke_access_token_with_get_query(crm_session):
    token = login(crm_session)
    response = crm_session.get(REVOKE_URL, params={"token": token})
    assert response.status_code == 200
    assert_invalid_session(call(crm_session, token))


def test_revoke_with_trailing_slash_and_on_the_instance_host(crm_session):
    first, second = login(crm_session), login(crm_session)
    assert crm_session.post(REVOKE_URL + "/", data={"token": first}).status_code == 200
    assert crm_session.post(f"{INSTANCE}/services/oauth2/revoke", data={"token": second}).status_code == 200
    assert_invalid_session(call(crm_session, first))
    assert_invalid_session(call(crm_session, second))


@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("value", ["garbage", "00D000000000001!AQ" + "x" * 94, "5Aep861" + "x" * 80])
def test_revoke_unknown_token(crm_session, method, value):
    if method == "post":
        response = crm_session.post(REVOKE_URL, data={"token": value})
    else:
        response = crm_session.get(REVOKE_URL, params={"token": value})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"error": "invalid_token"}


def test_revoke_twice_reports_invalid_token(crm_session):
    token = login(crm_session)
    assert crm_session.post(REVOKE_URL, data={"token": token}).status_code == 200
    second = crm_session.post(REVOKE_URL, data={"token": token})
    assert second.status_code == 400
    assert second.json() == {"error": "invalid_token"}


def test_revoke_without_token(crm_session):
    response = crm_session.post(REVOKE_URL, data={})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_token"}


# -- userinfo ---------------------------------------------------------------------------
USERINFO_KEYS = {"sub", "user_id", "organization_id", "preferred_username", "nickname", "name", "email",
                 "email_verified", "given_name", "family_name", "zoneinfo", "urls"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_userinfo_fields(crm_session, method):
    token = login(crm_session)
    response = getattr(crm_session, method)(USERINFO_URL, headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    info = response.json()
    assert USERINFO_KEYS <= set(info)
    assert info["user_id"].startswith("005") and len(info["user_id"]) == 18
    assert info["organization_id"].startswith("00D") and len(info["organization_id"]) == 18
    assert info["sub"] == f"{LOGIN}/id/{info['organization_id']}/{info['user_id']}"
    assert info["preferred_username"] == USERNAME
    assert info["nickname"] == "admin"
    assert info["name"] == "Ada Admin"
    assert (info["given_name"], info["family_name"]) == ("Ada", "Admin")
    assert info["email"] == USERNAME and info["email_verified"] is True
    assert info["zoneinfo"] == "America/Los_Angeles"
    urls = info["urls"]
    assert {"rest", "sobjects", "query", "enterprise", "partner", "search", "profile"} <= set(urls)
    assert urls["rest"] == f"{INSTANCE}/services/data/v{{version}}/"
    assert urls["sobjects"] == f"{INSTANCE}/services/data/v{{version}}/sobjects/"
    assert urls["query"] == f"{INSTANCE}/services/data/v{{version}}/query/"
    assert urls["partner"] == f"{INSTANCE}/services/Soap/u/{{version}}/{info['organization_id']}"
    # the advertised REST url works once {version} is filled in
    assert crm_session.get(urls["sobjects"].replace("{version}", "59.0"), headers=bearer(token)).status_code == 200


def test_identity_url_matches_userinfo(crm_session):
    response = crm_session.post(TOKEN_URL, data={
        "grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "username": USERNAME, "password": PASSWORD + SECURITY_TOKEN}).json()
    identity = crm_session.get(response["id"], headers=bearer(response["access_token"]))
    assert identity.status_code == 200
    body = identity.json()
    assert body["id"] == response["id"]
    assert body["username"] == USERNAME and body["display_name"] == "Ada Admin"


def test_userinfo_with_invalid_token(crm_session):
    assert crm_session.get(USERINFO_URL).status_code == 401
    assert crm_session.get(USERINFO_URL, headers=bearer("garbage")).status_code == 401


# -- secrets never reach the journal or the logs ---------------------------------------------
def _oauth_dance(session) -> list[str]:
    """Every kind of call that carries a secret; returns the secrets the emulator handed out."""
    issued: list[str] = []
    password_form = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                     "username": USERNAME, "password": PASSWORD + SECURITY_TOKEN}
    access = session.post(TOKEN_URL, data=password_form).json()["access_token"]
    issued.append(access)
    assert session.post(TOKEN_URL, data={**password_form, "password": PASSWORD + "WRONG"}).status_code == 400
    # the same grant with every parameter in the query string
    session.post(TOKEN_URL, params=password_form)
    issued.append(session.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                                "client_secret": CLIENT_SECRET}).json()["access_token"])

    authorize = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK,
                 "scope": "api refresh_token openid", "state": "st"}
    assert session.get(f"{LOGIN}/services/oauth2/authorize", params=authorize).status_code == 200
    assert session.post(f"{LOGIN}/services/oauth2/authorize", allow_redirects=False,
                        data={**authorize, "username": USERNAME, "password": "wrong-pass"}).status_code == 200
    approved = session.post(f"{LOGIN}/services/oauth2/authorize", allow_redirects=False,
                            data={**authorize, "username": USERNAME, "password": PASSWORD, "approve": "allow"})
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    issued.append(code)
    tokens = session.post(TOKEN_URL, data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
                                           "client_secret": CLIENT_SECRET, "redirect_uri": CALLBACK}).json()
    issued += [tokens["access_token"], tokens["refresh_token"], tokens["id_token"], tokens["signature"]]
    refreshed = session.post(TOKEN_URL, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                              "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).json()
    issued.append(refreshed["access_token"])

    soap = session.post(SOAP_URL, headers={"Content-Type": "text/xml", "SOAPAction": "login"},
                        data=envelope())
    session_id = soap.text.split("<sessionId>")[1].split("</sessionId>")[0]
    issued.append(session_id)
    session.post(SOAP_URL, headers={"Content-Type": "text/xml", "SOAPAction": "login"},
                 data=envelope(password="bad-" + PASSWORD))

    for token in (access, tokens["access_token"], session_id):
        assert session.get(f"{REST}/limits", headers=bearer(token)).status_code == 200
        assert session.get(USERINFO_URL, headers=bearer(token)).status_code == 200
    assert session.get(f"{REST}/limits", params={"access_token": access}).status_code == 401
    assert session.get(REVOKE_URL, params={"token": access}).status_code == 200
    assert session.get(REVOKE_URL, params={"token": tokens["refresh_token"]}).status_code == 200
    assert session.post(REVOKE_URL, data={"token": session_id}).status_code == 200
    assert session.get(REVOKE_URL, params={"token": access}).status_code == 400
    return issued


def _assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            assert form not in text, f"secret {secret[:12]}… leaked"


def test_secrets_never_reach_the_journal_or_the_logs(crm_emulator, crm_session, caplog):
    caplog.set_level(logging.DEBUG)
    issued = _oauth_dance(crm_session)
    secrets = [PASSWORD, SECURITY_TOKEN, PASSWORD + SECURITY_TOKEN, "wrong-pass", CLIENT_SECRET, *issued]

    entries = crm_emulator.journal.entries()
    paths = [(e["method"], e["path"]) for e in entries]
    assert ("POST", "/services/oauth2/token") in paths and ("GET", "/services/oauth2/revoke") in paths
    assert ("POST", "/services/Soap/u/59.0") in paths and ("POST", "/services/oauth2/authorize") in paths
    revokes = [e for e in entries if e["path"] == "/services/oauth2/revoke" and e["method"] == "GET"]
    assert revokes and all(e["query"] == "token=***" for e in revokes)
    _assert_no_secret(json.dumps(entries), secrets)

    over_http = crm_session.get("http://localhost/__emulator/journal")
    assert over_http.status_code == 200
    assert len(over_http.json()["entries"]) >= len(entries)
    _assert_no_secret(over_http.text, secrets)

    log_text = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    _assert_no_secret(log_text, secrets)
