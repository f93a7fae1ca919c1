"""Salesforce OAuth 2.0 grants, revocation and userinfo (SF-OAUTH-2..6, CON-SF-1)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlencode

import requests

from .errors import error_from_response

TIMEOUT = 30.0


@dataclass(frozen=True)
class TokenResponse:
    """A successful `/services/oauth2/token` answer; `raw` keeps every key, a key it lacks takes the default."""

    access_token: str
    instance_url: str
    id: str = ""
    token_type: str = "Bearer"
    issued_at: str = ""
    signature: str = ""
    refresh_token: str | None = None
    scope: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenResponse:
        optional = {f.name for f in fields(cls)} - {"access_token", "instance_url", "raw"}
        return cls(data["access_token"], data["instance_url"], **{k: data[k] for k in optional if k in data},
                   raw=data)


def _oauth_url(base_url: str, endpoint: str) -> str:
    return f"{base_url.rstrip('/')}/services/oauth2/{endpoint}"


def _token(session: requests.Session, login_url: str, form: dict[str, str]) -> TokenResponse:
    resp = session.post(
        _oauth_url(login_url, "token"), data=form, headers={"Accept": "application/json"}, timeout=TIMEOUT
    )
    if resp.status_code != 200:
        raise error_from_response(resp)
    return TokenResponse.from_json(resp.json())


def password_grant(
    session: requests.Session,
    login_url: str,
    client_id: str,
    client_secret: str,
    username: str,
    password: str,
    security_token: str = "",
) -> TokenResponse:
    """Username-password flow; the security token is appended to the password."""
    return _token(session, login_url, {
        "grant_type": "password",
        "client_id": client_id,
        "client_secret": client_secret,
        "username": username,
        "password": password + security_token,
    })


def client_credentials_grant(
    session: requests.Session, login_url: str, client_id: str, client_secret: str
) -> TokenResponse:
    """Client-credentials flow; the token runs as the connected app's run-as user."""
    return _token(session, login_url, {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    })


def authorization_url(
    login_url: str, client_id: str, redirect_uri: str, scope: str | None = None, state: str | None = None
) -> str:
    """URL of the authorization-code consent page (`response_type=code`)."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    if scope is not None:
        params["scope"] = scope
    if state is not None:
        params["state"] = state
    return f"{_oauth_url(login_url, 'authorize')}?{urlencode(params)}"


def exchange_code(
    session: requests.Session,
    login_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
) -> TokenResponse:
    """Exchange an authorization code (single use) for tokens."""
    return _token(session, login_url, {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
    })


def refresh_grant(
    session: requests.Session, login_url: str, client_id: str, client_secret: str, refresh_token: str
) -> TokenResponse:
    """Get a new access token from a refresh token."""
    return _token(session, login_url, {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    })


def revoke(session: requests.Session, login_url: str, token: str) -> None:
    """Revoke an access or refresh token (a refresh token takes its access tokens with it)."""
    resp = session.post(_oauth_url(login_url, "revoke"), data={"token": token}, timeout=TIMEOUT)
    if resp.status_code != 200:
        raise error_from_response(resp)


def userinfo(session: requests.Session, instance_url: str, access_token: str) -> dict[str, Any]:
    """The OpenID Connect userinfo of the token's user."""
    resp = session.get(
        _oauth_url(instance_url, "userinfo"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=TIMEOUT,
    )
    if resp.status_code != 200:
        raise error_from_response(resp)
    return resp.json()
