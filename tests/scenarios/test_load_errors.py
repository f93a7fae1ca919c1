"""Load errors point at the real mistake (issue 10): YAML line and column, fault-rule keys, near misses,
the literal-vs-operator rule, and one bad document failing only itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.loader import ScenarioFileError, load_text
from scenarios.pytest_plugin import plugin_args
from scenarios.runner import collect

ROOT = Path(__file__).resolve().parents[2]
OPERATORS = "equals, not_equals, contains, not_contains, regex, length, exists, type, one_of, gt, gte, lt, lte"
FAULT_KEYS = "path, method, status, body, headers, latency_ms, drop, times, expire_tokens, exhaust_api_limit"


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioFileError) as error:
        load_text(text, "t.yaml")
    return str(error.value).splitlines()


def test_an_unterminated_quote_is_reported_where_it_opens():
    text = ("name: x\nsteps:\n  - login: {}\n  - request:\n      path: \"{rest}/limits\n"
            "  - request: {path: /x}\n    expect: {status: 200}\n")
    assert messages(text) == ["t.yaml:5: <yaml>: cannot parse: the quoted string opened at line 5, column 13 is "
                              "never closed (found unexpected end of stream at line 8, column 1)"]


def test_an_unterminated_quote_in_a_flow_mapping():
    text = 'name: x\nsteps:\n  - request: {path: "/x}\n    expect: {status: 200}\n  - request: {path: "/y"}\n'
    assert messages(text) == ["t.yaml:3: <yaml>: cannot parse: the quoted string opened at line 3, column 21 runs "
                              "over a line end: is its closing quote missing? (PyYAML: expected ',' or '}', but got "
                              "'<scalar>' at line 5, column 22)"]


def test_a_bad_indent_says_so_with_line_and_column():
    text = "name: x\nsteps:\n  - request:\n      path: /x\n     method: GET\n"
    assert messages(text) == ["t.yaml:5: <yaml>: cannot parse: a line is indented differently from the keys above it "
                              "(check the indentation) at line 5, column 6 (while parsing a block mapping started at "
                              "line 3, column 5)"]


def test_fault_rule_keys_are_named_with_a_near_miss():
    assert messages('name: x\nsteps:\n  - inject_fault: {path: "/x", statuss: 503}\n') == [
        f"t.yaml:3: steps[0].inject_fault.statuss: unknown key (did you mean 'status'?) (allowed: {FAULT_KEYS})"]
    assert messages('name: x\nsteps:\n  - inject_fault: [{path: "/x", tims: 2}]\n') == [
        f"t.yaml:3: steps[0].inject_fault[0].tims: unknown key (did you mean 'times'?) (allowed: {FAULT_KEYS})"]


def test_step_key_near_miss():
    [message] = messages("name: x\nsteps:\n  - request: {path: /x}\n    expekt: {status: 200}\n")
    assert message.startswith("t.yaml:4: steps[0].expekt: unknown key (did you mean 'expect'?) (allowed: name, request")


def test_an_object_literal_is_never_guessed():
    text = 'name: x\nsteps:\n  - request: {path: /x}\n    expect:\n      json:\n        $.attributes: {type: Contact, url: "/x"}\n'
    assert messages(text) == [
        "t.yaml:6: steps[0].expect.json.$.attributes.url: unknown operator: an object in a check is always read as "
        f"operators; to compare with an object literal write {{equals: {{...}}}} (operators: {OPERATORS})"]
    [scenario] = load_text(text.replace('{type: Contact, url: "/x"}', '{equals: {type: Contact, url: "/x"}}'), "t.yaml")
    assert scenario.steps[0]["expect"]["json"]["$.attributes"] == {"equals": {"type": "Contact", "url": "/x"}}


MULTI = """\
name: good one
steps:
  - request: {path: /services/data}
---
name: bad one
steps:
  - request: {path: "/x}
---
name: good two
steps:
  - request: {path: "{rest}/limits"}
"""


def test_one_bad_document_fails_only_itself(tmp_path):
    with pytest.raises(ScenarioFileError) as error:
        load_text(MULTI, "m.yaml")
    assert [s.name for s in error.value.scenarios] == ["good one", "good two"]
    assert str(error.value) == ("m.yaml:7: <yaml>: cannot parse: the quoted string opened at line 7, column 21 "
                                "is never closed (found unexpected end of stream at line 8, column 1)")
    (tmp_path / "m.yaml").write_text(MULTI)
    scenarios, errors = collect([tmp_path], tmp_path)
    assert [s.name for s in scenarios] == ["good one", "good two"] and len(errors) == 1
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", "-rA",
                           str(tmp_path / "m.yaml")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert "1 failed, 2 passed" in out, out
    assert "m.yaml:7: <yaml>: cannot parse: the quoted string opened at line 7" in out
