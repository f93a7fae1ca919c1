"""Per-request Salesforce context: version, session, org data and usage (SF-REST-1, SF-REST-11)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, g, request

from .auth import check_session, require_api_scope
from .backend import SalesforceBackend
from .errors import SalesforceError, not_found
from .records import OrgData, Records
from .tokens import Session

VERSION_RE = re.compile(r"^v(\d{2,3})\.0$")


@dataclass
class SfContext:
    backend: SalesforceBackend
    session: Session
    data: OrgData
    version: str

    def records(self) -> Records:
        return Records(self.data, self.backend.ids, self.backend.now(), self.session.user_id)


def emulator():
    return current_app.extensions["emulator"]


def check_version(version: str) -> str:
    config = emulator().config
    match = VERSION_RE.match(version)
    if not match or not config.api_version_min <= int(match.group(1)) <= config.api_version_max:
        raise not_found()
    return version


def open_context(version: str) -> SfContext:
    """Authenticate, enforce scopes, body size and limits; counts the call (runs before each REST route)."""
    backend: SalesforceBackend = emulator().salesforce
    check_version(version)
    with backend.lock:
        now = backend.now()
        session = check_session(backend.tokens, backend.org_data, request.headers.get("Authorization"), now)
        data = backend.org_data(session.org_id)
        g.sf_org = data
        g.journal_org = data.org.id
        require_api_scope(session)
        config = data.org.config
        if request.content_length and request.content_length > config.max_body_bytes:
            raise SalesforceError(413, "REQUEST_ENTITY_TOO_LARGE",
                                  f"Request body exceeds the maximum size of {config.max_body_bytes} bytes")
        if not data.api_usage.try_consume(now, config.daily_api_limit):
            raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if data.in_flight >= config.concurrent_request_limit:
            raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
        data.in_flight += 1
        g.sf_in_flight = data
    ctx = SfContext(backend, session, data, version)
    g.sf = ctx
    return ctx


def close_context(response):
    """Release the concurrency slot and add ``Sforce-Limit-Info`` to every REST response."""
    data: OrgData | None = g.pop("sf_in_flight", None)
    backend = emulator().salesforce
    with backend.lock:
        if data is not None:
            data.in_flight -= 1
        org = g.get("sf_org")
        if org is not None:
            used = org.api_usage.current(backend.now())
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{org.org.config.daily_api_limit}"
    return response
