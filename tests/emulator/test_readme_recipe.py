"""The README's "testing your simple_salesforce code" recipe runs as written."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_simple_salesforce_recipe_passes(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = readme.split("#### Recipe: testing your simple_salesforce code")[1].split("```python")[1].split("```")[0]
    (tmp_path / "test_recipe_from_readme.py").write_text(code)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                           str(tmp_path / "test_recipe_from_readme.py")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "3 passed" in proc.stdout, proc.stdout + proc.stderr
