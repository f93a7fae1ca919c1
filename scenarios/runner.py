"""The one runner behind ``crm-harness run`` and the pytest plugin.

Each scenario gets a fresh emulator (in-process) or a freshly loaded server,
runs its steps in order and stops at the first failing step.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import requests

from . import registry
from .auth import AuthError, Tokens
from .context import API_VERSION, RunContext, StepError
from .expect import Failure, check_result, default_status_failure
from .fixtures import build_fixture, credentials
from .loader import Scenario, ScenarioFileError, discover, load_file
from .select import matches
from .steps import fetch_records, save_values
from .targets import Connection, InProcessTarget, Target, TargetError
from .variables import UnknownVariable, substitute

JOURNAL_TAIL = 10


@dataclass(kw_only=True)
class Outcome:
    """How a step or a scenario ended (keyword arguments, after the subclass's own fields)."""

    status: str  # passed | failed | error | skipped
    duration_ms: float = 0.0
    error: str | None = None


@dataclass
class StepResult(Outcome):
    index: int
    name: str
    kind: str
    failures: list[Failure] = field(default_factory=list)
    summary: str = ""


@dataclass
class ScenarioResult(Outcome):
    scenario: Scenario
    mode: str
    steps: list[StepResult] = field(default_factory=list)
    journal: list[dict] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def failing_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in ("failed", "error")), None)


@dataclass
class RunResult:
    results: list[ScenarioResult] = field(default_factory=list)
    load_errors: list[ScenarioFileError] = field(default_factory=list)
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.load_errors and all(r.status in ("passed", "skipped") for r in self.results)

    def counts(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
        for result in self.results:
            counts[result.status] += 1
        counts["error"] += len(self.load_errors)
        return counts


def step_kind(step: dict[str, Any]) -> str:
    kind = registry.kind_of(step)
    return kind.name if kind else ("expect" if "expect" in step else "save")


def step_name(step: dict[str, Any], index: int) -> str:
    return step.get("name") or f"{step_kind(step)} #{index + 1}"


def emulator_clock(connection: Connection) -> Callable[[], datetime]:
    """The emulator's current time, read through ``GET /__emulator/clock`` (both modes alike)."""
    def now() -> datetime:
        response = connection.admin("GET", "/clock")
        if response.status_code != 200:
            raise StepError(f"cannot read the emulator clock for {{now}}: {response.status_code} {response.text[:200]}")
        return datetime.fromisoformat(response.json()["now"].replace("Z", "+00:00"))
    return now


def initial_vars(scenario: Scenario, fixture: dict, connection: Connection) -> dict[str, Any]:
    scope = credentials(fixture)
    scope.update(version=API_VERSION, rest=f"/services/data/{API_VERSION}", base_url=connection.base_url)
    scope.update(substitute(scenario.vars, scope, emulator_clock(connection)))
    return scope


def _run_step(index: int, raw: dict[str, Any], ctx: RunContext) -> StepResult:
    result = StepResult(index, step_name(raw, index), step_kind(raw), status="passed")
    started = time.perf_counter()
    try:
        clock = emulator_clock(ctx.connection)
        step = substitute({k: v for k, v in raw.items() if k != "save"}, ctx.scope, clock)
        if "save" in raw:
            step["save"] = raw["save"]
        ctx.step = step
        kind = registry.kind_of(step)
        acted = kind.run(step[kind.name], ctx) if kind else None
        outcome = acted or ctx.last
        if outcome is None:
            raise StepError("expect/save without an action needs an earlier step with a result")
        ctx.last = outcome
        result.summary = outcome.summary
        if "expect" in step:
            result.failures = check_result(step["expect"], outcome, fetch_records(ctx), acted is not None)
        elif acted is not None and outcome.failed:
            result.failures = [default_status_failure(outcome)]
        if not result.failures and "save" in step:
            result.failures = save_values(step["save"], outcome, ctx.scope)
        result.status = "failed" if result.failures else "passed"
    except (StepError, UnknownVariable, AuthError) as exc:
        result.status, result.error = "error", str(exc)
    except requests.RequestException as exc:
        result.status, result.error = "error", f"request failed: {exc}"
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _journal(connection: Connection) -> list[dict]:
    try:
        response = connection.admin("GET", f"/journal?limit={JOURNAL_TAIL}")
        return response.json().get("entries", []) if response.status_code == 200 else []
    except (requests.RequestException, ValueError):
        return []


def run_scenario(scenario: Scenario, target: Target | None = None) -> ScenarioResult:
    """Run one scenario on a fresh state of ``target`` (in-process when not given)."""
    target = target or InProcessTarget()
    outcome = ScenarioResult(scenario, target.mode, status="passed")
    if scenario.skip:
        outcome.status, outcome.error = "skipped", scenario.skip
        return outcome
    started = time.perf_counter()
    try:
        fixture = build_fixture(scenario.fixtures)
        connection = target.open(fixture)
    except (ValueError, TargetError) as exc:
        outcome.status, outcome.error = "error", str(exc)
        outcome.duration_ms = round((time.perf_counter() - started) * 1000, 1)
        return outcome
    try:
        try:
            scope = initial_vars(scenario, fixture, connection)
        except (StepError, UnknownVariable, requests.RequestException) as exc:
            outcome.status, outcome.error = "error", f"vars: {exc}"
            return outcome
        ctx = RunContext(connection, scope, Tokens(connection, scope))
        for index, raw in enumerate(scenario.steps):
            if outcome.status != "passed":
                outcome.steps.append(StepResult(index, step_name(raw, index), step_kind(raw), status="skipped"))
                continue
            step = _run_step(index, raw, ctx)
            outcome.steps.append(step)
            if step.status != "passed":
                outcome.status = "failed" if step.status == "failed" else "error"
                outcome.journal = _journal(connection)
                outcome.variables = dict(ctx.scope)
    finally:
        connection.close()
    outcome.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return outcome


def collect(paths: list[str | Path], root: Path | None = None) -> tuple[list[Scenario], list[ScenarioFileError]]:
    """Load every scenario file under ``paths``; a bad file is reported, the others still load."""
    scenarios: list[Scenario] = []
    errors: list[ScenarioFileError] = []
    for path in discover(paths):
        try:
            scenarios.extend(load_file(path, root))
        except ScenarioFileError as exc:
            scenarios.extend(exc.scenarios)  # the file's good documents still run
            errors.append(exc)
    return scenarios, errors


def select(scenarios: list[Scenario], keyword: str | None = None, tags: tuple[str, ...] = ()) -> list[Scenario]:
    """Scenarios matching a ``-k`` expression and carrying any of ``tags``."""
    chosen = [s for s in scenarios if not tags or set(tags) & set(s.tags)]
    if keyword:
        chosen = [s for s in chosen if matches(keyword, " ".join([s.id, *s.tags, *s.covers]))]
    return chosen


def run_all(scenarios: list[Scenario], target: Target | None = None,
            on_result: Callable[[ScenarioResult], None] | None = None) -> RunResult:
    """Run scenarios one after the other; ``on_result`` sees each result as it ends (progress)."""
    run = RunResult()
    started = time.perf_counter()
    target = target or InProcessTarget()
    try:
        target.begin()  # a server's state is saved here and given back below
    except TargetError as exc:
        run.results = [ScenarioResult(s, target.mode, status="error", error=str(exc)) for s in scenarios]
        return run
    try:
        for scenario in scenarios:
            result = run_scenario(scenario, target)
            run.results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        target.end()
    run.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return run
