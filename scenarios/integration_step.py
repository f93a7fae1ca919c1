"""``integration`` steps: drive the business-card workflows of :mod:`connector.integrations` (CON-TRIG-1).

One :class:`~connector.integrations.WorkflowRegistry` per scenario run, on the
scenario's session, with the emulator clock as its clock (so ``advance_clock`` moves
the propagation window); retry waits advance that clock instead of sleeping. Actions:

- ``add_workflow``: ``workflow`` (name), ``service`` ``{consumer_key, consumer_secret,
  login_url?, app_changed_at?}`` (login URL: the emulator), ``filter`` ``{card_ids, tags}``
  → the workflow, secret masked; a duplicate → 400 ``DUPLICATE_WORKFLOW``.
- ``test_connection``: ``workflow`` → the report; a failure → 400 with the cause as error code.
- ``dispatch``: ``card`` (a card event) → ``{results, skipped, created, failed}``; a failed
  run → 400 with the first failed run's code (``REQUIRED_FIELD_MISSING`` …).
- ``history``: ``workflow`` → ``{workflow, runs}``.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from connector.integrations import (
    CardFilter,
    CardLead,
    DuplicateWorkflowError,
    IntegrationError,
    InvalidCardError,
    InvalidWorkflowError,
    SalesforceService,
    UnknownWorkflowError,
    WorkflowRegistry,
)

from connector.salesforce import RetryPolicy

from .context import RunContext, StepError, clock_sleep, emulator_clock
from .registry import register
from .result import Result, from_value

INTEGRATION_SCHEMA = {'description': 'A business-card workflow action (scenarios/integration_step.py, CON-TRIG-1).',
 'type': 'object',
 'required': ['action'],
 'additionalProperties': False,
 'properties': {'action': {'enum': ['add_workflow', 'test_connection', 'dispatch', 'history']},
                'workflow': {'type': 'string', 'minLength': 1},
                'service': {'type': 'object',
                            'required': ['consumer_key', 'consumer_secret'],
                            'additionalProperties': False,
                            'properties': {'consumer_key': {'type': 'string'},
                                           'consumer_secret': {'type': 'string'},
                                           'login_url': {'type': 'string'},
                                           'app_changed_at': {'type': 'string'}}},
                'filter': {'type': 'object',
                           'additionalProperties': False,
                           'properties': {'card_ids': {'type': 'array', 'items': {'type': 'string'}},
                                          'tags': {'type': 'array', 'items': {'type': 'string'}}}},
                'card': {'type': 'object', 'required': ['card_id']}},
 'allOf': [{'if': {'properties': {'action': {'const': 'add_workflow'}}},
            'then': {'required': ['workflow', 'service']}},
           {'if': {'properties': {'action': {'enum': ['test_connection', 'history']}}},
            'then': {'required': ['workflow']}},
           {'if': {'properties': {'action': {'const': 'dispatch'}}}, 'then': {'required': ['card']}}]}

ERROR_CODES = {DuplicateWorkflowError: "DUPLICATE_WORKFLOW", UnknownWorkflowError: "UNKNOWN_WORKFLOW",
               InvalidWorkflowError: "INVALID_WORKFLOW", InvalidCardError: "INVALID_CARD"}


def _registry(ctx: RunContext) -> WorkflowRegistry:
    if "integrations" not in ctx.extra:
        ctx.extra["integrations"] = WorkflowRegistry(ctx.connection.session, now=emulator_clock(ctx),
                                            retry=RetryPolicy(sleep=clock_sleep(ctx)))
    return ctx.extra["integrations"]


def _service(spec: dict[str, Any], ctx: RunContext) -> SalesforceService:
    changed = spec.get("app_changed_at")
    return SalesforceService(spec["consumer_key"], spec["consumer_secret"],
                             login_url=spec.get("login_url") or ctx.connection.base_url,
                             app_changed_at=datetime.fromisoformat(changed.replace("Z", "+00:00")) if changed else None)


def _failure(value: Any, code: str, elapsed_ms: float, summary: str) -> Result:
    result = from_value(value, elapsed_ms, summary)
    result.status, result.error_code = 400, code
    return result


@register("integration", schema={"$ref": "#/$defs/integration"}, defs={"integration": INTEGRATION_SCHEMA},
          doc=("`action` (`add_workflow`, `test_connection`, `dispatch`, `history`) with `workflow`, `service`, "
               "`filter`, `card`", "the workflow, report or run results as JSON; an integration error or a "
               "failed run as a 400 with its code"))
def run_integration(spec: dict[str, Any], ctx: RunContext) -> Result:
    """Run one integration action; integration errors and failed runs become 400 results."""
    action = spec["action"]
    registry = _registry(ctx)
    summary = f"integration.{action}"
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        if action == "add_workflow":
            filter_spec = spec.get("filter") or {}
            workflow = registry.add(spec["workflow"], _service(spec["service"], ctx),
                                    CardFilter.of(filter_spec.get("card_ids", ()), filter_spec.get("tags", ())))
            return from_value(workflow.describe(), elapsed(), summary)
        if action == "test_connection":
            report = registry.test_connection(spec["workflow"])
            if report.ok:
                return from_value(report.as_dict(), elapsed(), summary)
            return _failure(report.as_dict(), report.cause, elapsed(), summary)
        if action == "dispatch":
            dispatch = registry.dispatch(CardLead.from_dict(spec["card"]))
            failed = [r for r in dispatch.results if not r.ok]
            if failed:
                return _failure(dispatch.as_dict(), failed[0].error_code or "FAILED", elapsed(), summary)
            return from_value(dispatch.as_dict(), elapsed(), summary)
        if action == "history":
            runs = [r.as_dict() for r in registry.history(spec["workflow"])]
            return from_value({"workflow": spec["workflow"], "runs": runs}, elapsed(), summary)
    except IntegrationError as error:
        code = next((c for kind, c in ERROR_CODES.items() if isinstance(error, kind)), "INTEGRATION_ERROR")
        body = {"type": type(error).__name__, "error_code": code, "message": str(error)}
        return _failure(body, code, elapsed(), summary)
    except KeyError as error:
        raise StepError(f"integration {action}: missing {error}") from None
    raise StepError(f"unknown integration action {action!r}")
