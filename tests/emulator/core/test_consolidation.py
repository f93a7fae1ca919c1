"""One route table, one error renderer per API, one fixture path, one tick (issue 8; SF-WIRE-1, AEP-ERR-1).

Table-driven: for every API family a 404, a 405, an injected fault and a
validation error each carry that API's real shape.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from emulator import Emulator, EmulatorConfig, create_app, session_for
from emulator.core.errors import family_for_path
from emulator.testing import serve_subprocess

SF = "https://harness.my.salesforce.com"
AEP = "https://platform.adobe.io"
IMS = "https://ims-na1.adobelogin.com"
HERE = Path(__file__).resolve().parent


def sf_token(session) -> str:
    return session.post(f"{SF}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]


def aep_headers(session) -> dict:
    token = session.post(f"{IMS}/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": "harness-aep-client",
        "client_secret": "harness-aep-secret"}).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "x-api-key": "harness-aep-client",
            "x-gw-ims-org-id": "HARNESS@AdobeOrg", "x-sandbox-name": "prod"}


# -- shape checks, one per family ---------------------------------------------------------
def rest_array(code):
    def check(response):
        body = response.json()
        assert isinstance(body, list) and body[0]["errorCode"] == code and "message" in body[0], body
    return check


def oauth_pair(error):
    def check(response):
        body = response.json()
        assert body["error"] == error and "error_description" in body, body
    return check


def soap_fault(code):
    def check(response):
        assert response.headers["Content-Type"].startswith("text/xml"), response.headers
        assert "<soapenv:Fault>" in response.text and f":{code}</faultcode>" in response.text, response.text
    return check


def ims_pair(response):
    body = response.json()
    assert set(body) == {"error", "error_description"}, body


def gateway(response):
    body = response.json()
    assert set(body) == {"error_code", "message"}, body


def problem(prefix, code=None):
    def check(response):
        body = response.json()
        assert body["type"].startswith(f"https://ns.adobe.com/aep/errors/{prefix}-"), body
        assert body["type"].endswith(f"-{response.status_code}") and body["status"] == response.status_code
        if code:
            assert f"-{code}-" in body["type"], body
        assert "report" in body and "title" in body
    return check


def admin(response):
    body = response.json()
    assert set(body) == {"error"}, body


FAMILIES = [
    # (name, path that no route serves, a served path whose method is refused, its allowed methods, shape)
    ("sf-rest", "/services/data/v59.0/nothing-here", ("PUT", "/services/data/v59.0/sobjects/Contact"),
     "GET,HEAD,POST", rest_array),
    ("sf-oauth", "/services/oauth2/nothing", ("PUT", "/services/oauth2/token"), "POST", None),
    ("soap", "/services/Soap/x/59.0", ("GET", "/services/Soap/u/59.0"), "POST", None),
    ("ims", "/ims/nothing", ("GET", "/ims/token/v3"), None, None),
    ("gateway", "/data/foundation/unknown-service/x", None, None, None),
    ("flowservice", "/data/foundation/flowservice/nothing", ("PUT", "/data/foundation/flowservice/connections"),
     None, None),
    ("schemaregistry", "/data/foundation/schemaregistry/nothing/here", None, None, None),
    ("catalog", "/data/foundation/catalog/nothing/here", None, None, None),
    ("conversion", "/data/foundation/conversion/nothing/here", None, None, None),
    ("admin", "/__emulator/nothing", ("DELETE", "/__emulator/reset"), "OPTIONS,POST", None),
]
SHAPES = {
    "sf-rest": lambda status: rest_array({404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 503: "SERVER_UNAVAILABLE"}
                                         [status]),
    "sf-oauth": lambda status: oauth_pair({404: "not_found", 405: "method_not_allowed",
                                           503: "server_unavailable"}[status]),
    "soap": lambda status: soap_fault("Client" if status < 500 else "UNKNOWN_EXCEPTION"),
    "ims": lambda status: ims_pair,
    "gateway": lambda status: gateway,
    "flowservice": lambda status: problem("FLOW", "1101" if status == 404 else None),
    "schemaregistry": lambda status: problem("XDM"),
    "catalog": lambda status: problem("CAT"),
    "conversion": lambda status: problem("CONV"),
    "admin": lambda status: admin,
}


@pytest.fixture
def session():
    return session_for(create_app(Emulator(EmulatorConfig(seed=1))))


def base_for(path: str) -> str:
    if path.startswith("/ims"):
        return IMS
    if path.startswith("/data/"):
        return AEP
    return SF


@pytest.mark.parametrize("name,missing,_refused,_allowed,_shape", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_a_404_carries_the_api_shape(session, name, missing, _refused, _allowed, _shape):
    response = session.get(base_for(missing) + missing)
    assert response.status_code == 404 and response.headers["Content-Type"]
    SHAPES[name](404)(response)


@pytest.mark.parametrize("name,_missing,refused,allowed,_shape", [f for f in FAMILIES if f[2]],
                         ids=[f[0] for f in FAMILIES if f[2]])
def test_a_405_carries_the_api_shape_and_the_union_of_allowed_methods(session, name, _missing, refused, allowed,
                                                                      _shape):
    method, path = refused
    response = session.request(method, base_for(path) + path)
    assert response.status_code == 405
    SHAPES[name](405)(response)
    if allowed:
        assert response.headers["Allow"] == allowed


def test_salesforce_405_names_every_served_method_as_the_real_api_does(session):
    """PUT on /sobjects/Contact: POST is served by the hot path, GET by Flask; both are listed."""
    response = session.put(f"{SF}/services/data/v59.0/sobjects/Contact",
                           headers={"Authorization": f"Bearer {sf_token(session)}"})
    assert response.status_code == 405 and response.headers["Allow"] == "GET,HEAD,POST"
    assert response.json() == [{"errorCode": "METHOD_NOT_ALLOWED",
                                "message": "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD,POST"}]
    row = session.put(f"{SF}/services/data/v59.0/sobjects/Contact/003000000000001AAA")
    assert row.status_code == 405 and row.headers["Allow"] == "DELETE,GET,HEAD,PATCH"


@pytest.mark.parametrize("name,missing,_refused,_allowed,_shape", [f for f in FAMILIES if f[0] != "admin"],
                         ids=[f[0] for f in FAMILIES if f[0] != "admin"])
def test_an_injected_fault_carries_the_api_shape(session, name, missing, _refused, _allowed, _shape):
    prefix = missing.rsplit("/", 1)[0]
    added = session.post(f"{SF}/__emulator/faults", json={"path": prefix + "/*", "status": 503, "times": 1})
    assert added.status_code == 201
    response = session.get(base_for(missing) + missing)
    assert response.status_code == 503
    SHAPES[name](503)(response)


def test_validation_errors_carry_each_api_shape(session):
    token = sf_token(session)
    rest = session.post(f"{SF}/services/data/v59.0/sobjects/Contact", json={"FirstName": "No last name"},
                        headers={"Authorization": f"Bearer {token}"})
    assert rest.status_code == 400 and rest.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    oauth = session.post(f"{SF}/services/oauth2/token", data={"grant_type": "password", "client_id": "nobody"})
    assert oauth.status_code == 400 and oauth.json()["error"] == "invalid_client_id"
    soap = session.post(f"{SF}/services/Soap/u/59.0", data="not xml", headers={"Content-Type": "text/xml"})
    soap_fault("Client")(soap)
    ims = session.post(f"{IMS}/ims/token/v3", data={"grant_type": "password", "client_id": "harness-aep-client"})
    assert ims.status_code == 400
    ims_pair(ims)
    gw = session.get(f"{AEP}/data/foundation/flowservice/connections")
    assert gw.status_code == 403 and gw.json()["error_code"] == "403010"
    gateway(gw)
    flow = session.post(f"{AEP}/data/foundation/flowservice/connections", json={"no": "name"},
                        headers=aep_headers(session))
    assert flow.status_code == 400
    problem("FLOW")(flow)
    bad_admin = session.post(f"{SF}/__emulator/clock", json={"advance": "soon"})
    assert bad_admin.status_code == 400
    admin(bad_admin)


def test_families_are_chosen_by_the_longest_prefix():
    assert family_for_path("/services/oauth2/token").name == "salesforce-oauth"
    assert family_for_path("/services/data/v59.0").name == "salesforce"
    assert family_for_path("/services/oauth2x").name == "salesforce"  # whole segments only
    assert family_for_path("/data/foundation/flowservice/x").name == "flow-service"
    assert family_for_path("/data/foundation/other").name == "aep-gateway"
    assert family_for_path("/elsewhere").name == "other"


# -- one route registry --------------------------------------------------------------------
def test_composite_subrequests_do_not_depend_on_app_wsgi_app():
    """Wrapping the app in middleware leaves hot-route subrequests (and everything else) unchanged."""
    def run(wrap: bool) -> list:
        app = create_app(Emulator(EmulatorConfig(seed=7)))
        if wrap:
            inner = app.wsgi_app
            app.wsgi_app = lambda environ, start_response: inner(environ, start_response)
        session = session_for(app)
        token = sf_token(session)
        body = {"compositeRequest": [
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "c",
             "body": {"LastName": "Lovelace"}},
            {"method": "GET", "url": "/services/data/v59.0/sobjects/Contact/@{c.id}", "referenceId": "g"},
            {"method": "PUT", "url": "/services/data/v59.0/sobjects/Contact/@{c.id}", "referenceId": "p"}]}
        response = session.post(f"{SF}/services/data/v59.0/composite", json=body,
                                headers={"Authorization": f"Bearer {token}"})
        return [(r["httpStatusCode"], r["body"] if r["httpStatusCode"] != 200 else r["body"]["LastName"])
                for r in response.json()["compositeResponse"]]
    plain = run(wrap=False)
    assert [status for status, _ in plain] == [201, 200, 405]
    assert run(wrap=True) == plain


def test_part_of_the_suite_behind_a_noop_middleware():
    """The REST, composite, collections, OAuth and AEP suites pass with the app behind middleware."""
    files = ["tests/emulator/salesforce/test_composite.py", "tests/emulator/salesforce/test_collections.py",
             "tests/emulator/salesforce/test_rest_crud.py", "tests/emulator/salesforce/test_sessions.py",
             "tests/emulator/aep/test_connections.py"]
    root = HERE.parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(root), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "middleware_plugin", "-p", "no:xdist",
                             *files], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


# -- one fixture path ----------------------------------------------------------------------
NEW_CLIENT = {"aep": {"client_id": "second-client", "client_secret": "second-secret", "org_id": "SECOND@AdobeOrg",
                      "sandbox": "prod"},
              "org": {"daily_api_limit": 3},
              "users": [{"username": "admin@example.com", "password": "password123", "last_name": "Admin"}],
              "data": {"Contact": [{"LastName": "Fixture"}]}}


def _answers_after_fixture(session, base: str, admin_headers: dict) -> dict:
    loaded = session.post(f"{base}/__emulator/fixture", json=NEW_CLIENT, headers=admin_headers)
    assert loaded.status_code == 200, loaded.text
    ims_base = IMS if base == SF else base
    ims = session.post(f"{ims_base}/ims/token/v3", data={"grant_type": "client_credentials",
                                                          "client_id": "second-client", "client_secret": "second-secret"})
    old = session.post(f"{ims_base}/ims/token/v3", data={"grant_type": "client_credentials",
                                                          "client_id": "harness-aep-client",
                                                          "client_secret": "harness-aep-secret"})
    limits = session.get(f"{base}/__emulator/config", headers=admin_headers).json()["salesforce"]["daily_api_limit"]
    state = session.get(f"{base}/__emulator/state", headers=admin_headers).json()
    return {"new_client": ims.status_code, "old_client": (old.status_code, old.json()["error"]),
            "limit": limits, "contacts": state["salesforce"]["orgs"][0]["records"].get("Contact"),
            "aep_clients": state["aep"]["clients"]}


def test_the_same_fixture_change_gives_the_same_answers_in_process_and_served():
    in_process = _answers_after_fixture(session_for(create_app(Emulator(EmulatorConfig(seed=1)))), SF, {})
    assert in_process == {"new_client": 200, "old_client": (400, "invalid_client"), "limit": 3, "contacts": 1,
                          "aep_clients": ["second-client"]}
    with serve_subprocess() as server:
        served = _answers_after_fixture(requests.Session(), server.base_url, {"X-Admin-Token": server.admin_token})
    assert served == in_process


def test_a_fixture_that_cannot_load_leaves_the_previous_state_whole(session):
    before = session.get(f"{SF}/__emulator/state").json()["salesforce"]["orgs"][0]["users"]
    bad = session.post(f"{SF}/__emulator/fixture", json={
        "users": [{"username": "someone@example.com", "password": "x", "last_name": "Else"}],
        "data": {"Contact": [{"FirstName": "no last name"}]}})
    assert bad.status_code == 400 and "REQUIRED_FIELD_MISSING" in bad.json()["error"]
    assert session.get(f"{SF}/__emulator/state").json()["salesforce"]["orgs"][0]["users"] == before


# -- one clock reading, one tick -----------------------------------------------------------
def test_getters_and_constructors_do_not_change_state():
    """The recycle-bin purge happens in the tick before a request, not when records are read."""
    emu = Emulator(EmulatorConfig(seed=3))
    session = session_for(create_app(emu))
    token = sf_token(session)
    headers = {"Authorization": f"Bearer {token}"}
    contact = session.post(f"{SF}/services/data/v59.0/sobjects/Contact", json={"LastName": "Gone"},
                           headers=headers).json()["id"]
    session.delete(f"{SF}/services/data/v59.0/sobjects/Contact/{contact}", headers=headers)
    data = emu.salesforce.default_org()
    emu.clock.advance(timedelta(days=16))
    from emulator.salesforce.sobjects.records import Records
    Records(data, emu.ids, emu.clock.now(), "005")  # building a Records no longer purges
    assert data.store("Contact").get(contact) is not None
    emu.tick(emu.clock.now())
    assert data.store("Contact").get(contact) is None and not data.recycle_bin


def test_a_request_reads_the_clock_once():
    emu = Emulator(EmulatorConfig(seed=3))
    readings = []
    real_read = emu.clock.read

    def counting_read():
        readings.append(1)
        return real_read()
    emu.clock.read = counting_read
    session = session_for(create_app(emu))
    token = sf_token(session)
    readings.clear()
    response = session.get(f"{SF}/services/data/v59.0/query", params={"q": "SELECT Id FROM Contact"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(readings) == 1
