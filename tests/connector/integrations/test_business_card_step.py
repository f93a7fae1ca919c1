"""The ``integration`` scenario step: file validation, error results, retries on the emulator clock (CON-TRIG-1)."""
from __future__ import annotations

import textwrap

import pytest

from scenarios.loader import ScenarioFileError, load_text
from scenarios.runner import run_scenario

FIXTURE = """\
fixtures:
  users:
    - {username: admin@example.com, password: password123, security_token: TOKEN123, last_name: Admin}
    - {username: int@cards.example.com, password: pw, last_name: Integration}
  connected_apps:
    - {name: Harness, client_id: harness-client-id, client_secret: harness-client-secret, scopes: [api]}
    - {name: Cards, client_id: cards-key, client_secret: cards-secret, scopes: [api], client_credentials_enabled: true,
       run_as: int@cards.example.com}
"""
ADD = """\
  - integration:
      action: add_workflow
      workflow: cards
      service: {consumer_key: cards-key, consumer_secret: cards-secret}
"""


def scenario(steps: str):
    [loaded] = load_text(f"name: step test\n{FIXTURE}steps:\n{ADD}{textwrap.indent(textwrap.dedent(steps), '  ')}", "step.yaml")
    return loaded


@pytest.mark.parametrize(("step", "message"), [
    ("- integration: {action: dispatch}\n", "card"),
    ("- integration: {action: launch, workflow: cards}\n", "launch"),
    ("- integration: {action: history, workflow: cards, colour: red}\n", "colour"),
])
def test_bad_integration_steps_are_refused_when_loading(step, message):
    with pytest.raises(ScenarioFileError, match=message):
        scenario(step)


def test_bad_card_and_unknown_workflow_are_400_results():
    result = run_scenario(scenario("""\
      - integration: {action: dispatch, card: {card_id: c1, surname: Doe}}
        expect: {status: 400, error_code: INVALID_CARD, json: {$.message: {contains: surname}}}
      - integration: {action: history, workflow: nope}
        expect: {status: 400, error_code: UNKNOWN_WORKFLOW}
      - name: an unexpected failure fails the step
        integration: {action: dispatch, card: {card_id: c1}}
    """))
    assert [s.status for s in result.steps] == ["passed", "passed", "passed", "failed"], result.steps
    assert "REQUIRED_FIELD_MISSING" in str(result.steps[-1].failures)


def test_transient_errors_are_retried_on_the_emulator_clock():
    result = run_scenario(scenario("""\
      - request: {path: /__emulator/clock}
        save: {before: $.offsetSeconds}
      - inject_fault: {path: "/services/data/*/sobjects/Contact", method: POST, drop: 2}
      - integration: {action: dispatch, card: {card_id: c1, last_name: Retried}}
        expect: {json: {$.created: 1}}
      - request: {path: /__emulator/clock}
        expect: {json: {$.offsetSeconds: {gte: 3}}}
    """))
    assert result.status == "passed", [(s.name, s.status, s.failures) for s in result.steps]
