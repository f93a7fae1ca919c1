"""Token helpers: ``login`` steps and the automatic token behind ``auth: salesforce`` / ``auth: aep``."""
from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from .result import Result, from_response
from .targets import TIMEOUT, Connection

SOAP_VERSION = "59.0"
SOAP_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
    '<env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{username}</n1:username>'
    '<n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>')
SESSION_ID = re.compile(r"<sessionId>([^<]+)</sessionId>")
SERVER_URL = re.compile(r"<serverUrl>([^<]+)</serverUrl>")


class AuthError(RuntimeError):
    """An automatic login that failed; the message carries the answer."""


class Tokens:
    """The current Salesforce and AEP tokens of one scenario run."""

    def __init__(self, connection: Connection, scope: dict[str, Any]) -> None:
        self.connection = connection
        self.scope = scope
        self.salesforce: str | None = None
        self.aep: str | None = None
        self.last_login: dict[str, Any] = {"grant": "password"}

    def _post(self, path: str, **kw: Any) -> Result:
        started = time.perf_counter()
        response = self.connection.session.post(self.connection.url(path), timeout=TIMEOUT,
                                                allow_redirects=False, **kw)
        return from_response(response, (time.perf_counter() - started) * 1000, f"POST {path}")

    def login(self, spec: dict[str, Any]) -> Result:
        """Run a grant (password by default); on success the token becomes the scenario's Salesforce token."""
        self.last_login = dict(spec)
        grant = spec.get("grant", "password")
        value = {k: spec.get(k, self.scope.get(k, "")) for k in
                 ("username", "password", "security_token", "client_id", "client_secret")}
        if grant == "soap":
            return self._soap_login(value)
        form = {"grant_type": grant, "client_id": value["client_id"], "client_secret": value["client_secret"]}
        if grant == "password":
            form.update(username=value["username"], password=value["password"] + value["security_token"])
        elif grant == "refresh_token":
            form["refresh_token"] = spec.get("refresh_token", self.scope.get("refresh_token", ""))
        result = self._post("/services/oauth2/token", data=form)
        if result.status == 200 and isinstance(result.json, dict):
            self._remember(result.json["access_token"], result.json.get("instance_url", ""),
                           result.json.get("refresh_token"))
        return result

    def _soap_login(self, value: dict[str, str]) -> Result:
        body = SOAP_ENVELOPE.format(username=escape(value["username"]),
                                    password=escape(value["password"] + value["security_token"]))
        result = self._post(f"/services/Soap/u/{SOAP_VERSION}", data=body.encode(),
                            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"})
        session, server = SESSION_ID.search(result.text), SERVER_URL.search(result.text)
        if result.status == 200 and session and server:
            parts = urlsplit(server.group(1))
            self._remember(session.group(1), f"{parts.scheme}://{parts.netloc}", None)
        return result

    def _remember(self, token: str, instance_url: str, refresh_token: str | None) -> None:
        self.salesforce = token
        self.scope["access_token"] = token
        self.scope["instance_url"] = instance_url
        if refresh_token:
            self.scope["refresh_token"] = refresh_token

    def relogin(self) -> Result:
        """Repeat the last login (the automatic password login when none ran): a session expired."""
        self.salesforce = None
        return self.login(self.last_login)

    def salesforce_token(self) -> str:
        """The current token, logging in with the password grant of the fixture's first user when none."""
        if self.salesforce is None:
            result = self.login({"grant": "password"})
            if self.salesforce is None:
                raise AuthError(f"automatic password login for auth: salesforce failed: {result.brief()}")
        return self.salesforce

    def aep_headers(self) -> dict[str, str]:
        """IMS token and the gateway headers of every AEP platform call (AEP-AUTH-1)."""
        if self.aep is None:
            result = self._post("/ims/token/v3", data={
                "grant_type": "client_credentials", "client_id": self.scope.get("aep_client_id", ""),
                "client_secret": self.scope.get("aep_client_secret", ""),
                "scope": "openid,AdobeID,read_organizations"})
            if result.status != 200 or not isinstance(result.json, dict) or "access_token" not in result.json:
                raise AuthError(f"automatic IMS login for auth: aep failed: {result.brief()}")
            self.aep = result.json["access_token"]
        return {"Authorization": f"Bearer {self.aep}", "x-api-key": self.scope.get("aep_client_id", ""),
                "x-gw-ims-org-id": self.scope.get("aep_org_id", ""),
                "x-sandbox-name": self.scope.get("aep_sandbox", "")}
