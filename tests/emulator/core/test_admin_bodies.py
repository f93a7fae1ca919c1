"""Every admin body refuses unknown keys with a 400 naming them (issue 10)."""
from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.config import Emulator
from emulator.core.transport import session_for

URL = "https://harness.my.salesforce.com/__emulator"
SETTINGS = ("session_timeout_minutes, daily_api_limit, daily_bulk_api_limit, custom_field_cap, custom_field_cap_scope, "
            "deletion_window_days, updated_window_days, recycle_bin_days, max_body_bytes, concurrent_request_limit, "
            "bulk_processing_seconds, my_domain, trusted_ip_ranges")


@pytest.fixture
def session():
    return session_for(create_app(Emulator()))


@pytest.mark.parametrize("path, body, message", [
    ("/config", {"daily_api_limit": 5},
     "unknown key 'daily_api_limit' (allowed: salesforce); org settings go under \"salesforce\": "
     "{\"salesforce\": {\"daily_api_limit\": ...}}"),
    ("/config", {"salesforce": {"daily_api_limt": 5}},
     f"unknown key 'salesforce.daily_api_limt' (did you mean 'daily_api_limit'?) (allowed: {SETTINGS})"),
    ("/config", {"salesforce": 5}, "salesforce: must be an object of org settings"),
    ("/reset", {"clocks": False}, "unknown key 'clocks' (did you mean 'clock'?) (allowed: clock)"),
    ("/clock", {"advanse": "1d"}, "unknown key 'advanse' (did you mean 'advance'?) (allowed: advance, set, freeze)"),
    ("/snapshot", {"nme": "x"}, "unknown key 'nme' (did you mean 'name'?) (allowed: name)"),
    ("/restore", {"label": "x"}, "unknown key 'label' (allowed: name)"),
    ("/fixture", {"org": {"daily_api_limt": 3}},
     "fixture: invalid fixture: org.daily_api_limt: unknown key (did you mean 'daily_api_limit'?) (allowed: name, "
     "session_timeout_minutes, daily_api_limit, custom_field_cap, my_domain, trusted_ip_ranges)"),
    ("/faults", {"faults": [{"path": "/x"}], "path": "/y"}, "unknown key 'path' (allowed: faults)"),
    ("/faults", {"faults": {"path": "/x"}}, "faults: must be a list of fault rules"),
    ("/faults", {"path": "/x", "tims": 1},
     "invalid fault rule: tims: unknown key (did you mean 'times'?) (expected one of: path, method, status, body, "
     "headers, latency_ms, drop, times, expire_tokens, exhaust_api_limit)"),
])
def test_unknown_keys_are_refused_by_name(session, path, body, message):
    response = session.post(URL + path, json=body)
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_a_nested_setting_still_applies_and_nothing_applies_on_a_bad_key(session):
    assert session.post(URL + "/config", json={"salesforce": {"daily_api_limit": 5}}).json()[
        "salesforce"]["daily_api_limit"] == 5
    assert session.post(URL + "/config", json={"salesforce": {"custom_field_cap": 3, "bogus": 1}}).status_code == 400
    assert session.get(URL + "/config").json()["salesforce"]["custom_field_cap"] == 25
