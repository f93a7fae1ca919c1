"""SOAP partner ``login()``: the envelopes simple_salesforce and jsforce send, faults, bad input.

Covers SF-SOAP-1 and the parts of SF-WIRE-1 it relies on (the sessionId is a token the REST
API accepts; old API versions are served).
"""
from __future__ import annotations

from xml.etree import ElementTree

import pytest

from sf_oauth_helpers import (INSTANCE, LOGIN, PASSWORD, SECURITY_TOKEN, SIMPLE_SALESFORCE_ENVELOPE, SOAP_URL,
                              USERNAME, bearer, envelope)

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
FAULT_NS = "urn:fault.partner.soap.sforce.com"
INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."
INVALID_LOGIN_FAULTSTRING = "INVALID_LOGIN: " + INVALID_LOGIN_MESSAGE

# what jsforce 3 sends without a client id (default namespace, no prefix)
JSFORCE_ENVELOPE = ('<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body>'
                    '<login xmlns="urn:partner.soap.sforce.com"><username>{username}</username>'
                    '<password>{password}</password></login></se:Body></se:Envelope>')


def soap_post(session, body, *, soap_action: str = "login", url: str = SOAP_URL,
              content_type: str = "text/xml; charset=UTF-8"):
    return session.post(url, data=body, headers={"Content-Type": content_type, "SOAPAction": soap_action})


def result_of(response) -> dict[str, str]:
    """The loginResponse ``result`` children (and userInfo's) by local name."""
    root = ElementTree.fromstring(response.content)
    result = root.find(f"{{{SOAPENV}}}Body/{{{PARTNER}}}loginResponse/{{{PARTNER}}}result")
    assert result is not None, response.text
    values = {child.tag.split("}")[1]: child.text or "" for child in result if child.tag != f"{{{PARTNER}}}userInfo"}
    info = result.find(f"{{{PARTNER}}}userInfo")
    values.update({f"userInfo.{c.tag.split('}')[1]}": c.text or "" for c in info})
    return values


def fault_of(response) -> ElementTree.Element:
    assert response.status_code == 500, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "Traceback" not in response.text
    root = ElementTree.fromstring(response.content)
    fault = root.find(f"{{{SOAPENV}}}Body/{{{SOAPENV}}}Fault")
    assert fault is not None, response.text
    return fault


# -- success ----------------------------------------------------------------------------
@pytest.mark.parametrize("template, soap_action, content_type", [
    (SIMPLE_SALESFORCE_ENVELOPE, "login", "text/xml"),
    (SIMPLE_SALESFORCE_ENVELOPE, "login", "text/xml; charset=UTF-8"),
    (JSFORCE_ENVELOPE, '""', "text/xml"),          # jsforce: SOAPAction ""
    (JSFORCE_ENVELOPE, "", "text/xml"),
])
def test_login_returns_a_session_the_rest_api_accepts(crm_session, template, soap_action, content_type):
    response = soap_post(crm_session, envelope(template), soap_action=soap_action, content_type=content_type)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    result = result_of(response)
    info = crm_session.get(f"{LOGIN}/services/oauth2/userinfo", headers=bearer(result["sessionId"])).json()
    org_id, user_id = info["organization_id"], info["user_id"]
    assert result["serverUrl"] == f"{INSTANCE}/services/Soap/u/59.0/{org_id}"
    assert result["userId"] == user_id
    assert result["passwordExpired"] == "false" and result["sandbox"] == "false"
    assert result["userInfo.organizationId"] == org_id
    assert result["userInfo.userId"] == user_id
    assert result["userInfo.userName"] == USERNAME
    assert result["userInfo.userEmail"] == USERNAME
    assert result["userInfo.userFullName"] == "Ada Admin"
    assert result["userInfo.sessionSecondsValid"] == "7200"
    rest = crm_session.get(f"{INSTANCE}/services/data/v59.0/sobjects", headers=bearer(result["sessionId"]))
    assert rest.status_code == 200
    created = crm_session.post(f"{INSTANCE}/services/data/v59.0/sobjects/Contact", json={"LastName": "Soap"},
                               headers=bearer(result["sessionId"]))
    assert created.status_code == 201


def test_login_response_uses_unprefixed_elements(crm_session):
    """jsforce reads ``<serverUrl>`` and ``<sessionId>`` with plain regular expressions."""
    text = soap_post(crm_session, envelope()).text
    for tag in ("loginResponse", "result", "serverUrl", "sessionId", "userId", "userInfo", "organizationId"):
        assert f"<{tag}>" in text, tag
    assert f"<serverUrl>{INSTANCE}/services/Soap/u/59.0/00D" in text
    assert f'xmlns="{PARTNER}"' in text


def test_session_timeout_is_reported_in_seconds(crm_session):
    crm_session.post("http://localhost/__emulator/config", json={"salesforce": {"session_timeout_minutes": 30}})
    assert result_of(soap_post(crm_session, envelope()))["userInfo.sessionSecondsValid"] == "1800"


