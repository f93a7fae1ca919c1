"""pytest plugin: YAML files under ``scenarios/`` (relative to the rootdir) become test items.

Each item runs through the same runner as ``crm-harness run``: a fresh in-process
emulator per scenario (so pytest-xdist runs them in parallel with isolated state),
or a running server with ``--scenario-server URL``. ``-k`` also matches tags and
covered rule ids; a malformed file is one collection error naming file:line:key.
"""
from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from .loader import Scenario, ScenarioFileError, load_file
from .report import details
from .runner import ScenarioResult, run_scenario
from .targets import InProcessTarget, ServerTarget


def plugin_args() -> list[str]:
    """``["-p", "scenarios.pytest_plugin"]`` unless an installed ``pytest11`` entry point already loads it.

    pytest refuses a plugin registered twice under two names, so ``-p`` is only safe when the
    entry point is missing or named ``scenarios.pytest_plugin`` itself.
    """
    for point in entry_points(group="pytest11"):
        if point.value == __name__ and point.name != __name__:
            return []
    return ["-p", __name__]


class ScenarioFailed(Exception):
    """Raised by an item whose scenario did not pass; carries the result for the report."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.status)
        self.result = result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crm-harness scenarios")
    group.addoption("--scenario-server", default=None,
                    help="Run scenario items against this `crm-harness serve` URL instead of in-process.")
    group.addoption("--scenario-admin-token", default=None, help="X-Admin-Token of --scenario-server.")
    parser.addini("crm_scenario_dirs", "Directories (relative to the rootdir) whose YAML files are scenarios.",
                  type="args", default=["scenarios"])


def _is_scenario_file(path: Path, config: pytest.Config) -> bool:
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        relative = path.resolve().relative_to(config.rootpath.resolve())
    except ValueError:
        return False
    dirs = [Path(d).parts for d in config.getini("crm_scenario_dirs")]
    return any(relative.parts[:len(d)] == d for d in dirs)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_scenario_file(file_path, parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    """One scenario file: one item per YAML document."""

    def collect(self):
        try:
            scenarios = load_file(self.path, self.config.rootpath)
        except ScenarioFileError as exc:
            raise self.CollectError(str(exc)) from None
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioItem(pytest.Item):
    """One scenario, run like ``crm-harness run`` runs it."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.extra_keyword_matches.update(scenario.tags + scenario.covers)

    def runtest(self) -> None:
        server = self.config.getoption("--scenario-server")
        target = ServerTarget(server, self.config.getoption("--scenario-admin-token")) if server else \
            InProcessTarget()
        result = run_scenario(self.scenario, target)
        if result.status == "skipped":
            pytest.skip(result.error or "skipped")
        if result.status != "passed":
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return details(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.line - 1, f"scenario: {self.scenario.name}"
