"""The six trial situations of issue 10, as bundled scenarios, pass in-process, against serve and under pytest."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from emulator.testing import serve_subprocess
from scenarios.cli import library_path
from scenarios.pytest_plugin import plugin_args
from scenarios.report import details
from scenarios.runner import collect, run_all
from scenarios.targets import InProcessTarget, ServerTarget

ROOT = Path(__file__).resolve().parents[2]
FIRST_STEPS = library_path() / "first_steps"


def test_six_first_steps_pass_in_process_and_against_serve():
    scenarios, errors = collect([FIRST_STEPS])
    assert not errors and len(scenarios) == 6
    with serve_subprocess("--demo", timeout=30) as server:
        for target in (InProcessTarget(), ServerTarget(server.base_url, server.admin_token)):
            run = run_all(scenarios, target)
            assert run.ok, "\n".join(details(r) for r in run.results if r.status != "passed")


def test_six_first_steps_pass_under_pytest():
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-q", "-p", "no:cacheprovider",
                           str(FIRST_STEPS)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "6 passed" in proc.stdout, proc.stdout + proc.stderr
