"""Scenario files: validation errors name file:line:key and never stop the other files (SCN-1, SCN-2)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.core.faults import RULE_KEYS
from scenarios.cli import run
from scenarios.loader import ScenarioFileError, load_file, schema
from scenarios.runner import collect

GOOD = """\
name: good one
steps:
  - request: {path: /services/data}
    expect: {status: 200}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioFileError) as info:
        load_file(path)
    return str(info.value).splitlines()


def test_unknown_key_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        name: typo
        steps:
          - request:
              path: /services/data
              jsn: {a: 1}
        """)
    [message] = problems(path)
    assert message.startswith(f"{path}:5: steps[0].request.jsn: unknown key")
    assert "json" in message  # the allowed keys are listed


def test_unknown_top_level_and_expect_operator(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        name: typos
        tagz: [a]
        steps:
          - request: {path: /x}
            expect:
              json:
                $.a: {equal: 1}
        """)
    found = problems(path)
    assert any(m.startswith(f"{path}:2: tagz: unknown key") for m in found)
    assert f"{path}:7: steps[0].expect.json.$.a.equal: unknown operator (did you mean 'equals'?): an object in a " \
        "check is always read as operators; to compare with an object literal write {equals: {...}} (operators: " \
        "equals, not_equals, contains, not_contains, regex, length, exists, type, one_of, gt, gte, lt, lte)" in found


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "name: x\nsteps:\n  - request: path: /x\n  - b\n")
    [message] = problems(path)
    assert message == (f"{path}:3: <yaml>: cannot parse: mapping values are not allowed here (a `key: value` inside "
                       "a plain value: quote the value, or check the indentation) at line 3, column 18")


def test_missing_required_keys_and_wrong_types(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        steps:
          - request: {method: FETCH, path: /x}
          - advance_clock: [1]
        """)
    found = problems(path)
    assert f"{path}:1: name: required key missing" in found
    assert any(m.startswith(f"{path}:2: steps[0].request.method: 'FETCH' is not one of") for m in found)
    assert any(m.startswith(f"{path}:3: steps[1].advance_clock: [1] is not of type") for m in found)


def test_step_rules_one_action_one_body_and_known_variables(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        name: rules
        vars: {a: 1}
        steps:
          - request: {path: "/x/{a}", json: {}, form: {}}
            advance_clock: 1d
          - request: {path: "/y/{later}"}
            save: {later: $.id}
          - name: nothing to do
        """)
    found = problems(path)
    assert any(m.startswith(f"{path}:5: steps[0].advance_clock: a step has one action") for m in found)
    assert any(m.startswith(f"{path}:4: steps[0].request.form: give one of json, form, body") for m in found)
    assert any(m.startswith(f"{path}:6: steps[1].request.path: unknown variable {{later}}") for m in found)
    assert any(m.startswith(f"{path}:8: steps[2]: a step needs an action") for m in found)


def test_duplicate_keys_and_bad_fixtures(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        name: dup
        fixtures:
          users:
            - username: not-an-email
              password: x
        steps:
          - request: {path: /x}
            request: {path: /y}
        """)
    found = problems(path)
    assert f"{path}:8: steps[0].request: duplicate key" in found
    assert any(m.startswith(f"{path}:4: fixtures.users[0].username: 'not-an-email' does not match") for m in found)


def test_cross_field_fixture_errors_point_at_fixtures(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        name: run-as
        fixtures:
          users: [{username: a@example.com, password: x}]
        steps:
          - request: {path: /x}
        """)
    [message] = problems(path)
    assert message.startswith(f"{path}:2: fixtures: ")
    assert "connected_apps[0].run_as" in message and "no user 'admin@example.com'" in message


def test_several_documents_load_as_several_scenarios(tmp_path):
    path = write(tmp_path, "two.yaml", GOOD + "---\n" + GOOD.replace("good one", "good two"))
    scenarios = load_file(path)
    assert [s.name for s in scenarios] == ["good one", "good two"]
    assert [s.line for s in scenarios] == [1, 6]
    assert scenarios[1].step_lines == [(8, 9)]


def test_a_malformed_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "a_good.yaml", GOOD)
    write(tmp_path, "b_bad.yaml", "name: bad\nsteps:\n  - reqest: {path: /x}\n")
    write(tmp_path, "c_good.yaml", GOOD.replace("good one", "good three"))
    scenarios, errors = collect([tmp_path])
    assert [s.name for s in scenarios] == ["good one", "good three"]
    assert len(errors) == 1 and errors[0].problems[0][:2] == (3, "steps[0].reqest")

    result = CliRunner().invoke(run, [str(tmp_path), "--json", str(tmp_path / "out.json")])
    assert result.exit_code == 1
    assert result.output.count("PASS ") == 2
    assert "b_bad.yaml:3: steps[0].reqest: unknown key" in result.output
    assert "2 passed, 0 failed, 1 errors, 0 skipped" in result.output
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["load_errors"][0]["problems"][0]["line"] == 3


def test_fault_schema_matches_the_emulator_rule_keys():
    assert set(schema()["$defs"]["fault"]["properties"]) == set(RULE_KEYS)
