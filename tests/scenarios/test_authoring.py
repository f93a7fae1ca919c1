"""Issue 10 runner fixes: staying logged in across time travel, {now…} time variables, save messages."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scenarios.loader import ScenarioFileError, load_text
from scenarios.report import details
from scenarios.runner import run_scenario
from scenarios.variables import UnknownVariable, substitute, time_value


def run(text: str):
    [scenario] = load_text(text, "t.yaml")
    return run_scenario(scenario)


def failure_lines(result) -> list[str]:
    step = result.failing_step
    return [f"{f.what}: {f.message}" for f in step.failures] if step else []


# -- sessions across time travel -------------------------------------------------------------
RELOGIN = """\
name: relogin
steps:
  - request: {path: "{rest}/sobjects/Contact", json: {LastName: Later}}
    save: {cid: $.id}
  - advance_clock: 31d
  - name: the runner logs in again once and the call succeeds
    request: {path: "{rest}/sobjects/Contact/{cid}"}
    expect: {json: {$.LastName: Later}}
  - advance_clock: 3h
  - name: a step that expects the 401 sees it (expiry stays testable)
    request: {path: "{rest}/sobjects/Contact/{cid}"}
    expect: {status: 401, error_code: INVALID_SESSION_ID}
  - name: after the 401 the session is still expired; records checks log in again too
    expect:
      records: [{sobject: Contact, id: "{cid}", json: {$.LastName: Later}}]
"""


def test_runner_logs_in_again_after_a_clock_jump_unless_the_401_is_expected():
    result = run(RELOGIN)
    assert result.status == "passed", details(result)
    assert result.steps[2].summary.endswith("(after 401 INVALID_SESSION_ID: logged in again)")
    assert "logged in again" not in result.steps[4].summary


def test_relogin_false_opts_out():
    result = run("""\
name: opt out
steps:
  - login: {}
  - advance_clock: 3h
  - request: {path: "{rest}/limits", relogin: false}
""")
    assert result.status == "failed"
    assert failure_lines(result)[0].startswith("status: unexpected error INVALID_SESSION_ID: 401")


def test_relogin_repeats_the_last_login_grant():
    result = run("""\
name: client credentials again
fixtures:
  connected_apps:
    - {name: Sync, client_id: cc-id, client_secret: cc-secret, client_credentials_enabled: true,
       run_as: admin@example.com, scopes: [api]}
steps:
  - login: {grant: client_credentials}
  - advance_clock: 31d
  - request: {path: "/services/oauth2/userinfo"}
    expect: {json: {$.preferred_username: admin@example.com}}
""")
    assert result.status == "passed", details(result)
    assert result.steps[2].summary.endswith("logged in again)")


# -- time variables ------------------------------------------------------------------------
AT = datetime(2030, 3, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, value", [
    ("now", "2030-03-01T10:00:00Z"),
    ("now-31d", "2030-01-29T10:00:00Z"),
    ("now+2h", "2030-03-01T12:00:00Z"),
    ("now-90m:sf", "2030-03-01T08:30:00.250+0000"),
    ("now-1d:date", "2030-02-28"),
    ("now:aep_iso", "2030-03-01T10:00:00.250Z"),
    ("now:epoch_ms", 1898589600250),
    ("now+1.5s:epoch", 1898589601),
])
def test_time_values(name, value):
    assert time_value(name, AT) == value


def test_time_variables_keep_type_when_whole_and_read_the_clock_once():
    calls = []

    def clock():
        calls.append(1)
        return AT
    assert substitute({"a": "{now:epoch_ms}", "b": "since {now-1d:date}", "c": ["{now}"]}, {}, clock) == {
        "a": 1898589600250, "b": "since 2030-02-28", "c": ["2030-03-01T10:00:00Z"]}
    assert calls == [1]
    with pytest.raises(UnknownVariable, match="needs the emulator clock"):
        substitute("{now}", {})


def test_bad_time_format_and_reserved_names_are_load_errors():
    with pytest.raises(ScenarioFileError) as error:
        load_text("name: x\nvars: {now: 1}\nsteps:\n  - request: {path: \"/x?d={now-1d:day}\"}\n", "t.yaml")
    assert str(error.value).splitlines() == [
        "t.yaml:2: vars.now: 'now' is the emulator clock's time variable ({now}, {now-31d}): choose another name",
        "t.yaml:4: steps[0].request.path: unknown time format 'day' in {now-1d:day} "
        "(formats: iso, sf, date, aep_iso, epoch_ms, epoch)"]


REPLICATION = """\
name: replication window from now
steps:
  - freeze_clock: "2030-03-01T10:00:00Z"
  - request:
      path: "{rest}/sobjects/Contact/deleted/"
      query: {start: "{now-31d}", end: "{now}"}
    expect: {status: 400, error_code: INVALID_REPLICATION_DATE}
  - request:
      path: "{rest}/sobjects/Contact/deleted/"
      query: {start: "{now-29d}", end: "{now}"}
    expect: {json: {$.latestDateCovered: "{now:sf}"}}
  - advance_clock: 2h
  - request: {path: "{rest}/query", query: {q: "SELECT Id FROM Contact WHERE CreatedDate < {now}"}}
"""


def test_time_variables_follow_the_emulator_clock_in_process():
    result = run(REPLICATION)
    assert result.status == "passed", details(result)


# -- connector return values and save ----------------------------------------------------------
def test_a_failed_save_shows_the_whole_result():
    result = run("""\
name: save
steps:
  - connector: {method: create, args: [Contact, {LastName: Saved}]}
    save: {cid: $.id}
""")
    [failure] = result.failing_step.failures
    assert failure.message == ("nothing to save: $.id not found (actual: the whole result); "
                               "the result is a plain str: save it with `cid: $`")
    assert isinstance(failure.actual, str) and failure.actual.startswith("003")
    assert "actual:   \"003" in details(result)


def test_connector_results_have_the_documented_shapes():
    from scenarios.connector_step import method_table
    table = method_table()
    assert "| `create` | `sobject`, `fields` | a plain string (the new record's id)" in table
    assert "| `update` | `sobject`, `record_id`, `fields` | `null`" in table
    assert "| `query` | `soql`, `include_deleted` | a list (every item of the iterator)" in table
    result = run("""\
name: shapes
steps:
  - connector: {method: create, args: [Contact, {LastName: Shape}]}
    save: {cid: $}
  - connector: {method: update, args: [Contact, "{cid}", {FirstName: Ada}]}
    expect: {json: {$: {equals: null}}}
  - connector: {method: query, args: ["SELECT Id, FirstName FROM Contact WHERE Id = '{cid}'"]}
    expect: {json: {"$[0].FirstName": Ada, $: {length: 1}}}
  - connector: {method: request, args: [GET, limits]}
    expect: {json: {$.status: 200, $.json.DailyApiRequests.Max: {type: integer}}}
  - connector: {method: login_password}
    expect: {json: {$.access_token: {type: string}, $.instance_url: {type: string}}}
""")
    assert result.status == "passed", details(result)


def test_a_failed_relogin_is_an_error_with_the_answer():
    result = run("""\
name: relogin fails
steps:
  - login: {}
  - inject_fault: {path: /services/oauth2/token, status: 400, body: {error: invalid_grant, error_description: nope}}
  - advance_clock: 3h
  - request: {path: "{rest}/limits"}
""")
    step = result.failing_step
    assert step.status == "error" and step.index == 3
    assert step.error == ('the session expired (401 INVALID_SESSION_ID) and logging in again failed: '
                          '400 {"error":"invalid_grant","error_description":"nope"}')
