"""Thin Salesforce REST client: re-login on INVALID_SESSION_ID, bounded retries, SOQL paging (CON-SF-1)."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator
from urllib.parse import quote

import requests

from . import auth
from .auth import TokenResponse
from .errors import SalesforceError, error_from_response
from .retry import RetryPolicy

DEFAULT_API_VERSION = "v59.0"
_LIMIT_INFO = re.compile(r"(?:^|[,\s])api-usage=(\d+)/(\d+)")

Reauth = Callable[[], TokenResponse]


class SalesforceClient:
    """REST client bound to one instance URL and access token.

    `reauth` returns a fresh token; it is called once when a call answers 401
    INVALID_SESSION_ID, and the call is then repeated once.
    """

    def __init__(
        self,
        instance_url: str,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        session: requests.Session | None = None,
        reauth: Reauth | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.access_token = access_token
        self.api_version = api_version if api_version.startswith("v") else f"v{api_version}"
        self.session = session or requests.Session()
        self.retry = retry or RetryPolicy()
        self.token: TokenResponse | None = None
        self._reauth = reauth
        self._last_limit_info: tuple[int, int] | None = None

    # -- construction from OAuth grants ---------------------------------------------------
    # Every constructor takes its grant's arguments, then api_version, session and retry.

    @classmethod
    def _from_token(cls, token: TokenResponse, session: requests.Session, reauth: Reauth | None,
                    **kw: Any) -> SalesforceClient:
        client = cls(token.instance_url, token.access_token, session=session, reauth=reauth, **kw)
        client.token = token
        return client

    @classmethod
    def _relogging(cls, grant: Callable[[requests.Session], TokenResponse], session: requests.Session | None,
                   **kw: Any) -> SalesforceClient:
        """Log in with ``grant``; log in the same way again when the session expires."""
        session = session or requests.Session()

        def again() -> TokenResponse:
            return grant(session)

        return cls._from_token(again(), session, again, **kw)

    @classmethod
    def login_password(cls, login_url: str, client_id: str, client_secret: str, username: str, password: str,
                       security_token: str = "", api_version: str = DEFAULT_API_VERSION,
                       session: requests.Session | None = None, retry: RetryPolicy | None = None) -> SalesforceClient:
        """Log in with the password grant; re-login the same way when the session expires."""
        return cls._relogging(lambda s: auth.password_grant(s, login_url, client_id, client_secret, username,
                                                            password, security_token),
                              session, api_version=api_version, retry=retry)

    @classmethod
    def login_client_credentials(cls, login_url: str, client_id: str, client_secret: str,
                                 api_version: str = DEFAULT_API_VERSION, session: requests.Session | None = None,
                                 retry: RetryPolicy | None = None) -> SalesforceClient:
        """Log in with the client-credentials grant; re-login the same way when the session expires."""
        return cls._relogging(lambda s: auth.client_credentials_grant(s, login_url, client_id, client_secret),
                              session, api_version=api_version, retry=retry)

    @classmethod
    def from_refresh_token(cls, login_url: str, client_id: str, client_secret: str, refresh_token: str,
                           api_version: str = DEFAULT_API_VERSION, session: requests.Session | None = None,
                           retry: RetryPolicy | None = None) -> SalesforceClient:
        """Get an access token from a refresh token; refresh again when the session expires."""
        session = session or requests.Session()
        grant = _refresher(session, login_url, client_id, client_secret, refresh_token)
        return cls._from_token(grant(), session, grant, api_version=api_version, retry=retry)

    @classmethod
    def from_authorization_code(cls, login_url: str, client_id: str, client_secret: str, code: str,
                                redirect_uri: str, api_version: str = DEFAULT_API_VERSION,
                                session: requests.Session | None = None,
                                retry: RetryPolicy | None = None) -> SalesforceClient:
        """Exchange an authorization code; keep the refresh token (if any) for re-authentication."""
        session = session or requests.Session()
        token = auth.exchange_code(session, login_url, client_id, client_secret, code, redirect_uri)
        reauth = None
        if token.refresh_token:
            reauth = _refresher(session, login_url, client_id, client_secret, token.refresh_token)
        return cls._from_token(token, session, reauth, api_version=api_version, retry=retry)

    # -- transport --------------------------------------------------------------------------

    @property
    def last_limit_info(self) -> tuple[int, int] | None:
        """(used, max) from the last `Sforce-Limit-Info: api-usage=used/max` header seen."""
        return self._last_limit_info

    def _url(self, path: str) -> str:
        if path.startswith("/"):
            return self.instance_url + path
        base = f"{self.instance_url}/services/data/{self.api_version}"
        return f"{base}/{path}" if path else base

    def _send(self, method: str, path: str, headers: dict[str, str] | None = None,
              **kw: Any) -> requests.Response:
        kw.setdefault("timeout", auth.TIMEOUT)
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json",
                   **(headers or {})}
        resp = self.session.request(method, self._url(path), headers=headers, **kw)
        match = _LIMIT_INFO.search(resp.headers.get("Sforce-Limit-Info", ""))
        if match:
            self._last_limit_info = (int(match.group(1)), int(match.group(2)))
        return resp

    def _reauthenticate(self) -> None:
        token = self._reauth()
        self.token = token
        self.instance_url = token.instance_url.rstrip("/")
        self.access_token = token.access_token

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        """Send a call; `path` is relative to `/services/data/{version}/` unless it starts with `/`.

        Transient failures are retried by the retry policy; a 401 (INVALID_SESSION_ID)
        triggers one re-authentication and one more try. Any error answer raises its typed `SalesforceError`.
        """
        def send() -> requests.Response:
            return self._send(method, path, **kw)

        resp = self.retry.run(send)
        if resp.status_code == 401 and self._reauth is not None:
            self._reauthenticate()
            resp = self.retry.run(send)
        if resp.status_code >= 400:
            raise error_from_response(resp)
        return resp

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return self.request(method, path, **kw).json()

    # -- REST resources ---------------------------------------------------------------------

    def versions(self) -> list[dict[str, Any]]:
        """`GET /services/data`: the API versions the instance serves."""
        return self._json("GET", "/services/data")

    def resources(self) -> dict[str, str]:
        """`GET /services/data/{version}`: the resources of this version."""
        return self._json("GET", "")

    def describe_global(self) -> dict[str, Any]:
        """`GET sobjects`: every object of the org."""
        return self._json("GET", "sobjects")

    def describe(self, sobject: str) -> dict[str, Any]:
        """`GET sobjects/{T}/describe`: fields and properties of one object."""
        return self._json("GET", f"sobjects/{sobject}/describe")

    def create(self, sobject: str, fields: dict[str, Any]) -> str:
        """Insert a record and return its id."""
        return self._json("POST", f"sobjects/{sobject}", json=fields)["id"]

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """Read a record, optionally only `fields`."""
        params = {"fields": ",".join(fields)} if fields else None
        return self._json("GET", f"sobjects/{sobject}/{record_id}", params=params)

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """Update a record's fields."""
        self.request("PATCH", f"sobjects/{sobject}/{record_id}", json=fields)

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record (it goes to the recycle bin)."""
        self.request("DELETE", f"sobjects/{sobject}/{record_id}")

    def upsert(self, sobject: str, ext_id_field: str, value: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert or update by external id: `{"id", "created"}`.

        `id` is None when the server answers 204 (older API versions). Several
        matching records (300) raise `SalesforceError` with code MULTIPLE_CHOICES.
        """
        resp = self.request("PATCH", f"sobjects/{sobject}/{ext_id_field}/{quote(str(value), safe='')}",
                            json=fields)
        if resp.status_code == 300:
            raise SalesforceError(300, "MULTIPLE_CHOICES",
                                  f"More than one {sobject} has {ext_id_field} = {value}", body=resp.json())
        body = resp.json() if resp.content else {}
        return {"id": body.get("id"), "created": resp.status_code == 201}

    def limits(self) -> dict[str, Any]:
        """`GET limits`: the org's limits with Max and Remaining."""
        return self._json("GET", "limits")

    def query_page(self, soql: str, include_deleted: bool = False) -> dict[str, Any]:
        """One raw page of a SOQL query (`queryAll` when `include_deleted`)."""
        return self._json("GET", "queryAll" if include_deleted else "query", params={"q": soql})

    def query(self, soql: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Every record of a SOQL query, following `nextRecordsUrl` page by page."""
        page = self.query_page(soql, include_deleted)
        yield from page["records"]
        while next_url := page.get("nextRecordsUrl"):
            page = self._json("GET", next_url)
            yield from page["records"]

    # -- OAuth resources on the instance --------------------------------------------------

    def userinfo(self) -> dict[str, Any]:
        """The OpenID Connect userinfo of the session's user."""
        return self._json("GET", "/services/oauth2/userinfo")

    def revoke(self) -> None:
        """Revoke the access token and stop re-authenticating: later calls raise `SessionExpiredError`."""
        auth.revoke(self.session, self.instance_url, self.access_token)
        self._reauth = None


def _refresher(session: requests.Session, login_url: str, client_id: str, client_secret: str,
               refresh_token: str) -> Reauth:
    """A reauth callable running the refresh grant, following refresh-token rotation."""
    current = refresh_token

    def grant() -> TokenResponse:
        nonlocal current
        token = auth.refresh_grant(session, login_url, client_id, client_secret, current)
        current = token.refresh_token or current
        return token

    return grant
