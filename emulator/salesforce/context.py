"""Per-call Salesforce context: version, session, org data and usage (SF-REST-1, SF-REST-11).

Shared by the Flask routes and the hot routes; only :func:`emulator` reads Flask's ``current_app``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ..core.front import NOW_ENVIRON_KEY, ORG_ENVIRON_KEY
from .oauth.grants import check_session, require_api_scope
from .backend import SalesforceBackend
from .errors import SalesforceError, not_found
from .sobjects.records import OrgData, Records
from .oauth.tokens import Session

VERSION_RE = re.compile(r"^v(\d{2,3})\.0$")
# Set by composite dispatch (never from HTTP): the SfContext of the call a subrequest belongs to.
PARENT_ENVIRON_KEY = "crm_harness.parent_sf"
# Set by authorize_call: the org's API usage right after this call was counted.
USAGE_ENVIRON_KEY = "crm_harness.api_usage"


@dataclass(slots=True)
class SfContext:
    backend: SalesforceBackend
    session: Session
    data: OrgData
    version: str
    now: datetime  # the request's one clock reading, for every rule of the call and its subrequests
    open: bool = True
    undo: list | None = None  # shared undo log of a composite call (allOrNone spans its subrequests)
    count_subrequests: bool = False  # /composite/batch: each subrequest counts as an API call
    environ: dict | None = None  # the outer request's environ, where the counted usage is recorded

    def records(self) -> Records:
        records = Records(self.data, self.backend.ids, self.now, self.session.user_id)
        if self.undo is not None:
            records.undo = self.undo
        return records

    def subrequest(self, version: str) -> SfContext:
        """The context of a subrequest: same session and org, no slot of its own, shared undo log."""
        if self.count_subrequests:
            with self.backend.lock:
                if not self.data.api_usage.try_consume(self.now, self.data.org.config.daily_api_limit):
                    raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                if self.environ is not None:
                    self.environ[USAGE_ENVIRON_KEY] = self.data.api_usage.used
        return SfContext(self.backend, self.session, self.data, version, self.now, open=False, undo=self.undo)

    def release(self) -> None:
        """Free the concurrency slot taken by :func:`authorize_call`."""
        if self.open:
            with self.backend.lock:
                self.data.in_flight -= 1
            self.open = False


def emulator():
    return current_app.extensions["emulator"]


def check_version(config, version: str) -> str:
    if not _version_supported(version, config.api_version_min, config.api_version_max):
        raise not_found()
    return version


@functools.lru_cache(maxsize=256)
def _version_supported(version: str, lowest: int, highest: int) -> bool:
    match = VERSION_RE.match(version)
    return bool(match) and lowest <= int(match.group(1)) <= highest


def authorize_call(emu, version: str, authorization: str | None, content_length: int | None,
                   environ: dict) -> SfContext:
    """Authenticate, enforce scopes, body size and limits, and count the call.

    A composite subrequest (``PARENT_ENVIRON_KEY`` in the environ) runs in its
    parent call's context instead: it is neither authenticated nor counted again.
    """
    backend: SalesforceBackend = emu.salesforce
    check_version(emu.config, version)
    parent: SfContext | None = environ.get(PARENT_ENVIRON_KEY)
    if parent is not None:
        environ[ORG_ENVIRON_KEY] = parent.data
        return parent.subrequest(version)
    now = environ.get(NOW_ENVIRON_KEY) or backend.now()
    with backend.lock:
        session = check_session(backend.tokens, backend.org_data, authorization, now)
        data = backend.org_data(session.org_id)
        environ[ORG_ENVIRON_KEY] = data
        require_api_scope(session)
        config = data.org.config
        if content_length and content_length > config.max_body_bytes:
            raise SalesforceError(413, "REQUEST_ENTITY_TOO_LARGE",
                                  f"Request body exceeds the maximum size of {config.max_body_bytes} bytes")
        if not data.api_usage.try_consume(now, config.daily_api_limit):
            raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if data.in_flight >= config.concurrent_request_limit:
            raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
        data.in_flight += 1
        environ[USAGE_ENVIRON_KEY] = data.api_usage.used
    return SfContext(backend, session, data, version, now, environ=environ)


def limit_header_for(emu, environ: dict) -> tuple[str, str] | None:
    """The ``Sforce-Limit-Info`` header once the caller's org is known (errors included).

    It reports the usage recorded when the call (and, for a composite batch,
    its last counted subrequest) was counted, or the org's current usage when
    the call was refused before being counted.
    """
    data: OrgData | None = environ.get(ORG_ENVIRON_KEY)
    if data is None:
        return None
    used = environ.get(USAGE_ENVIRON_KEY)
    if used is None:
        backend = emu.salesforce
        with backend.lock:
            used = data.api_usage.current(environ.get(NOW_ENVIRON_KEY) or backend.now())
    return "Sforce-Limit-Info", f"api-usage={used}/{data.org.config.daily_api_limit}"
