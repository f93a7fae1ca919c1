"""Failing scenarios give a readable report; JUnit XML and JSON on request (SCN-2)."""
from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from scenarios.cli import run
from scenarios.loader import load_text
from scenarios.report import text_report
from scenarios.runner import RunResult, run_scenario

WRONG = """\
name: expects the wrong name
tags: [demo]
steps:
  - request:
      path: "{rest}/sobjects/Contact"
      json: {FirstName: Ada, LastName: Lovelace}
    expect: {status: 201}
    save: {cid: $.id}
  - name: read it back
    request: {path: "{rest}/sobjects/Contact/{cid}", query: {fields: "FirstName,LastName"}}
    expect:
      json:
        $.LastName: Byron
        $: {equals: {FirstName: Ada, LastName: Byron}}
  - name: never runs
    request: {path: /services/data}
"""

PASSING = """\
name: versions
steps:
  - request: {path: /services/data}
    expect:
      json:
        $[0].version: "31.0"
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_wrong_expectation_fails_with_expected_actual_and_a_diff(tmp_path):
    path = write(tmp_path, "wrong.yaml", WRONG)
    [scenario] = load_text(path.read_text(), str(path), str(path))
    result = run_scenario(scenario)
    assert result.status == "failed"
    assert [s.status for s in result.steps] == ["passed", "failed", "skipped"]
    report = text_report(RunResult([result]))
    assert f'step 2 "read it back" ({path}:9-14) failed on GET /services/data/v59.0/sobjects/Contact/' in report
    assert '    12 |       json:' in report  # the step's own YAML lines
    assert 'x json $.LastName: equals\n      expected: "Byron"\n      actual:   "Lovelace"' in report
    assert '-  "LastName": "Byron"\n        +  "LastName": "Lovelace"' in report
    assert 'cid="003' in report and 'access_token=***' in report
    assert "POST   /services/data/v59.0/sobjects/Contact -> 201" in report  # journal tail
    assert "0 passed, 1 failed, 0 errors, 0 skipped" in report


def test_an_error_answer_without_a_status_expectation_fails():
    [scenario] = load_text("name: x\nsteps:\n  - request: {path: /services/data/v99.0}\n", "x.yaml")
    result = run_scenario(scenario)
    failure = result.steps[0].failures[0]
    assert (result.status, failure.actual, failure.expected) == ("failed", 404, "< 400 (no status expected)")


def test_step_errors_are_reported_as_errors():
    [scenario] = load_text("name: x\nsteps:\n  - connector: {method: no_such_method}\n", "x.yaml")
    result = run_scenario(scenario)
    assert result.status == "error"
    assert "unknown connector method 'no_such_method'" in result.steps[0].error
    [scenario] = load_text("name: x\nsteps:\n  - connector: {method: get, args: [1, 2, 3, 4, 5]}\n", "x.yaml")
    assert "bad arguments" in run_scenario(scenario).steps[0].error


def test_cli_writes_junit_and_json_and_exits_non_zero(tmp_path):
    write(tmp_path, "a_wrong.yaml", WRONG)
    write(tmp_path, "b_pass.yaml", PASSING)
    write(tmp_path, "c_skip.yaml", PASSING.replace("name: versions", "name: later\nskip: not yet"))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    result = CliRunner().invoke(run, [str(tmp_path), "--junit", str(junit), "--json", str(report)])
    assert result.exit_code == 1
    assert "FAIL  " in result.output and "PASS  " in result.output and "SKIP  " in result.output
    assert "1 passed, 1 failed, 0 errors, 1 skipped" in result.output

    suite = ET.parse(junit).getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("testsuite", "3", "1", "1")
    failed = suite.find("testcase[@name='expects the wrong name']")
    assert failed.find("failure").get("message").startswith("json $.LastName: equals")
    assert '"Lovelace"' in failed.find("failure").text

    data = json.loads(report.read_text())
    assert data["summary"] == {"passed": 1, "failed": 1, "error": 0, "skipped": 1,
                               "duration_ms": data["summary"]["duration_ms"], "ok": False}
    wrong = next(s for s in data["scenarios"] if s["status"] == "failed")
    assert wrong["steps"][1]["failures"][0] == {"what": "json $.LastName", "message": "equals",
                                                "expected": "Byron", "actual": "Lovelace"}
    assert wrong["journal"][-1]["status"] == 200


def test_cli_selects_by_keyword_and_tag(tmp_path):
    write(tmp_path, "a_wrong.yaml", WRONG)
    write(tmp_path, "b_pass.yaml", PASSING)
    assert CliRunner().invoke(run, [str(tmp_path), "-k", "versions or nothing"]).exit_code == 0
    assert CliRunner().invoke(run, [str(tmp_path), "-k", "not wrong"]).exit_code == 0
    tagged = CliRunner().invoke(run, [str(tmp_path), "--tag", "demo"])
    assert tagged.exit_code == 1 and "running 1 scenarios" in tagged.output
    none = CliRunner().invoke(run, [str(tmp_path), "-k", "zzz"])
    assert none.exit_code == 1
    assert CliRunner().invoke(run, [str(tmp_path), "-k", "a and (b"]).exit_code == 2
