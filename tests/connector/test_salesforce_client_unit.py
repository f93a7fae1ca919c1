"""Unit tests of the Salesforce client over a canned transport (CON-SF-1; wire formats of SF-OAUTH-2..6,
SF-REST-4, SF-REST-8, SF-REST-11, SF-WIRE-1)."""
from __future__ import annotations

import json
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from connector.salesforce import (
    AuthenticationError,
    MalformedRequest,
    NotFound,
    RequestLimitExceeded,
    RetryPolicy,
    SalesforceClient,
    SalesforceError,
    ServerError,
    SessionExpiredError,
    TokenResponse,
    authorization_url,
    client_credentials_grant,
    error_from_response,
    exchange_code,
    password_grant,
    refresh_grant,
    revoke,
    userinfo,
)

LOGIN = "https://login.example.test"
INSTANCE = "https://na1.example.test"
DATA = f"{INSTANCE}/services/data/v59.0"


def make_response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers = CaseInsensitiveDict(headers or {})
    if isinstance(body, str):
        resp._content = body.encode()
        resp.headers.setdefault("Content-Type", "text/plain")
    elif body is not None:
        resp._content = json.dumps(body).encode()
        resp.headers.setdefault("Content-Type", "application/json")
    else:
        resp._content = b""
    resp.encoding = "utf-8"
    return resp


