"""The in-process transport: what reaches the WSGI app and what the client gets back."""
from __future__ import annotations

import json
import pickle

from requests.cookies import RequestsCookieJar

from emulator.core.transport import session_for


def echo_app(environ, start_response):
    """Answers with what it was given, so the environ the adapter builds can be checked."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    seen = {key: environ.get(key) for key in (
        "REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST",
        "CONTENT_TYPE", "HTTP_X_CUSTOM_HEADER", "wsgi.url_scheme")}
    seen["body"] = body.decode()
    payload = json.dumps(seen).encode()
    start_response("201 Created", [("Content-Type", "application/json; charset=utf-8"), ("X-Echo", "yes"),
                                   ("Content-Length", str(len(payload)))])
    return [payload]


def test_the_environ_carries_method_path_query_host_headers_and_body():
    session = session_for(echo_app)
    response = session.post("https://org.my.salesforce.com:8443/a%20b/c?x=1&y=%2F", data="hello",
                            headers={"Content-Type": "text/plain", "X-Custom-Header": "v"})
    assert response.json() == {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/a b/c", "QUERY_STRING": "x=1&y=%2F",
        "SERVER_NAME": "org.my.salesforce.com", "SERVER_PORT": "8443", "HTTP_HOST": "org.my.salesforce.com:8443",
        "CONTENT_TYPE": "text/plain", "HTTP_X_CUSTOM_HEADER": "v", "wsgi.url_scheme": "https", "body": "hello"}
    plain = session.get("http://localhost/").json()
    assert (plain["SERVER_PORT"], plain["PATH_INFO"], plain["wsgi.url_scheme"]) == ("80", "/", "http")


def test_the_response_behaves_like_one_from_the_network():
    response = session_for(echo_app).get("https://login.salesforce.com/x")
    assert (response.status_code, response.reason, response.ok) == (201, "Created", True)
    assert response.headers["x-echo"] == response.headers["X-ECHO"] == "yes"
    assert response.encoding == "utf-8"
    assert response.url == "https://login.salesforce.com/x"
    assert isinstance(response.cookies, RequestsCookieJar) and len(response.cookies) == 0
    assert response.elapsed.total_seconds() >= 0
    assert b"".join(response.iter_content(7)) == response.content
    assert response.raw.read() == response.content
    copy = pickle.loads(pickle.dumps(response))
    assert (copy.status_code, copy.json(), copy.headers["X-Echo"]) == (201, response.json(), "yes")
