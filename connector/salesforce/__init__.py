"""Thin Salesforce REST/OAuth client on `requests` (CON-SF-1)."""
from .auth import (
    TokenResponse,
    authorization_url,
    client_credentials_grant,
    exchange_code,
    password_grant,
    refresh_grant,
    revoke,
    userinfo,
)
from .client import SalesforceClient
from .errors import (
    AuthenticationError,
    MalformedRequest,
    NotFound,
    RequestLimitExceeded,
    SalesforceError,
    ServerError,
    SessionExpiredError,
    error_from_response,
)
from .retry import RetryPolicy, is_retryable

__all__ = [
    "AuthenticationError",
    "MalformedRequest",
    "NotFound",
    "RequestLimitExceeded",
    "RetryPolicy",
    "SalesforceClient",
    "SalesforceError",
    "ServerError",
    "SessionExpiredError",
    "TokenResponse",
    "authorization_url",
    "client_credentials_grant",
    "error_from_response",
    "exchange_code",
    "is_retryable",
    "password_grant",
    "refresh_grant",
    "revoke",
    "userinfo",
]
