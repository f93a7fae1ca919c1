"""Bad input gets the real error shape, never a 500 or a traceback. Covers SF-REST-5, SF-WIRE-1."""
from __future__ import annotations

import pytest

BAD_BODIES = [
    (b"{not json", "application/json", 400, "JSON_PARSER_ERROR"),
    (b"", "application/json", 400, "JSON_PARSER_ERROR"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "JSON_PARSER_ERROR"),
    (b"[1, 2, 3]", "application/json", 400, "JSON_PARSER_ERROR"),
    (b'"just a string"', "application/json", 400, "JSON_PARSER_ERROR"),
    (b'{"LastName": 1e999}', "application/json", 201, None),
    (b"LastName=x", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
    (b"<xml/>", "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"),
    (b'{"LastName": "x", "Birthdate": [1]}', "application/json", 400, "JSON_PARSER_ERROR"),
    (b'{"LastName": "x", "NumberOfEmployees": 1}', "application/json", 400, "INVALID_FIELD"),
]


@pytest.mark.parametrize("body,content_type,status,code", BAD_BODIES)
def test_bad_bodies(rest, body, content_type, status, code):
    response = rest.post("sobjects/Contact", data=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    if code:
        errors = response.json()
        assert isinstance(errors, list) and errors[0]["errorCode"] == code and errors[0]["message"]
        assert "Traceback" not in response.text


@pytest.mark.parametrize("method,path", [
    ("GET", "/services/data/v59.0/nothing/here"),
    ("GET", "/services/data/v59.0/sobjects/Contact/003/extra/segments/deep"),
    ("PUT", "/services/data/v59.0/sobjects/Contact"),
    ("GET", "/services/nope"),
    ("DELETE", "/services/data/v59.0/limits"),
    ("GET", "/services/data/v59.0/sobjects/%00%ff"),
])
def test_unknown_paths_and_methods(rest, method, path):
    response = rest.call(method, path)
    assert response.status_code in (400, 404, 405), response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body, list) and body[0]["errorCode"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED", "MALFORMED_ID")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Bearer garbage", "Basic dXNlcjpwYXNz",
                                    "Bearer 00D!AQ" + "x" * 5000, "OAuth \u00e9\u00e8"])
def test_garbage_tokens(crm_session, header):
    response = crm_session.get("https://harness.my.salesforce.com/services/data/v59.0/limits",
                               headers={"Authorization": header.encode("utf-8").decode("latin-1")})
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_oauth_token_endpoint_with_garbage(crm_session):
    for data in ({}, {"grant_type": "password"}, {"grant_type": "x" * 10000}):
        response = crm_session.post("https://login.salesforce.com/services/oauth2/token", data=data)
        assert response.status_code == 400
        assert "error" in response.json()
    raw = crm_session.post("https://login.salesforce.com/services/oauth2/token", data=b"\xff\xfe",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code == 400
