"""The platform gateway's checks and the caller's sandbox (AEP-AUTH-1, AEP-ERR-1, AEP-ISO-1).

Every ``/data/foundation/...`` call passes here first: token, API key, org,
body media type, then the sandbox the call works in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..core.http import media_type
from .backend import AepBackend, Sandbox
from .errors import ContentTypeError, FlowServiceError, GatewayError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_BODY_TYPES = frozenset({"application/json", "application/json-patch+json"})  # Catalog PATCH sends the latter


@dataclass
class PlatformCall:
    """Who is calling, and in which sandbox."""

    client_id: str
    org_id: str
    sandbox: Sandbox

    def stamp(self) -> dict:
        """The isolation attributes every resource carries."""
        return {"imsOrgId": self.org_id, "sandboxId": self.sandbox.id, "sandboxName": self.sandbox.name}

    @property
    def actor(self) -> str:
        return f"{self.client_id}@AdobeID"


def authorize_platform(backend: AepBackend, headers: Mapping[str, str], method: str, has_body: bool) -> PlatformCall:
    """Run the gateway's checks in order; the first failure is the answer."""
    authorization = headers.get("Authorization")
    if not authorization:
        raise GatewayError(403, "403010", "Oauth token is missing.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GatewayError(401, "401013", "Oauth token is not valid")
    granted = backend.token_for(token.strip())
    api_key = headers.get("x-api-key")
    if not api_key:
        raise GatewayError(403, "403000", "Api Key is required")
    if backend.client(api_key) is None or api_key != granted.client_id:
        raise GatewayError(403, "403003", "Api Key is invalid")
    org_id = headers.get("x-gw-ims-org-id")
    if org_id is None:
        raise GatewayError(400, "400003", "Missing header")
    if not org_id.strip():
        raise FlowServiceError(401, "2002", "Unauthorized", "The x-gw-ims-org-id header is empty.")
    if org_id.strip() != granted.org_id:
        raise GatewayError(403, "403025", "Profile is not valid")
    if method in BODY_METHODS and has_body and media_type(headers.get("Content-Type")) not in JSON_BODY_TYPES:
        raise ContentTypeError()
    sandbox_name = headers.get("x-sandbox-name")
    if not sandbox_name or not sandbox_name.strip():
        raise FlowServiceError(400, "2105", "Bad request", "The x-sandbox-name header is missing.")
    sandbox = backend.sandbox(granted.org_id, sandbox_name.strip())
    if sandbox is None:
        raise FlowServiceError(404, "2101", "Sandbox not found",
                               f"The sandbox {sandbox_name.strip()} is not found in the organization.")
    return PlatformCall(granted.client_id, granted.org_id, sandbox)
