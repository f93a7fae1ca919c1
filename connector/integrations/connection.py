""""Test connection": log in with the client-credentials flow and name the exact failure (CON-TRIG-1).

Salesforce answers the token request with an OAuth error body (SPEC SF-OAUTH-2/3);
:data:`CAUSES` maps each to a cause the user can act on:

| OAuth answer (400) | cause |
| --- | --- |
| ``invalid_client_id`` "client identifier invalid" | ``WRONG_CONSUMER_KEY``, or ``APP_NOT_PROPAGATED`` while the app is younger than its propagation window |
| ``invalid_client`` "invalid client credentials" | ``WRONG_CONSUMER_SECRET`` |
| ``invalid_grant`` "no client credentials user enabled" | ``CLIENT_CREDENTIALS_DISABLED`` |
| ``invalid_grant`` "request not supported on this domain" | ``WRONG_LOGIN_URL`` (real orgs need the My Domain URL) |
| REST 403 on ``describe`` (no ``api`` scope) | ``API_ACCESS_DENIED`` |

Salesforce gives the same answer for an unknown key and for an app that has not
propagated yet, so time decides: within ``propagation_window`` of the app's change the
cause is ``APP_NOT_PROPAGATED`` (with the moment after which to retry), after it
``WRONG_CONSUMER_KEY``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import requests

from connector.salesforce import RetryPolicy, SalesforceClient
from connector.salesforce.errors import AuthenticationError, SalesforceError

from .model import SalesforceService

OK = "OK"
WRONG_CONSUMER_KEY = "WRONG_CONSUMER_KEY"
WRONG_CONSUMER_SECRET = "WRONG_CONSUMER_SECRET"
CLIENT_CREDENTIALS_DISABLED = "CLIENT_CREDENTIALS_DISABLED"
APP_NOT_PROPAGATED = "APP_NOT_PROPAGATED"
WRONG_LOGIN_URL = "WRONG_LOGIN_URL"
API_ACCESS_DENIED = "API_ACCESS_DENIED"
UNREACHABLE = "UNREACHABLE"
UNEXPECTED = "UNEXPECTED"

MESSAGES = {
    OK: "Connected to Salesforce.",
    WRONG_CONSUMER_KEY: "Salesforce does not know this consumer key: check that you pasted the connected app's "
                        "Consumer Key.",
    WRONG_CONSUMER_SECRET: "The consumer secret does not match the consumer key: paste the connected app's "
                           "Consumer Secret again.",
    CLIENT_CREDENTIALS_DISABLED: "The connected app does not allow the client-credentials flow: enable "
                                 "\"Client Credentials Flow\" and choose a run-as user.",
    APP_NOT_PROPAGATED: "Salesforce does not recognise this consumer key yet: a new or changed connected app can "
                        "take up to 10 minutes to take effect.",
    WRONG_LOGIN_URL: "This login URL does not accept the client-credentials flow: use the org's My Domain URL.",
    API_ACCESS_DENIED: "Connected, but the app's user cannot use the REST API or create Contacts: add the "
                       "\"api\" scope and check the run-as user's permissions.",
    UNREACHABLE: "Salesforce could not be reached.",
    UNEXPECTED: "Salesforce refused the connection.",
}

CAUSES = {
    ("invalid_client_id", None): WRONG_CONSUMER_KEY,
    ("invalid_client", None): WRONG_CONSUMER_SECRET,
    ("invalid_grant", "no client credentials user enabled"): CLIENT_CREDENTIALS_DISABLED,
    ("invalid_grant", "request not supported on this domain"): WRONG_LOGIN_URL,
}

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of "test connection"; ``error``/``error_description`` are Salesforce's own words."""

    cause: str
    message: str
    checked_at: datetime
    error: str | None = None
    error_description: str | None = None
    retry_after: datetime | None = None
    run_as: str | None = None  # the user id the app runs as (from the token's identity URL)

    @property
    def ok(self) -> bool:
        return self.cause == OK

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cause": self.cause, "message": self.message, "checked_at": self.checked_at.isoformat(),
                "error": self.error, "error_description": self.error_description,
                "retry_after": self.retry_after.isoformat() if self.retry_after else None, "run_as": self.run_as}


class ConnectionFailed(SalesforceError):
    """Logging in failed; ``report`` names the cause."""

    def __init__(self, report: ConnectionReport, status: int = 400) -> None:
        super().__init__(status, report.cause, report.message)
        self.report = report


def classify(error: SalesforceError, service: SalesforceService, changed_at: datetime, now: datetime) -> ConnectionReport:
    """The report for a refused login or REST check."""
    code = error.error_code or ""
    cause = CAUSES.get((code, (error.message or "").strip().lower())) or CAUSES.get((code, None))
    if not isinstance(error, AuthenticationError):
        cause = API_ACCESS_DENIED if error.status == 403 else UNEXPECTED
    cause = cause or UNEXPECTED
    message, retry_after = MESSAGES[cause], None
    if cause == WRONG_CONSUMER_KEY and now < changed_at + service.propagation_window:
        cause, retry_after = APP_NOT_PROPAGATED, changed_at + service.propagation_window
        message = (f"{MESSAGES[cause]} Retry after {retry_after.isoformat(timespec='seconds')}; if the key is still "
                   f"refused then, it is wrong.")
    elif cause == UNEXPECTED:
        message = f"{message} ({error.status} {code}: {error.message})"
    return ConnectionReport(cause, message, now, code or None, error.message or None, retry_after)


def connect(service: SalesforceService, changed_at: datetime, now: Clock, session: requests.Session | None = None,
            retry: RetryPolicy | None = None) -> SalesforceClient:
    """A client logged in with the client-credentials flow, or :class:`ConnectionFailed`."""
    try:
        return SalesforceClient.login_client_credentials(service.login_url, service.consumer_key,
                                                         service.consumer_secret, session=session, retry=retry)
    except SalesforceError as error:
        raise ConnectionFailed(classify(error, service, changed_at, now()), error.status) from None
    except requests.RequestException as error:
        report = ConnectionReport(UNREACHABLE, f"{MESSAGES[UNREACHABLE]} ({type(error).__name__})", now())
        raise ConnectionFailed(report, 0) from None


def test_connection(service: SalesforceService, changed_at: datetime, now: Clock,
                    session: requests.Session | None = None) -> tuple[ConnectionReport, SalesforceClient | None]:
    """Log in, then check that the app's user may create Contacts (``describe``)."""
    try:
        client = connect(service, changed_at, now, session)
    except ConnectionFailed as failed:
        return failed.report, None
    run_as = (client.token.id.rsplit("/", 1)[-1] or None) if client.token else None
    try:
        describe = client.describe("Contact")
    except SalesforceError as error:
        report = classify(error, service, changed_at, now())
        return ConnectionReport(report.cause, report.message, report.checked_at, report.error,
                                report.error_description, run_as=run_as), None
    if not describe.get("createable", True):
        return ConnectionReport(API_ACCESS_DENIED, MESSAGES[API_ACCESS_DENIED], now(), run_as=run_as), None
    return ConnectionReport(OK, MESSAGES[OK], now(), run_as=run_as), client


test_connection.__test__ = False  # not a pytest test, despite its name
