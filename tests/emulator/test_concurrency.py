"""16 threads x 1 000 creates end with exactly 16 000 records and consistent counters,
in-process and against ``crm-harness serve``. Covers SF-REST-4, SF-REST-11."""
from __future__ import annotations

import threading

import pytest
import requests

from emulator.testing import run_in_threads, serve_subprocess

THREADS, PER_THREAD = 16, 1000


def _hammer(make_session, base: str, token: str) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        session = make_session()
        mine = []
        for i in range(PER_THREAD):
            response = session.post(f"{base}/services/data/v59.0/sobjects/Contact",
                                    json={"LastName": f"T{n}-{i}"}, headers={"Authorization": f"Bearer {token}"})
            mine.append(response.status_code)
        with lock:
            statuses.extend(mine)

    run_in_threads(worker, THREADS)
    return statuses


def _token(session: requests.Session, base: str) -> str:
    return session.post(f"{base}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]


def _check(session: requests.Session, base: str, token: str, admin: dict) -> None:
    state = session.get(f"{base}/__emulator/state", headers=admin).json()
    org = state["salesforce"]["orgs"][0]
    assert org["records"]["Contact"] == THREADS * PER_THREAD
    assert org["apiUsage"] == THREADS * PER_THREAD
    limits = session.get(f"{base}/services/data/v59.0/limits", headers={"Authorization": f"Bearer {token}"})
    assert limits.json()["DailyApiRequests"]["Remaining"] == 100000 - THREADS * PER_THREAD - 1


@pytest.mark.slow
def test_in_process(crm_app):
    from emulator import session_for
    base = "https://harness.my.salesforce.com"
    session = session_for(crm_app)
    session.post(f"{base}/__emulator/config", json={"salesforce": {"daily_api_limit": 100000}})
    token = _token(session, base)
    statuses = _hammer(lambda: session_for(crm_app), base, token)
    assert statuses.count(201) == THREADS * PER_THREAD
    _check(session, base, token, {})


@pytest.mark.slow
def test_against_server():
    with serve_subprocess() as server:
        session = requests.Session()
        admin = {"X-Admin-Token": server.admin_token}
        session.post(f"{server.base_url}/__emulator/config", json={"salesforce": {"daily_api_limit": 100000}},
                     headers=admin)
        token = _token(session, server.base_url)
        statuses = _hammer(requests.Session, server.base_url, token)
        assert statuses.count(201) == THREADS * PER_THREAD
        _check(session, server.base_url, token, admin)
