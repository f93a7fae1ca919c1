"""A thin AEP client: IMS client-credentials token refreshed before it expires, the four platform
headers, one sandbox, typed errors (CON-SRC-1)."""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator
from urllib.parse import parse_qsl, urlsplit

import requests

from .errors import AepError, GatewayError, error_from_response

IMS_URL = "https://ims-na1.adobelogin.com"
PLATFORM_URL = "https://platform.adobe.io"
DEFAULT_SCOPES = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
REFRESH_MARGIN_SECONDS = 300
CATALOG_PAGE = 100


class AepClient:
    """Calls ``<platform_url>/data/foundation/<path>`` for one org and sandbox.

    The token is fetched on first use and again when fewer than ``refresh_margin``
    seconds of it are left by ``clock`` (``time.time`` by default); a 401 from the
    gateway (a token the platform's clock already expired) refreshes it once and
    repeats the call.
    """

    def __init__(self, client_id: str, client_secret: str, org_id: str, sandbox: str = "prod", *,
                 ims_url: str = IMS_URL, platform_url: str = PLATFORM_URL, scopes: str = DEFAULT_SCOPES,
                 session: requests.Session | None = None, clock: Callable[[], float] = time.time,
                 refresh_margin: float = REFRESH_MARGIN_SECONDS) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.org_id = org_id
        self.sandbox = sandbox
        self.ims_url = ims_url.rstrip("/")
        self.platform_url = platform_url.rstrip("/")
        self.scopes = scopes
        self.session = session or requests.Session()
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._token: str | None = None
        self._expires_at = 0.0
        self.token_fetches = 0

    # -- IMS ----------------------------------------------------------------------------------
    def token(self) -> str:
        """A token with more than ``refresh_margin`` seconds left, fetched when needed."""
        if self._token is None or self.clock() >= self._expires_at - self.refresh_margin:
            self.refresh_token()
        assert self._token is not None
        return self._token

    def refresh_token(self) -> str:
        response = self.session.post(f"{self.ims_url}/ims/token/v3", data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self._client_secret, "scope": self.scopes})
        if response.status_code != 200:
            raise error_from_response(response)
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self.clock() + float(body.get("expires_in", 0))
        self.token_fetches += 1
        return self._token

    # -- platform calls -----------------------------------------------------------------------
    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "x-api-key": self.client_id,
                "x-gw-ims-org-id": self.org_id, "x-sandbox-name": self.sandbox, **(extra or {})}

    def url(self, path: str) -> str:
        return f"{self.platform_url}/data/foundation/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None,
                headers: dict[str, str] | None = None) -> Any:
        """The parsed JSON answer (None for 204); an :class:`AepError` subclass for an error answer."""
        extra = dict(headers or {})
        if json is not None:
            extra.setdefault("Content-Type", "application/json")
        response = self._send(method, path, params, json, extra)
        if response.status_code == 401:
            error = error_from_response(response)
            if isinstance(error, GatewayError):
                self.refresh_token()
                response = self._send(method, path, params, json, extra)
        if response.status_code >= 400:
            raise error_from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, params: Any, json: Any, extra: dict[str, str]) -> requests.Response:
        return self.session.request(method, self.url(path), params=params, json=json, headers=self.headers(extra))

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)

    # -- paging -------------------------------------------------------------------------------
    def flow_items(self, collection: str, params: dict[str, Any] | None = None) -> Iterator[dict]:
        """Every item of a Flow Service list, following ``_links.next.href`` (relative to the service root)."""
        answer = self.get(f"flowservice/{collection.lstrip('/')}", params=params)
        while True:
            yield from answer.get("items", [])
            href = ((answer.get("_links") or {}).get("next") or {}).get("href")
            if not href:
                return
            parts = urlsplit(href)
            answer = self.get(f"flowservice/{parts.path.lstrip('/')}", params=dict(parse_qsl(parts.query)))

    def catalog_items(self, collection: str, params: dict[str, Any] | None = None,
                      page_size: int = CATALOG_PAGE) -> Iterator[tuple[str, dict]]:
        """Every ``(id, document)`` of a Catalog list, paging with ``limit``/``start`` until a short page."""
        start = 0
        while True:
            page = self.get(f"catalog/{collection.lstrip('/')}",
                            params={**(params or {}), "limit": page_size, "start": start})
            yield from page.items()
            if len(page) < page_size:
                return
            start += page_size


__all__ = ["AepClient", "AepError"]
