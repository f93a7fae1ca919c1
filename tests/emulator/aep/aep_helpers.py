"""IMS and Flow Service helpers for the AEP tests (imported by name: conftest modules are not)."""
from __future__ import annotations

from emulator.testing import ApiCaller

IMS = "https://ims-na1.adobelogin.com/ims/token/v3"
PLATFORM_HOST = "https://platform.adobe.io"
FLOW = f"{PLATFORM_HOST}/data/foundation/flowservice"
CLIENT, SECRET, ORG = "harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg"
SSC_SPEC = "cb66ab34-8619-49cb-96d1-39b37ede86ea"


def ims_token(session) -> str:
    response = session.post(IMS, data={"grant_type": "client_credentials", "client_id": CLIENT,
                                       "client_secret": SECRET, "scope": "openid,AdobeID,read_organizations"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Flow(ApiCaller):
    """Calls Flow Service with every required header; ``headers=`` overrides or drops (None) some.

    ``host`` is the platform gateway, or a served emulator's base URL."""

    def __init__(self, session, token: str, sandbox: str = "prod", host: str = PLATFORM_HOST) -> None:
        super().__init__(session, f"{host}/data/foundation/flowservice", {
            "Authorization": f"Bearer {token}", "x-api-key": CLIENT, "x-gw-ims-org-id": ORG, "x-sandbox-name": sandbox})


def ssc_connection(password: str = "password123", name: str = "Base connection for salesforce service cloud",
                   spec_id: str = "b66ab34-8619-49cb-96d1-39b37ede86ea") -> dict:
    """Seed 001's body (its spec id lacks the leading ``c``)."""
    return {"name": name, "description": name,
            "auth": {"specName": "Basic Authentication", "params": {
                "username": "admin@example.com", "password": password, "securityToken": "TOKEN123"}},
            "connectionSpec": {"id": spec_id, "version": "1.0"}}
