"""OAuth grants and session checks (SPEC SF-OAUTH-1..7, SF-SOAP-1): no HTTP here."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from ..errors import OAuthError, SalesforceError, invalid_session
from ..identity import ConnectedApp, Org, User
from .tokens import AuthorizationCode, Session, TokenStore


@dataclass
class Grant:
    """The result of a successful grant: a session, maybe a refresh token, the app."""

    org: Org
    user: User
    session: Session
    app: ConnectedApp | None
    refresh_token: str | None = None


def parse_scopes(raw: str | None) -> frozenset[str]:
    return frozenset((raw or "").replace(",", " ").split())


def check_client(org: Org, client_id: str | None, client_secret: str | None, now: datetime,
                 require_secret: bool = True) -> ConnectedApp:
    """The app for ``client_id``, checked in the order the real endpoint checks."""
    app = org.apps.get(client_id or "")
    if app is None or not app.effective(now):
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if (require_secret or client_secret is not None) and not hmac.compare_digest(
            (client_secret or "").encode(), app.client_secret.encode()):
        raise OAuthError("invalid_client", "invalid client credentials")
    return app


def check_password(org: Org, username: str | None, password: str | None, remote_addr: str | None = None,
                   app: ConnectedApp | None = None) -> User:
    """Password grants take the user's password with the security token appended (SF-OAUTH-2).

    The password alone is enough when the caller's address is in the org's
    trusted IP ranges or the connected app relaxes IP restrictions.
    """
    user = org.user_by_username(username or "")
    given = (password or "").encode()
    expected = (user.password + user.security_token) if user else ""
    ok = user is not None and user.active and hmac.compare_digest(given, expected.encode())
    if not ok and user is not None and user.active and (
            org.config.trusts(remote_addr) or (app is not None and app.relax_ip_restrictions)):
        ok = hmac.compare_digest(given, user.password.encode())
    if not ok:
        raise OAuthError("invalid_grant", "authentication failure")
    return user


def check_code(tokens: TokenStore, code: str | None, app: ConnectedApp, redirect_uri: str | None,
               now: datetime) -> AuthorizationCode:
    grant = tokens.codes.get(code or "")
    if grant is None or grant.used or now >= grant.expires_at or grant.client_id != app.client_id:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if redirect_uri != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect uri does not match configuration")
    grant.used = True
    return grant


def check_session(tokens: TokenStore, org_lookup: Callable[[str], Any], authorization: str | None, now: datetime) -> Session:
    """The live session behind an ``Authorization: Bearer`` (or ``OAuth``) header."""
    if not authorization:
        raise invalid_session()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token:
        raise invalid_session()
    session = tokens.sessions.get(token.strip())
    if session is None or session.revoked:
        raise invalid_session()
    if session.expired(now, org_lookup(session.org_id).org.config.session_timeout):
        raise invalid_session()
    session.last_active = now
    return session


def require_api_scope(session: Session) -> None:
    if not session.can_use_api():
        raise SalesforceError(403, "API_DISABLED_FOR_ORG",
                              "The REST API is not enabled for this Organization.")


def signature(secret: str, identity_url: str, issued_at: str) -> str:
    """Base64 HMAC-SHA256 of id + issued_at keyed by the client secret, as Salesforce signs."""
    key = secret.encode() if secret else b"harness"
    return base64.b64encode(hmac.new(key, (identity_url + issued_at).encode(), hashlib.sha256).digest()).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token(secret: str, issuer: str, user: User, org: Org, client_id: str, now: datetime) -> str:
    """An HS256-signed OpenID Connect id_token."""
    header = {"alg": "HS256", "typ": "JWT"}
    issued = int(now.timestamp())
    claims = {"iss": issuer, "sub": f"{issuer}/id/{org.id}/{user.id}", "aud": client_id,
              "iat": issued, "exp": issued + 300, "preferred_username": user.username,
              "email": user.email, "name": user.name, "given_name": user.first_name,
              "family_name": user.last_name, "organization_id": org.id, "user_id": user.id}
    signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64url(mac)
