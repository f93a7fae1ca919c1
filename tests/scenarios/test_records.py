"""Record-state expectations (`expect.records`), the README example, and SOQL record checks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from scenarios.cli import library_path
from scenarios.expect import check_records
from scenarios.loader import load_text
from scenarios.result import Result
from scenarios.runner import run_scenario


def query_result(total: int, records: list[dict], status: int = 200) -> Result:
    body = {"totalSize": total, "done": True, "records": records}
    return Result("http", status, CaseInsensitiveDict(), body, "", 1.0, None, "GET /query")


def test_count_and_json_checks_on_a_query_answer():
    answer = query_result(2, [{"Name": "A"}, {"Name": "B"}])
    assert check_records("records[0]", {"soql": "x", "count": 2, "json": {"$.records[*].Name": ["A", "B"]}},
                         answer) == []
    [failure] = check_records("records[0]", {"soql": "x", "count": {"gte": 3}}, answer)
    assert (failure.what, failure.actual) == ("records[0] count", 2)
    [failure] = check_records("records[0]", {"soql": "x"}, query_result(0, [], status=400))
    assert failure.what == "records[0] status" and failure.actual == 400


def test_the_readme_example_runs():
    text = (library_path().parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\n\n```yaml\n(.*?)```", text, re.S).group(1)
    [scenario] = load_text(example, "README example")
    result = run_scenario(scenario)
    assert result.status == "passed", [(s.name, s.failures, s.error) for s in result.steps]


SOQL = """\
name: soql record state
fixtures:
  data:
    Contact: [{LastName: Alpha}, {LastName: Beta}]
steps:
  - request: {path: "{rest}/query", query: {q: "SELECT Id FROM Contact LIMIT 1"}}
  - expect:
      records:
        - soql: SELECT Id, LastName FROM Contact WHERE LastName = 'Beta'
          count: 1
          json: {"$.records[0].LastName": Beta}
        - soql: SELECT Id FROM Contact
          count: {equals: 3}
"""


def test_soql_record_checks_against_the_query_endpoint():
    [scenario] = load_text(SOQL, "soql.yaml")
    result = run_scenario(scenario)
    assert result.steps[0].status == "passed"  # GET /query answers
    assert result.status == "failed"  # the second check expects 3 Contacts, there are 2
    [failure] = result.failing_step.failures
    assert (failure.what, failure.expected, failure.actual) == ("records[1] count", 3, 2)
