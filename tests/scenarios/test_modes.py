"""The bundled library passes in-process and against a real `crm-harness serve`, with identical results (SCN-2, SCN-3)."""
from __future__ import annotations

import pytest

from emulator.testing import serve_subprocess
from scenarios.cli import library_path
from scenarios.runner import collect, run_all
from scenarios.targets import InProcessTarget, ServerTarget

@pytest.fixture(scope="module")
def server():
    """`crm-harness serve --port 0` in a subprocess; always terminated."""
    with serve_subprocess(timeout=30) as running:
        yield running.base_url, running.admin_token


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
