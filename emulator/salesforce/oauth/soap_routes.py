"""SOAP partner ``login()`` (SPEC SF-SOAP-1: what simple_salesforce and jsforce use by default)
and ``logout()`` (SPEC SF-REST-14: ends the SessionHeader's session)."""
from __future__ import annotations

from xml.etree import ElementTree
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request

from ..context import check_version, emulator
from ..errors import SOAP_ENVELOPE_CLOSE, SOAP_ENVELOPE_OPEN, OAuthError, SalesforceError, SoapFault
from .routes import instance_url

bp = Blueprint("salesforce_soap", __name__)

PARTNER_NS = "urn:partner.soap.sforce.com"
ENVELOPE_OPEN, ENVELOPE_CLOSE = SOAP_ENVELOPE_OPEN, SOAP_ENVELOPE_CLOSE
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def _xml(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")


def _credentials(root: ElementTree.Element) -> tuple[str | None, str | None]:
    login = root.find(f".//{{{PARTNER_NS}}}login")
    if login is None:
        raise ValueError("no login element")
    username = login.find(f"{{{PARTNER_NS}}}username")
    password = login.find(f"{{{PARTNER_NS}}}password")
    return (username.text if username is not None else None, password.text if password is not None else None)


@bp.post("/services/Soap/u/<version>")
def soap_login(version: str):
    try:
        check_version(emulator().config, "v" + version)
    except SalesforceError:
        raise SoapFault("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL", "UnexpectedErrorFault") from None
    try:
        root = ElementTree.fromstring(request.get_data())
        if root.find(f".//{{{PARTNER_NS}}}logout") is not None:
            return _logout(root)
        username, password = _credentials(root)
    except (ElementTree.ParseError, ValueError):
        raise SoapFault("Client", "Unable to find a deserializer for the type; the request is not a login call") from None
    try:
        grant = emulator().salesforce.soap_login(username, password)
    except OAuthError:
        raise SoapFault("INVALID_LOGIN", INVALID_LOGIN) from None
    base = instance_url()
    org, user = grant.org, grant.user
    fields = {
        "metadataServerUrl": f"{base}/services/Soap/m/{version}/{org.id}", "passwordExpired": "false",
        "sandbox": "false", "serverUrl": f"{base}/services/Soap/u/{version}/{org.id}",
        "sessionId": grant.session.token, "userId": user.id}
    info = {
        "accessibilityMode": "false", "chatterExternal": "false", "currencySymbol": "$",
        "orgAttachmentFileSizeLimit": "5242880", "orgDefaultCurrencyIsoCode": "USD",
        "orgDisallowHtmlAttachments": "false", "orgHasPersonAccounts": "false", "organizationId": org.id,
        "organizationMultiCurrency": "false", "organizationName": org.name, "profileId": "00e000000000001AAA",
        "roleId": "", "sessionSecondsValid": str(int(org.config.session_timeout.total_seconds())),
        "userDefaultCurrencyIsoCode": "", "userEmail": user.email, "userFullName": user.name, "userId": user.id,
        "userLanguage": "en_US", "userLocale": "en_US", "userName": user.username,
        "userTimeZone": user.time_zone, "userType": "Standard", "userUiSkin": "Theme3"}
    result = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    result += "<userInfo>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in info.items()) + "</userInfo>"
    return _xml(ENVELOPE_OPEN.format(ns=f'xmlns="{PARTNER_NS}"') + f"<loginResponse><result>{result}</result>"
                "</loginResponse>" + ENVELOPE_CLOSE)


def _logout(root: ElementTree.Element) -> Response:
    """``logout()``: the SessionHeader's session ends (later REST calls get INVALID_SESSION_ID)."""
    session_id = root.find(f".//{{{PARTNER_NS}}}SessionHeader/{{{PARTNER_NS}}}sessionId")
    token = (session_id.text or "").strip() if session_id is not None else ""
    try:
        emulator().salesforce.revoke(token)
    except OAuthError:
        raise SoapFault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session",
                        "UnexpectedErrorFault") from None
    return _xml(ENVELOPE_OPEN.format(ns=f'xmlns="{PARTNER_NS}"') + "<logoutResponse/>" + ENVELOPE_CLOSE)
