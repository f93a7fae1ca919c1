"""advance_clock / freeze_clock / set_clock steps move the emulator clock through /__emulator/clock."""
from __future__ import annotations

from scenarios.loader import load_text
from scenarios.runner import run_scenario

SCENARIO = """\
name: clock
steps:
  - freeze_clock: "2030-03-01T10:00:00Z"
    expect:
      json: {$.now: "2030-03-01T10:00:00.000Z", $.frozen: true}
  - advance_clock: 90m
    expect:
      json: {$.now: "2030-03-01T11:30:00.000Z"}
  - advance_clock: 2d
  - set_clock: "2030-04-01T00:00:00Z"
    expect:
      json: {$.now: "2030-04-01T00:00:00.000Z"}
  - login: {}
  - request: {path: "{rest}/sobjects/Contact", json: {LastName: Clock}}
    save: {cid: $.id}
  - advance_clock: 3h
  - name: the session timed out after 2 h of inactivity
    request: {path: "{rest}/sobjects/Contact/{cid}"}
    expect: {status: 401}
  - login: {}
  - expect:
      records:
        - sobject: Contact
          id: "{cid}"
          json: {$.CreatedDate: "2030-04-01T00:00:00.000+0000"}
  - freeze_clock: false
    expect:
      json: {$.frozen: false}
  - advance_clock: bogus
    expect:
      status: 400
      json: {$.error: {contains: invalid duration}}
"""


def test_clock_steps_move_time_for_every_rule():
    [scenario] = load_text(SCENARIO, "clock.yaml")
    result = run_scenario(scenario)
    assert result.status == "passed", [(s.name, s.failures, s.error) for s in result.steps]


def test_a_wrong_clock_expectation_fails():
    [scenario] = load_text(SCENARIO.replace("11:30:00.000Z", "11:31:00.000Z"), "clock.yaml")
    result = run_scenario(scenario)
    assert result.status == "failed" and result.failing_step.index == 1
    assert result.failing_step.failures[0].actual == "2030-03-01T11:30:00.000Z"
