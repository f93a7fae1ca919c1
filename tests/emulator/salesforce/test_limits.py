"""API limits: /limits, Sforce-Limit-Info, the daily cap and its 24 h window, body size,
concurrency. Covers SF-REST-11."""
from __future__ import annotations

from datetime import timedelta

import requests


def _usage(response: requests.Response) -> tuple[int, int]:
    used, maximum = response.headers["Sforce-Limit-Info"].removeprefix("api-usage=").split("/")
    return int(used), int(maximum)


def test_every_rest_response_carries_limit_info(rest):
    first = rest.get("limits")
    second = rest.post("sobjects/Contact", json={"LastName": "L"})
    error = rest.post("sobjects/Contact", json={})
    assert _usage(second) == (_usage(first)[0] + 1, 15000)
    assert _usage(error)[0] == _usage(second)[0] + 1


def test_limits_resource_shape(rest):
    body = rest.get("limits").json()
    assert body["DailyApiRequests"]["Max"] == 15000
    assert body["DailyApiRequests"]["Remaining"] == 15000 - 1
    for key in ("DailyBulkApiBatches", "DataStorageMB", "FileStorageMB"):
        assert set(body[key]) == {"Max", "Remaining"}


def test_daily_cap_refuses_until_the_window_rolls(rest, crm_emulator, crm_session):
    crm_session.post("https://x/__emulator/config", json={"salesforce": {"daily_api_limit": 3,
                                                                     "session_timeout_minutes": 3000}})
    assert [rest.get("limits").status_code for _ in range(3)] == [200, 200, 200]
    refused = rest.get("limits")
    assert refused.status_code == 403
    assert refused.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert _usage(refused) == (3, 3)
    crm_emulator.clock.advance(timedelta(hours=23, minutes=59))
    assert rest.get("limits").status_code == 403
    crm_emulator.clock.advance(timedelta(minutes=2))
    assert rest.get("limits").status_code == 200


def test_oversized_body_is_413(rest, crm_session):
    crm_session.post("https://x/__emulator/config", json={"salesforce": {"max_body_bytes": 1000}})
    small = rest.post("sobjects/Contact", json={"LastName": "x" * 10})
    assert small.status_code == 201
    big = rest.post("sobjects/Contact", json={"LastName": "x" * 2000})
    assert big.status_code == 413
    assert big.json()[0]["errorCode"] == "REQUEST_ENTITY_TOO_LARGE"


def test_concurrent_request_limit(rest, crm_emulator, crm_session):
    crm_session.post("https://x/__emulator/config", json={"salesforce": {"concurrent_request_limit": 1}})
    data = crm_emulator.salesforce.default_org()
    data.in_flight = 1  # one long-running request still open
    refused = rest.get("limits")
    assert refused.status_code == 403
    assert refused.json()[0]["message"] == "ConcurrentPerOrgLongTxn Limit exceeded."
    data.in_flight = 0
    assert rest.get("limits").status_code == 200
