"""The pytest plugin collects scenario YAML files as items with the runner's semantics (SCN-2)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from scenarios.pytest_plugin import plugin_args


def test_plugin_collects_runs_reports_and_isolates_a_bad_file(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\ncrm_scenario_dirs = checks\naddopts = -p no:cacheprovider\n")
    checks = tmp_path / "checks" / "nested"
    checks.mkdir(parents=True)
    (checks / "good.yaml").write_text(textwrap.dedent("""\
        name: versions are listed
        tags: [smoke]
        steps:
          - request: {path: /services/data}
            expect: {status: 200}
        ---
        name: contact name is wrong
        steps:
          - request: {path: "{rest}/sobjects/Contact", json: {LastName: Right}}
            save: {cid: $.id}
          - request: {path: "{rest}/sobjects/Contact/{cid}"}
            expect:
              json:
                $.LastName: Wrong
        ---
        name: deselected by -k
        steps:
          - request: {path: /services/data/v99.0}
        """))
    (checks / "broken.yaml").write_text("name: broken\nsteps:\n  - request: {path: /x}\n    expekt: {}\n")
    (tmp_path / "elsewhere.yaml").write_text("not: collected\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", *plugin_args(), "-n", "2", "-rA", "-k", "smoke or wrong",
                           "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed, 1 error" in out  # -k kept the tag "smoke" and "wrong", not the third
    assert "deselected by -k" not in out
    assert "checks/nested/broken.yaml:4: steps[0].expekt: unknown key" in out
    assert 'x json $.LastName: equals\n      expected: "Wrong"\n      actual:   "Right"' in out
    assert "PASSED checks/nested/good.yaml::versions are listed" in out

