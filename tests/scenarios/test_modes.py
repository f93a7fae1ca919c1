"""The bundled library passes in-process and against a real `crm-harness serve`, with identical results (SCN-2, SCN-3)."""
from __future__ import annotations

import re
import secrets
import subprocess
import sys
import threading
import time

import pytest

from scenarios.cli import library_path
from scenarios.runner import collect, run_all
from scenarios.targets import InProcessTarget, ServerTarget

LISTENING = re.compile(r"listening on (http://\S+)")


@pytest.fixture(scope="module")
def server():
    """`crm-harness serve --port 0` in a subprocess; always terminated."""
    token = secrets.token_urlsafe(12)
    process = subprocess.Popen([sys.executable, "-m", "emulator.cli", "serve", "--port", "0", "--admin-token", token],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        url = None
        while url is None:
            line = process.stdout.readline()
            if not line:
                pytest.fail(f"serve exited with {process.wait()}")
            match = LISTENING.search(line)
            url = match.group(1) if match else None
            if time.monotonic() > deadline:
                pytest.fail("serve did not print its URL in time")
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
        yield url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def outcome(run) -> dict[str, tuple]:
    return {r.scenario.id: (r.status, tuple((s.name, s.status) for s in r.steps)) for r in run.results}


def test_library_gives_the_same_results_in_both_modes(server):
    url, token = server
    scenarios, errors = collect([library_path()], library_path().parent)
    assert errors == [] and len(scenarios) >= 25
    in_process = run_all(scenarios, InProcessTarget())
    over_http = run_all(scenarios, ServerTarget(url, token))
    assert in_process.ok, [(r.scenario.id, r.status) for r in in_process.results if r.status != "passed"]
    assert over_http.ok, [(r.scenario.id, r.status) for r in over_http.results if r.status != "passed"]
    assert outcome(in_process) == outcome(over_http)


def test_server_target_reports_a_wrong_token_and_bad_fixture_data(server):
    url, token = server
    [scenario], _ = collect([library_path() / "salesforce" / "rest" / "versions.yaml"])
    refused = run_all([scenario], ServerTarget(url, "wrong")).results[0]
    assert refused.status == "error" and "answered 401" in refused.error
    scenario.fixtures = {"data": {"Lead": [{"LastName": "NoCompany"}]}}
    for target in (InProcessTarget(), ServerTarget(url, token)):
        result = run_all([scenario], target).results[0]
        assert result.status == "error" and "REQUIRED_FIELD_MISSING" in result.error