class CannedAdapter(BaseAdapter):
    """Answers each request with the next queued response and records the requests."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: deque[requests.Response] = deque()
        self.requests: list[requests.PreparedRequest] = []

    def queue(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.responses.append(make_response(status, body, headers))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        resp = self.responses.popleft()
        resp.request, resp.url = request, request.url
        return resp

    def close(self) -> None:
        pass

    def form(self, index: int = -1) -> dict[str, str]:
        body = self.requests[index].body
        return {k: v[0] for k, v in parse_qs(body if isinstance(body, str) else body.decode()).items()}


@pytest.fixture
def adapter() -> CannedAdapter:
    return CannedAdapter()


@pytest.fixture
def session(adapter: CannedAdapter) -> requests.Session:
    s = requests.Session()
    s.mount("https://", adapter)
    return s


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def token_body(access: str = "00Dxx!AQ1", instance: str = INSTANCE, **extra: Any) -> dict[str, Any]:
    return {"access_token": access, "instance_url": instance, "id": f"{LOGIN}/id/00Dxx/005xx",
            "token_type": "Bearer", "issued_at": "1700000000000", "signature": "c2lnbmF0dXJl", **extra}


def client(session: requests.Session, **kw: Any) -> SalesforceClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=1))
    return SalesforceClient(INSTANCE, "tok", session=session, **kw)


INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


# -- OAuth grants (SF-OAUTH-2..6) -----------------------------------------------------------

def test_password_grant_sends_password_plus_token_and_parses_token(adapter, session):
    """SF-OAUTH-2: form fields, password+security token, no refresh token."""
    adapter.queue(200, token_body())
    token = password_grant(session, LOGIN + "/", "cid", "csecret", "u@x.test", "pw", "SECTOK")
    req = adapter.requests[0]
    assert (req.method, req.url) == ("POST", f"{LOGIN}/services/oauth2/token")
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert adapter.form() == {"grant_type": "password", "client_id": "cid", "client_secret": "csecret",
                              "username": "u@x.test", "password": "pwSECTOK"}
    assert token == TokenResponse("00Dxx!AQ1", INSTANCE, f"{LOGIN}/id/00Dxx/005xx", "Bearer",
                                  "1700000000000", "c2lnbmF0dXJl", None, None, token_body())


def test_client_credentials_grant(adapter, session):
    """SF-OAUTH-3: client_credentials form; scope is kept."""
    adapter.queue(200, token_body(scope="api", api_instance_url="https://api.example.test"))
    token = client_credentials_grant(session, LOGIN, "cid", "csecret")
    assert adapter.form() == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"}
    assert token.scope == "api" and token.refresh_token is None
    assert token.raw["api_instance_url"] == "https://api.example.test"


def test_authorization_url():
    """SF-OAUTH-4: the consent URL carries response_type=code and the given parameters."""
    url = authorization_url(LOGIN, "cid", "https://app.test/cb", scope="api refresh_token", state="s1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{LOGIN}/services/oauth2/authorize"
    assert parse_qs(parts.query) == {"response_type": ["code"], "client_id": ["cid"],
                                     "redirect_uri": ["https://app.test/cb"], "scope": ["api refresh_token"],
                                     "state": ["s1"]}
    assert "scope" not in authorization_url(LOGIN, "cid", "https://app.test/cb")


def test_exchange_code(adapter, session):
    """SF-OAUTH-4: code exchange returns a refresh token and scope."""
    adapter.queue(200, token_body(refresh_token="5Aep8", scope="api refresh_token"))
    token = exchange_code(session, LOGIN, "cid", "csecret", "aPrx", "https://app.test/cb")
    assert adapter.form() == {"grant_type": "authorization_code", "client_id": "cid", "client_secret": "csecret",
                              "code": "aPrx", "redirect_uri": "https://app.test/cb"}
    assert (token.refresh_token, token.scope) == ("5Aep8", "api refresh_token")


def test_refresh_grant(adapter, session):
    """SF-OAUTH-5: refresh_token form."""
    adapter.queue(200, token_body(access="new"))
    assert refresh_grant(session, LOGIN, "cid", "csecret", "5Aep8").access_token == "new"
    assert adapter.form() == {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "csecret",
                              "refresh_token": "5Aep8"}


def test_revoke_and_userinfo(adapter, session):
    """SF-OAUTH-6: revoke posts token=; userinfo sends the bearer token."""
    adapter.queue(200)
    adapter.queue(200, {"user_id": "005xx", "preferred_username": "u@x.test"})
    revoke(session, LOGIN, "tok")
    info = userinfo(session, INSTANCE, "tok")
    assert (adapter.requests[0].url, adapter.form(0)) == (f"{LOGIN}/services/oauth2/revoke", {"token": "tok"})
    assert adapter.requests[1].url == f"{INSTANCE}/services/oauth2/userinfo"
    assert adapter.requests[1].headers["Authorization"] == "Bearer tok"
    assert info["user_id"] == "005xx"


@pytest.mark.parametrize("error, description", [
    ("invalid_grant", "authentication failure"),
    ("invalid_client_id", "client identifier invalid"),
    ("invalid_client", "invalid client credentials"),
])
def test_oauth_errors_raise_authentication_error(adapter, session, error, description):
    """SF-OAUTH-2: OAuth error bodies become AuthenticationError with error/error_description."""
    adapter.queue(400, {"error": error, "error_description": description})
    with pytest.raises(AuthenticationError) as exc:
        password_grant(session, LOGIN, "cid", "csecret", "u@x.test", "bad")
    assert (exc.value.status, exc.value.error, exc.value.error_description) == (400, error, description)
    assert exc.value.error_code == error


def test_revoke_unknown_token_raises(adapter, session):
    """SF-OAUTH-6: revoking an unknown token is 400 invalid_token."""
    adapter.queue(400, {"error": "invalid_token"})
    with pytest.raises(AuthenticationError) as exc:
        revoke(session, LOGIN, "nope")
    assert exc.value.error == "invalid_token"


# -- error mapping (SF-REST-5, SF-OAUTH-6, SF-REST-11) -----------------------------------------

@pytest.mark.parametrize("status, body, cls, code", [
    (400, [{"message": "Required fields are missing: [Company]", "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Company"]}], MalformedRequest, "REQUIRED_FIELD_MISSING"),
    (401, INVALID_SESSION, SessionExpiredError, "INVALID_SESSION_ID"),
    (403, LIMIT_EXCEEDED, RequestLimitExceeded, "REQUEST_LIMIT_EXCEEDED"),
    (403, [{"message": "API is disabled", "errorCode": "API_DISABLED_FOR_ORG"}], SalesforceError,
     "API_DISABLED_FOR_ORG"),
    (404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}], NotFound, "NOT_FOUND"),
    (429, [{"message": "Too many requests", "errorCode": "TOO_MANY_REQUESTS"}], ServerError, "TOO_MANY_REQUESTS"),
    (503, "<html>Service Unavailable</html>", ServerError, None),
])
def test_error_from_response_maps_classes(status, body, cls, code):
    err = error_from_response(make_response(status, body))
    assert type(err) is cls
    assert (err.status, err.error_code, err.body) == (status, code, body)


def test_error_from_response_fields_and_plain_text():
    err = error_from_response(make_response(400, [{"message": "Required fields are missing: [Company]",
                                                   "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Company"]}]))
    assert (err.message, err.fields) == ("Required fields are missing: [Company]", ["Company"])
    assert error_from_response(make_response(502, "Bad Gateway")).message == "Bad Gateway"


def test_client_raises_typed_rest_errors(adapter, session):
    """SF-REST-5: a REST error array raises the typed exception with errorCode and fields."""
    adapter.queue(400, [{"message": "No such column 'Foo__c' on sobject of type Contact",
                         "errorCode": "INVALID_FIELD", "fields": ["Foo__c"]}])
    with pytest.raises(MalformedRequest) as exc:
        client(session).create("Contact", {"Foo__c": 1})
    assert (exc.value.error_code, exc.value.fields) == ("INVALID_FIELD", ["Foo__c"])


# -- re-authentication on INVALID_SESSION_ID (SF-OAUTH-6, SF-WIRE-1) -------------------------------

def test_reauth_once_then_retry_succeeds(adapter, session):
    calls = []

    def reauth() -> TokenResponse:
        calls.append(1)
        return TokenResponse.from_json(token_body(access="fresh", instance="https://na2.example.test"))

    adapter.queue(401, INVALID_SESSION)
    adapter.queue(200, {"Id": "003xx"})
    sf = client(session, reauth=reauth)
    assert sf.get("Contact", "003xx") == {"Id": "003xx"}
    assert len(calls) == 1
    assert adapter.requests[0].headers["Authorization"] == "Bearer tok"
    assert adapter.requests[1].headers["Authorization"] == "Bearer fresh"
    assert adapter.requests[1].url == "https://na2.example.test/services/data/v59.0/sobjects/Contact/003xx"
    assert (sf.access_token, sf.instance_url) == ("fresh", "https://na2.example.test")


def test_second_401_raises_session_expired(adapter, session):
    calls = []
    adapter.queue(401, INVALID_SESSION)
    adapter.queue(401, INVALID_SESSION)
    sf = client(session, reauth=lambda: calls.append(1) or TokenResponse.from_json(token_body(access="fresh")))
    with pytest.raises(SessionExpiredError) as exc:
        sf.limits()
    assert exc.value.error_code == "INVALID_SESSION_ID"
    assert (len(calls), len(adapter.requests)) == (1, 2)


def test_401_without_reauth_raises(adapter, session):
    adapter.queue(401, INVALID_SESSION)
    with pytest.raises(SessionExpiredError):
        client(session).limits()
    assert len(adapter.requests) == 1


def test_login_password_relogs_with_same_grant(adapter, session):
    adapter.queue(200, token_body(access="first"))
    adapter.queue(401, INVALID_SESSION)
    adapter.queue(200, token_body(access="second"))
    adapter.queue(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 14999}})
    sf = SalesforceClient.login_password(LOGIN, "cid", "csecret", "u@x.test", "pw", "TOK", session=session)
    assert sf.limits()["DailyApiRequests"]["Max"] == 15000
    assert adapter.form(0) == adapter.form(2)
    assert adapter.form(2)["password"] == "pwTOK"
    assert adapter.requests[3].headers["Authorization"] == "Bearer second"
    assert sf.token.access_token == "second"


def test_login_client_credentials(adapter, session):
    adapter.queue(200, token_body(access="cc", scope="api"))
    sf = SalesforceClient.login_client_credentials(LOGIN, "cid", "csecret", api_version="60.0", session=session)
    assert (sf.access_token, sf.api_version, sf.token.scope) == ("cc", "v60.0", "api")


def test_from_refresh_token_follows_rotation(adapter, session):
    adapter.queue(200, token_body(access="a1", refresh_token="r2"))
    adapter.queue(401, INVALID_SESSION)
    adapter.queue(200, token_body(access="a2"))
    adapter.queue(204)
    sf = SalesforceClient.from_refresh_token(LOGIN, "cid", "csecret", "r1", session=session)
    sf.delete("Contact", "003xx")
    assert [adapter.form(0)["refresh_token"], adapter.form(2)["refresh_token"]] == ["r1", "r2"]
    assert adapter.requests[3].headers["Authorization"] == "Bearer a2"


def test_from_authorization_code_refreshes_with_returned_token(adapter, session):
    adapter.queue(200, token_body(access="a1", refresh_token="r1"))
    adapter.queue(401, INVALID_SESSION)
    adapter.queue(200, token_body(access="a2"))
    adapter.queue(200, {"sub": "x"})
    sf = SalesforceClient.from_authorization_code(LOGIN, "cid", "csecret", "code1", "https://app.test/cb",
                                                  session=session)
    assert sf.userinfo() == {"sub": "x"}
    assert adapter.form(0)["code"] == "code1"
    assert adapter.form(2) == {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "csecret",
                               "refresh_token": "r1"}
    assert adapter.requests[3].url == f"{INSTANCE}/services/oauth2/userinfo"


def test_from_authorization_code_without_refresh_token_cannot_reauth(adapter, session):
    adapter.queue(200, token_body())
    adapter.queue(401, INVALID_SESSION)
    sf = SalesforceClient.from_authorization_code(LOGIN, "cid", "csecret", "c", "https://app.test/cb",
                                                  session=session)
    with pytest.raises(SessionExpiredError):
        sf.limits()


def test_client_revoke_disables_reauth(adapter, session):
    adapter.queue(200)
    adapter.queue(401, INVALID_SESSION)
    sf = client(session, reauth=lambda: pytest.fail("reauth after revoke"))
    sf.revoke()
    assert (adapter.requests[0].url, adapter.form(0)) == (f"{INSTANCE}/services/oauth2/revoke", {"token": "tok"})
    with pytest.raises(SessionExpiredError):
        sf.limits()


# -- retry with backoff (SF-REST-11) -----------------------------------------------------------

@pytest.mark.parametrize("status, body", [(403, LIMIT_EXCEEDED), (503, "Service Unavailable"), (429, None)])
def test_retry_backoff_grows_is_capped_and_bounded(adapter, session, status, body):
    sleeps = Sleeps()
    for _ in range(6):
        adapter.queue(status, body)
    sf = client(session, retry=RetryPolicy(max_attempts=6, base_delay=1, max_delay=5, sleep=sleeps))
    with pytest.raises((RequestLimitExceeded, ServerError)) as exc:
        sf.limits()
    assert exc.value.status == status
    assert sleeps == [1, 2, 4, 5, 5]
    assert len(adapter.requests) == 6


def test_retry_succeeds_after_transient_failure(adapter, session):
    sleeps = Sleeps()
    adapter.queue(503, "busy")
    adapter.queue(403, LIMIT_EXCEEDED)
    adapter.queue(201, {"id": "003xx", "success": True, "errors": []})
    sf = client(session, retry=RetryPolicy(max_attempts=3, base_delay=0.5, sleep=sleeps))
    assert sf.create("Contact", {"LastName": "Doe"}) == "003xx"
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("header, expected", [("3", 3), ("120", 10), ("Wed, 21 Oct 2015 07:28:00 GMT", 0)])
def test_retry_after_is_honoured_within_cap(adapter, session, header, expected):
    sleeps = Sleeps()
    adapter.queue(429, None, {"Retry-After": header})
    adapter.queue(200, {})
    client(session, retry=RetryPolicy(base_delay=1, max_delay=10, sleep=sleeps)).limits()
    assert sleeps == [expected]


def test_client_errors_are_not_retried(adapter, session):
    sleeps = Sleeps()
    adapter.queue(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    with pytest.raises(NotFound):
        client(session, retry=RetryPolicy(sleep=sleeps)).get("Contact", "003xx")
    assert (sleeps, len(adapter.requests)) == ([], 1)


def test_retry_policy_needs_one_attempt():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


# -- REST resources (SF-REST-1, SF-REST-4, SF-REST-8, SF-REST-11) ----------------------------------

def test_paths_relative_and_absolute(adapter, session):
    adapter.queue(200, [{"version": "59.0", "url": "/services/data/v59.0"}])
    adapter.queue(200, {"sobjects": "/services/data/v59.0/sobjects"})
    adapter.queue(200, {"sobjects": []})
    adapter.queue(200, {"name": "Contact", "fields": []})
    sf = client(session)
    sf.versions()
    sf.resources()
    sf.describe_global()
    sf.describe("Contact")
    assert [r.url for r in adapter.requests] == [f"{INSTANCE}/services/data", DATA, f"{DATA}/sobjects",
                                                 f"{DATA}/sobjects/Contact/describe"]
    assert all(r.headers["Accept"] == "application/json" for r in adapter.requests)


def test_crud_requests(adapter, session):
    adapter.queue(201, {"id": "003xx", "success": True, "errors": []})
    adapter.queue(200, {"Id": "003xx", "Email": "a@b.test"})
    adapter.queue(204)
    adapter.queue(204)
    sf = client(session)
    assert sf.create("Contact", {"LastName": "Doe"}) == "003xx"
    assert sf.get("Contact", "003xx", ["Id", "Email"])["Email"] == "a@b.test"
    assert sf.update("Contact", "003xx", {"FirstName": "J"}) is None
    assert sf.delete("Contact", "003xx") is None
    assert [(r.method, r.url) for r in adapter.requests] == [
        ("POST", f"{DATA}/sobjects/Contact"),
        ("GET", f"{DATA}/sobjects/Contact/003xx?fields=Id%2CEmail"),
        ("PATCH", f"{DATA}/sobjects/Contact/003xx"),
        ("DELETE", f"{DATA}/sobjects/Contact/003xx"),
    ]
    assert json.loads(adapter.requests[0].body) == {"LastName": "Doe"}


def test_query_follows_next_records_url(adapter, session):
    adapter.queue(200, {"totalSize": 5, "done": False, "nextRecordsUrl": "/services/data/v59.0/query/01gxx-2",
                        "records": [{"Id": "1"}, {"Id": "2"}]})
    adapter.queue(200, {"totalSize": 5, "done": False, "nextRecordsUrl": "/services/data/v59.0/query/01gxx-4",
                        "records": [{"Id": "3"}, {"Id": "4"}]})
    adapter.queue(200, {"totalSize": 5, "done": True, "records": [{"Id": "5"}]})
    records = list(client(session).query("SELECT Id FROM Contact"))
    assert [r["Id"] for r in records] == ["1", "2", "3", "4", "5"]
    assert [r.url for r in adapter.requests] == [f"{DATA}/query?q=SELECT+Id+FROM+Contact",
                                                 f"{DATA}/query/01gxx-2", f"{DATA}/query/01gxx-4"]


def test_query_all_and_single_page(adapter, session):
    adapter.queue(200, {"totalSize": 1, "done": True, "records": [{"Id": "1", "IsDeleted": True}]})
    adapter.queue(200, {"totalSize": 9, "done": False, "nextRecordsUrl": "/x", "records": []})
    sf = client(session)
    assert list(sf.query("SELECT Id FROM Contact", include_deleted=True)) == [{"Id": "1", "IsDeleted": True}]
    assert sf.query_page("SELECT Id FROM Lead")["totalSize"] == 9
    assert urlsplit(adapter.requests[0].url).path == "/services/data/v59.0/queryAll"
    assert len(adapter.requests) == 2


@pytest.mark.parametrize("status, body, expected", [
    (201, {"id": "003xx", "success": True, "errors": [], "created": True}, {"id": "003xx", "created": True}),
    (200, {"id": "003xx", "success": True, "errors": [], "created": False}, {"id": "003xx", "created": False}),
    (204, None, {"id": None, "created": False}),
])
def test_upsert(adapter, session, status, body, expected):
    adapter.queue(status, body)
    assert client(session).upsert("Contact", "Ext__c", "a/b 1", {"LastName": "Doe"}) == expected
    req = adapter.requests[0]
    assert (req.method, req.url) == ("PATCH", f"{DATA}/sobjects/Contact/Ext__c/a%2Fb%201")


def test_upsert_multiple_matches_raises(adapter, session):
    adapter.queue(300, ["/services/data/v59.0/sobjects/Contact/003a", "/services/data/v59.0/sobjects/Contact/003b"])
    with pytest.raises(SalesforceError) as exc:
        client(session).upsert("Contact", "Ext__c", "dup", {"LastName": "Doe"})
    assert (exc.value.status, exc.value.error_code, len(exc.value.body)) == (300, "MULTIPLE_CHOICES", 2)


def test_limit_info_header_is_parsed(adapter, session):
    adapter.queue(200, {}, {"Sforce-Limit-Info": "api-usage=18/15000"})
    adapter.queue(200, {}, {"Sforce-Limit-Info": "per-app-api-usage=3/250(appName=x), api-usage=19/15000"})
    sf = client(session)
    assert sf.last_limit_info is None
    sf.limits()
    assert sf.last_limit_info == (18, 15000)
    sf.limits()
    assert sf.last_limit_info == (19, 15000)
