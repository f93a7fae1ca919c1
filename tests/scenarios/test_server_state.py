"""`run --server` gives the server its state back, and reset returns to the startup state (issue 10)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.server import build_emulator
from emulator.testing import serve_subprocess
from scenarios.cli import library_path
from scenarios.runner import collect, run_all
from scenarios.targets import IN_PROCESS_URL, ServerTarget

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_server():
    with serve_subprocess("--demo", "--count", "7", timeout=30) as running:
        yield running.base_url, running.admin_token


def _state(url: str, token: str) -> dict:
    response = requests.get(f"{url}/__emulator/state", headers={"X-Admin-Token": token}, timeout=10)
    org = response.json()["salesforce"]["orgs"][0]
    return {"records": org["records"], "users": org["users"], "clock_offset": round(
        requests.get(f"{url}/__emulator/clock", headers={"X-Admin-Token": token}, timeout=10).json()["offsetSeconds"])}


def test_run_against_a_demo_server_restores_its_data_and_clock(demo_server):
    url, token = demo_server
    before = _state(url, token)
    assert before["records"]["Contact"] == 7
    scenarios, _ = collect([library_path() / "seed003_campaign_sync" / "deleted_objects.yaml"])
    run = run_all(scenarios, ServerTarget(url, token))
    assert run.ok
    assert _state(url, token) == before
    proc = subprocess.run([sys.executable, "-m", "crm_harness", "run", "-q", "--server", url, "--admin-token", token,
                           str(library_path() / "salesforce" / "rest" / "versions.yaml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _state(url, token) == before


def _contacts(session) -> int:
    return session.get(f"{IN_PROCESS_URL}/__emulator/state").json()["salesforce"]["orgs"][0]["records"]["Contact"]


def test_reset_returns_to_the_state_the_server_started_with():
    session = session_for(create_app(build_emulator(None, True, 1, 7)))
    assert _contacts(session) == 7
    session.post(f"{IN_PROCESS_URL}/services/oauth2/token", data={})  # any traffic
    assert session.post(f"{IN_PROCESS_URL}/__emulator/reset").status_code == 200
    assert _contacts(session) == 7  # the --demo data is still there
    fixture = {"org": {"name": "Other"}, "users": [{"username": "u@x.example", "password": "p"}],
               "data": {"Contact": [{"LastName": "Kept"}]}}
    assert session.post(f"{IN_PROCESS_URL}/__emulator/fixture", json=fixture).status_code == 200
    session.post(f"{IN_PROCESS_URL}/__emulator/reset")
    assert _contacts(session) == 1  # later resets return to the last fixture, data included
    assert session.post(f"{IN_PROCESS_URL}/__emulator/snapshot", json={"name": "a"}).status_code == 200
    session.post(f"{IN_PROCESS_URL}/__emulator/fixture", json={"org": {"name": "Empty"}, "users": fixture["users"]})
    session.post(f"{IN_PROCESS_URL}/__emulator/restore", json={"name": "a"})
    session.post(f"{IN_PROCESS_URL}/__emulator/reset")
    assert _contacts(session) == 1  # a restore brings back the baseline too


def test_pytest_with_a_scenario_server_restores_it_too(demo_server):
    from scenarios.pytest_plugin import plugin_args
    url, token = demo_server
    before = _state(url, token)
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-q", "-p", "no:cacheprovider",
                           "--scenario-server", url, "--scenario-admin-token", token,
                           str(library_path() / "first_steps" / "daily_limit_of_5.yaml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert _state(url, token) == before
