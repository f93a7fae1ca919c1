"""pytest collects scenario files from any path named on its command line and says when a folder holds none."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scenarios.pytest_plugin import plugin_args

ROOT = Path(__file__).resolve().parents[2]


def test_folders_named_on_the_command_line_are_collected_and_empty_ones_reported(tmp_path):
    mine = tmp_path / "my-scenarios"
    mine.mkdir()
    (mine / "versions.yaml").write_text("name: versions\nsteps:\n  - request: {path: /services/data}\n")
    (mine / "one.yml").write_text("name: limits\nsteps:\n  - request: {path: \"{rest}/limits\"}\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", "-rA",
                           str(mine), str(empty)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "2 passed" in out
    assert f"crm-harness: no scenario files (*.yaml, *.yml) and no tests under {empty}" in out
    assert f"crm-harness: no scenario files (*.yaml, *.yml) and no tests under {mine}" not in out


def test_a_scenario_dir_outside_the_rootdir_is_explained(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", "-q",
                           "-o", f"crm_scenario_dirs={tmp_path}", "--co", "tests/scenarios/test_collect_anywhere.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert (f"crm-harness: crm_scenario_dirs entry '{tmp_path}' lies outside the rootdir {ROOT}, where pytest does "
            "not look: name the folder on the command line instead") in out, out
