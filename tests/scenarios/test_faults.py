"""Fault injection through /__emulator/faults, each kind, and /__emulator/fixture (SCN-1)."""
from __future__ import annotations

import time

import pytest

from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.pytest_plugin import fresh_emulator

BASE = "https://harness.my.salesforce.com"
REST = BASE + "/services/data/v59.0"


@pytest.fixture
def emu():
    return fresh_emulator()


@pytest.fixture
def http(emu):
    return session_for(create_app(emu))


@pytest.fixture
def auth(http):
    token = http.post(BASE + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def add(http, rule) -> dict:
    response = http.post(BASE + "/__emulator/faults", json=rule)
    assert response.status_code == 201, response.text
    return response.json()["faults"]


def test_status_with_body_and_headers_replaces_the_answer(http, auth):
    add(http, {"path": "/services/data/*/limits", "status": 429, "body": {"custom": True},
               "headers": {"Retry-After": 7}})
    response = http.get(REST + "/limits", headers=auth)
    assert (response.status_code, response.json(), response.headers["Retry-After"]) == (429, {"custom": True}, "7")
    assert http.get(REST + "/sobjects", headers=auth).status_code == 200  # other paths untouched


def test_without_a_body_the_target_api_error_shape_is_used(http, auth):
    add(http, {"path": "/services/data/*", "status": 500, "times": 1})
    add(http, {"path": "/services/oauth2/token", "status": 503, "times": 1})
    rest = http.get(REST + "/limits", headers=auth)
    assert rest.status_code == 500 and rest.json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert rest.headers["Content-Type"] == "application/json"
    oauth = http.post(BASE + "/services/oauth2/token", data={"grant_type": "password"})
    assert oauth.status_code == 503 and set(oauth.json()) == {"error", "error_description"}


def test_drop_fails_the_next_n_calls_then_retires(http, auth):
    [rule] = add(http, {"path": "re:/limits$", "drop": 2})
    assert rule["status"] == 503 and rule["remaining"] == 2
    statuses = [http.get(REST + "/limits", headers=auth).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert http.get(BASE + "/__emulator/faults").json() == {"faults": []}


def test_method_filter_and_times(http, auth):
    add(http, {"path": "/services/data/*/sobjects/Contact", "method": "post", "status": 400, "times": 2})
    assert http.get(REST + "/sobjects/Contact", headers=auth).status_code == 200
    codes = [http.post(REST + "/sobjects/Contact", json={"LastName": "X"}, headers=auth).status_code
             for _ in range(3)]
    assert codes == [400, 400, 201]


def test_latency_is_a_real_bounded_sleep(http, auth):
    add(http, {"path": "/services/data/*/limits", "latency_ms": 150, "times": 1})
    started = time.perf_counter()
    assert http.get(REST + "/limits", headers=auth).status_code == 200
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    http.get(REST + "/limits", headers=auth)
    assert time.perf_counter() - started < 0.15
    bad = http.post(BASE + "/__emulator/faults", json={"latency_ms": 60_000})
    assert bad.status_code == 400 and "latency_ms" in bad.json()["error"]


def test_expire_tokens_ends_sessions_but_refresh_and_login_still_work(http, auth):
    add(http, {"expire_tokens": True, "times": 1})
    answer = http.get(REST + "/limits", headers=auth)
    assert answer.status_code == 401 and answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    token = http.post(BASE + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    assert http.get(REST + "/limits", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_exhaust_api_limit_uses_up_the_daily_quota(http, auth):
    add(http, {"exhaust_api_limit": True, "times": 1, "path": "/services/data/*"})
    answer = http.get(REST + "/sobjects", headers=auth)
    assert answer.status_code == 403
    assert answer.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert http.get(REST + "/limits", headers=auth).headers["Sforce-Limit-Info"] == "api-usage=15000/15000"


def test_rules_are_validated_listed_deleted_and_reset(http, emu):
    bad = http.post(BASE + "/__emulator/faults", json={"faults": [{"status": 500}, {"status": 500, "colour": 1}]})
    assert bad.status_code == 400 and "faults[1].colour: unknown key" in bad.json()["error"]
    assert http.get(BASE + "/__emulator/faults").json()["faults"] == []  # all or nothing
    for rule, key in [({"path": "re:("}, "path"), ({"status": 99}, "status"), ({"drop": 1, "times": 2}, "drop"),
                      ({"path": "/x"}, "status"), ({"body": {}}, "body"), ({"expire_tokens": "yes"}, "expire_tokens")]:
        answer = http.post(BASE + "/__emulator/faults", json=rule)
        assert answer.status_code == 400 and f"invalid fault rule: {key}:" in answer.json()["error"], rule
    first, second = add(http, {"faults": [{"status": 500}, {"latency_ms": 1}]})
    assert [r["id"] for r in http.get(BASE + "/__emulator/faults").json()["faults"]] == [first["id"], second["id"]]
    assert http.delete(BASE + f"/__emulator/faults/{first['id']}").json() == {"deleted": first["id"]}
    assert http.delete(BASE + "/__emulator/faults/nope").status_code == 404
    http.post(BASE + "/__emulator/reset")
    assert emu.faults.rules() == []


def test_faults_never_touch_the_admin_api(http):
    add(http, {"path": "*", "status": 500})
    assert http.get(BASE + "/__emulator/faults").status_code == 200
    assert http.get(BASE + "/services/data").status_code == 500
    assert http.delete(BASE + "/__emulator/faults").json() == {"faults": []}
    assert http.get(BASE + "/services/data").status_code == 200


def test_fixture_endpoint_replaces_state_with_data(http, emu):
    loaded = http.post(BASE + "/__emulator/fixture", json={
        "org": {"name": "Loaded Org", "daily_api_limit": 5},
        "users": [{"username": "u@example.com", "password": "pw"}],
        "data": {"Account": [{"Name": "Acme"}], "Contact": [{"LastName": "A", "AccountId": "@Account:0"}]}})
    assert loaded.json() == {"loaded": True, "records": {"Account": 1, "Contact": 1, "Lead": 0, "Opportunity": 0, "Case": 0}}
    [org] = emu.summary()["salesforce"]["orgs"]
    assert org["name"] == "Loaded Org" and org["users"] == ["u@example.com"]
    assert org["records"]["Contact"] == 1 and org["config"]["daily_api_limit"] == 5
    http.post(BASE + "/__emulator/reset")  # a reset returns to the loaded fixture, without its data
    assert emu.summary()["salesforce"]["orgs"][0]["name"] == "Loaded Org"
    bad = http.post(BASE + "/__emulator/fixture", json={"users": [{"username": "u@example.com"}]})
    assert bad.status_code == 400 and "users[0].password: required key missing" in bad.json()["error"]
    bad_data = http.post(BASE + "/__emulator/fixture", json={
        "users": [{"username": "u@example.com", "password": "pw"}], "data": {"Lead": [{"LastName": "NoCompany"}]}})
    assert bad_data.status_code == 400 and "REQUIRED_FIELD_MISSING" in bad_data.json()["error"]
