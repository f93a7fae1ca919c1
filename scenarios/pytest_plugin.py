"""pytest plugin: scenario YAML files become test items.

A ``*.yaml``/``*.yml`` file is a scenario file when it lies under one of the
``crm_scenario_dirs`` (relative to the rootdir; default ``scenarios``) or under a
file or folder named on the command line (other than a rootdir holding the pytest
configuration, so ``pytest`` in a project does not read every YAML file). A folder
named on the command line that yields no item at all is reported in the header.

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


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _named_paths(config: pytest.Config) -> list[Path]:
    """Files and folders given on the command line (not testpaths), without a project root that has a config file."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return []
    project = config.rootpath.resolve() if config.inipath is not None else None
    named = []
    for arg in config.args:
        path = Path(config.invocation_params.dir, str(arg).split("::")[0]).resolve()
        if path != project and path.exists():
            named.append(path)
    return named


def _is_scenario_file(path: Path, config: pytest.Config) -> bool:
    if path.suffix not in (".yaml", ".yml"):
        return False
    path = path.resolve()
    root = config.rootpath.resolve()
    if any(_under(path, (root / d).resolve()) for d in config.getini("crm_scenario_dirs")):
        return True
    return any(_under(path, named) for named in _named_paths(config))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_scenario_file(file_path, parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


_SERVER = pytest.StashKey[ServerTarget]()


def _server_target(config: pytest.Config) -> ServerTarget | None:
    server = config.getoption("--scenario-server", None)
    return ServerTarget(server, config.getoption("--scenario-admin-token")) if server else None


def pytest_sessionstart(session: pytest.Session) -> None:
    """With ``--scenario-server``, save the server's state once (in the xdist controller, not per worker)."""
    target = _server_target(session.config)
    if target is not None and not hasattr(session.config, "workerinput"):
        target.begin()
        session.config.stash[_SERVER] = target


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.stash.get(_SERVER, None)
    if target is not None:
        target.end()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Say which folders named on the command line held nothing to run (no scenario file, no test)."""
    empty = [p for p in _named_paths(session.config) if p.is_dir()
             and not any(_under(Path(item.path).resolve(), p) for item in session.items)]
    session.config.stash[_EMPTY] = empty
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    root = session.config.rootpath.resolve()
    outside = [d for d in session.config.getini("crm_scenario_dirs") if not _under((root / d).resolve(), root)]
    messages = [f"crm-harness: no scenario files (*.yaml, *.yml) and no tests under {folder}" for folder in empty]
    messages += [f"crm-harness: crm_scenario_dirs entry {d!r} lies outside the rootdir {root}, where pytest does not "
                 f"look: name the folder on the command line instead" for d in outside]
    for message in messages:
        if reporter is not None:
            reporter.write_line(message, yellow=True)
        else:
            print(message)


_EMPTY = pytest.StashKey[list]()


class ScenarioFile(pytest.File):
    """One scenario file: one item per YAML document."""

    def collect(self):
        try:
            scenarios, error = load_file(self.path, self.config.rootpath), None
        except ScenarioFileError as exc:
            scenarios, error = exc.scenarios, exc
        if error is not None and not scenarios:
            raise self.CollectError(str(error))
        for scenario in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
        if error is not None:  # one bad document fails only itself; the good ones above still run
            yield LoadErrorItem.from_parent(self, name="<load error>", error=error)


class LoadErrorItem(pytest.Item):
    """The bad documents of a file whose other documents loaded: fails with ``file:line: key: message``."""

    def __init__(self, *, error: ScenarioFileError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise self.error

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        return str(self.error)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.error.problems[0][0] - 1, "scenario file: load error"


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
