"""Wall time of the bundled scenario library: the runner in-process, the CLI, and pytest -n 2.

Target (issue 3): <= 15 s for the library on the 2-core machine, under the runner
and under pytest-xdist. Prints figures; asserts nothing.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scenarios.cli import library_path  # noqa: E402
from scenarios.pytest_plugin import plugin_args  # noqa: E402
from scenarios.runner import collect, run_all  # noqa: E402
from scenarios.targets import InProcessTarget  # noqa: E402

TARGET_SECONDS = 15.0


def wall(command: list[str]) -> tuple[float, int]:
    """Seconds a command takes (process start included) and its exit code."""
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - started, proc.returncode


def main() -> None:
    scenarios, errors = collect([library_path()], ROOT)
    started = time.perf_counter()
    run = run_all(scenarios, InProcessTarget())
    runner = time.perf_counter() - started
    steps = sum(len(r.steps) for r in run.results)
    cli, cli_rc = wall([sys.executable, "-m", "crm_harness", "run", "-q", "scenarios/"])
    xdist, xdist_rc = wall([sys.executable, "-m", "pytest", *plugin_args(), "-n", "2", "-q",
                            "-p", "no:cacheprovider", "scenarios/"])
    serial, serial_rc = wall([sys.executable, "-m", "pytest", *plugin_args(), "-q",
                              "-p", "no:cacheprovider", "scenarios/"])
    print(f"bundled library: {len(scenarios)} scenarios, {steps} steps, {len(errors)} load errors, "
          f"{'all passed' if run.ok else 'FAILURES'}")
    print(f"{'how':<38} {'seconds':>8}  {'vs target':>9}  exit")
    for name, seconds, code in [("runner, in-process (run_all)", runner, 0 if run.ok else 1),
                                ("crm-harness run -q scenarios/", cli, cli_rc),
                                ("pytest scenarios/ (serial)", serial, serial_rc),
                                ("pytest -n 2 scenarios/", xdist, xdist_rc)]:
        print(f"{name:<38} {seconds:>8.2f}  {seconds / TARGET_SECONDS:>8.0%}  {code}")
    print(f"per scenario (runner): {runner / max(len(scenarios), 1) * 1000:.0f} ms; target {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