@pytest.mark.parametrize("version", ["31.0", "50.0", "59.0", "66.0"])
def test_login_on_old_and_new_versions(crm_session, version):
    response = soap_post(crm_session, envelope(), url=f"{LOGIN}/services/Soap/u/{version}")
    assert response.status_code == 200
    assert f"/services/Soap/u/{version}/00D" in result_of(response)["serverUrl"]


def test_login_with_xml_escaped_password(crm_emulator, crm_session):
    backend = crm_emulator.salesforce
    backend.add_user(backend.default_org(), {"username": "odd@example.com", "password": "p<&>\"'w",
                                             "security_token": "TOK", "last_name": "Odd"})
    response = soap_post(crm_session, envelope(username="odd@example.com", password="p&lt;&amp;&gt;&quot;&apos;wTOK"))
    assert response.status_code == 200
    assert result_of(response)["userInfo.userName"] == "odd@example.com"


def test_each_login_is_a_new_session(crm_session):
    first = result_of(soap_post(crm_session, envelope()))["sessionId"]
    second = result_of(soap_post(crm_session, envelope()))["sessionId"]
    assert first != second


def test_soap_session_can_be_revoked(crm_session):
    session_id = result_of(soap_post(crm_session, envelope()))["sessionId"]
    assert crm_session.post(f"{LOGIN}/services/oauth2/revoke", data={"token": session_id}).status_code == 200
    response = crm_session.get(f"{INSTANCE}/services/data/v59.0/limits", headers=bearer(session_id))
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


# -- INVALID_LOGIN -------------------------------------------------------------------------
@pytest.mark.parametrize("username, password", [
    (USERNAME, "wrong" + SECURITY_TOKEN),
    (USERNAME, PASSWORD),                     # security token missing
    (USERNAME, PASSWORD + "WRONG"),
    (USERNAME, ""),
    ("nobody@example.com", PASSWORD + SECURITY_TOKEN),
    ("", PASSWORD + SECURITY_TOKEN),
])
@pytest.mark.parametrize("template", [SIMPLE_SALESFORCE_ENVELOPE, JSFORCE_ENVELOPE])
def test_bad_credentials_give_an_invalid_login_fault(crm_session, username, password, template):
    response = soap_post(crm_session, envelope(template, username, password))
    fault = fault_of(response)
    assert fault.findtext("faultcode") == "sf:INVALID_LOGIN"
    assert fault.findtext("faultstring") == INVALID_LOGIN_FAULTSTRING
    login_fault = fault.find(f"detail/{{{FAULT_NS}}}LoginFault")
    assert login_fault is not None
    assert login_fault.findtext(f"{{{FAULT_NS}}}exceptionCode") == "INVALID_LOGIN"
    assert login_fault.findtext(f"{{{FAULT_NS}}}exceptionMessage") == INVALID_LOGIN_MESSAGE
    # simple_salesforce looks the detail up by its prefixed tag names
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.text
    assert f"<sf:exceptionMessage>{INVALID_LOGIN_MESSAGE}</sf:exceptionMessage>" in response.text
    assert f"<faultcode>sf:INVALID_LOGIN</faultcode>" in response.text


def test_login_without_username_or_password_elements(crm_session):
    body = ('<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
            '<login xmlns="urn:partner.soap.sforce.com"/></se:Body></se:Envelope>')
    fault = fault_of(soap_post(crm_session, body))
    assert fault.findtext("faultcode") == "sf:INVALID_LOGIN"


# -- malformed requests: always a SOAP fault ---------------------------------------------------
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
                  + "]><l>&j;</l>")
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
                   '<login xmlns="urn:partner.soap.sforce.com"><username>&x;</username>'
                   '<password>p</password></login></se:Body></se:Envelope>')


@pytest.mark.parametrize("body", [
    b"",
    b"not xml at all",
    b"<se:Envelope",
    envelope()[:-20].encode(),
    b"\xff\xfe\x00\x01garbage",
    b'{"username": "admin@example.com"}',
    # well-formed but not a partner login call
    b'<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body>'
    b'<logout xmlns="urn:partner.soap.sforce.com"/></se:Body></se:Envelope>',
    envelope().replace("urn:partner.soap.sforce.com", "urn:enterprise.soap.sforce.com").encode(),
    BILLION_LAUGHS.encode(),
])
def test_malformed_requests_get_a_soap_fault(crm_session, body):
    fault = fault_of(soap_post(crm_session, body))
    assert fault.findtext("faultcode")
    assert fault.findtext("faultstring")


def test_external_entities_are_not_resolved(crm_session):
    response = soap_post(crm_session, EXTERNAL_ENTITY)
    assert response.status_code == 500
    assert "root:" not in response.text
    fault_of(response)


def test_unsupported_api_version_is_a_fault(crm_session):
    fault = fault_of(soap_post(crm_session, envelope(), url=f"{LOGIN}/services/Soap/u/20.0"))
    assert fault.findtext("faultcode") == "sf:UNSUPPORTED_API_VERSION"
