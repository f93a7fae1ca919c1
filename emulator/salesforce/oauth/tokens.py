"""Access tokens, refresh tokens and authorization codes (SPEC SF-OAUTH-2..6)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from ...core.ids import IdSource

TOKEN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
CODE_LIFETIME = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # a dead session or code is kept this long, then swept by the tick


@dataclass
class Session:
    """What an access token stands for."""

    token: str
    org_id: str
    user_id: str
    client_id: str | None
    scopes: frozenset[str]
    issued_at: datetime
    last_active: datetime
    refresh_token: str | None = None
    revoked: bool = False

    def expired(self, now: datetime, timeout: timedelta) -> bool:
        """Sessions time out after ``timeout`` without activity, as the org setting says."""
        return now >= self.last_active + timeout

    def can_use_api(self) -> bool:
        return bool(self.scopes & {"api", "full"})


@dataclass
class RefreshGrant:
    token: str
    org_id: str
    user_id: str
    client_id: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class AuthorizationCode:
    code: str
    org_id: str
    user_id: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: datetime
    used: bool = False


@dataclass
class TokenStore:
    """All OAuth grants of the backend, keyed by their secret value."""

    sessions: dict[str, Session] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)

    def issue_session(self, ids: IdSource, org_id: str, user_id: str, client_id: str | None,
                      scopes: frozenset[str], now: datetime, refresh_token: str | None = None) -> Session:
        token = f"{org_id[:15]}!AQ{ids.token(94, TOKEN_ALPHABET)}"
        session = Session(token, org_id, user_id, client_id, scopes, now, now, refresh_token)
        self.sessions[token] = session
        return session

    def issue_refresh(self, ids: IdSource, org_id: str, user_id: str, client_id: str,
                      scopes: frozenset[str]) -> RefreshGrant:
        grant = RefreshGrant("5Aep861" + ids.token(80, TOKEN_ALPHABET), org_id, user_id, client_id, scopes)
        self.refresh[grant.token] = grant
        return grant

    def issue_code(self, ids: IdSource, org_id: str, user_id: str, client_id: str, redirect_uri: str,
                   scopes: frozenset[str], now: datetime) -> AuthorizationCode:
        code = AuthorizationCode("aPrx" + ids.token(60), org_id, user_id, client_id, redirect_uri, scopes,
                                 now + CODE_LIFETIME)
        self.codes[code.code] = code
        return code

    def sweep(self, now: datetime, timeout_of: Callable[[str], timedelta]) -> None:
        """Forget sessions dead for over :data:`FORGET_AFTER` and codes past their expiry (memory housekeeping).

        A dead session is refused the same way whether it is still stored or
        not; the grace period keeps ``/revoke`` answering 200 for a token that
        just expired, as it did before the sweep.
        """
        dead = [t for t, s in self.sessions.items()
                if now >= s.last_active + timeout_of(s.org_id) + FORGET_AFTER]
        for token in dead:
            del self.sessions[token]
        for code in [c for c, grant in self.codes.items() if now >= grant.expires_at + FORGET_AFTER]:
            del self.codes[code]

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token; revoking a refresh token ends its sessions."""
        session = self.sessions.get(token)
        if session is not None and not session.revoked:
            session.revoked = True
            return True
        grant = self.refresh.get(token)
        if grant is not None and not grant.revoked:
            grant.revoked = True
            for s in self.sessions.values():
                if s.refresh_token == token:
                    s.revoked = True
            return True
        return False
