"""What the OAuth, session and SOAP login tests share: the demo org's hosts, app and admin user,
the error bodies they expect, and small request helpers."""
from __future__ import annotations

LOGIN = "https://login.salesforce.com"
INSTANCE = "https://harness.my.salesforce.com"
AUTHORIZE_URL = f"{LOGIN}/services/oauth2/authorize"
TOKEN_URL = f"{LOGIN}/services/oauth2/token"
REVOKE_URL = f"{LOGIN}/services/oauth2/revoke"
USERINFO_URL = f"{LOGIN}/services/oauth2/userinfo"
SOAP_URL = f"{LOGIN}/services/Soap/u/59.0"
CLIENT_ID, CLIENT_SECRET = "harness-client-id", "harness-client-secret"
USERNAME, PASSWORD, SECURITY_TOKEN = "admin@example.com", "password123", "TOKEN123"
CALLBACK = "http://localhost:8080/callback"
REST = f"{INSTANCE}/services/data/v59.0"

INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]

# what simple_salesforce 1.12 sends (security-token login)
SIMPLE_SALESFORCE_ENVELOPE = """<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope
        xmlns:xsd="http://www.w3.org/2001/XMLSchema"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"
        xmlns:urn="urn:partner.soap.sforce.com">
    <env:Header>
        <urn:CallOptions>
            <urn:client>simple-salesforce</urn:client>
            <urn:defaultNamespace>sf</urn:defaultNamespace>
        </urn:CallOptions>
    </env:Header>
    <env:Body>
        <n1:login xmlns:n1="urn:partner.soap.sforce.com">
            <n1:username>{username}</n1:username>
            <n1:password>{password}</n1:password>
        </n1:login>
    </env:Body>
</env:Envelope>"""


def envelope(template: str = SIMPLE_SALESFORCE_ENVELOPE, username: str = USERNAME,
             password: str = PASSWORD + SECURITY_TOKEN) -> str:
    """A SOAP ``login()`` request body."""
    return template.format(username=username, password=password)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def add_app(emulator, **spec):
    """Register a connected app on the default org."""
    backend = emulator.salesforce
    return backend.add_app(backend.default_org(), spec)
