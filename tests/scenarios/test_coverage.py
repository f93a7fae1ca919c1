"""`crm-harness coverage` lists every SPEC rule id with its scenarios (SCN-3)."""
from __future__ import annotations

import re

from click.testing import CliRunner

from scenarios.cli import coverage, library_path
from scenarios.coverage import compute, default_catalogue_path, spec_rule_ids
from scenarios.runner import collect

IMPLEMENTED_TODAY = ["SF-OAUTH-1", "SF-OAUTH-2", "SF-OAUTH-3", "SF-OAUTH-4", "SF-OAUTH-5", "SF-OAUTH-6",
                     "SF-OAUTH-7", "SF-REST-1", "SF-REST-2", "SF-REST-3", "SF-REST-4", "SF-REST-5", "SF-REST-11",
                     "SF-REST-14", "SF-REST-15", "SF-SOAP-1", "SF-WIRE-1", "AEP-AUTH-1", "AEP-ERR-1", "AEP-ISO-1", "AEP-FS-1", "AEP-FS-2",
                     "SCN-1", "SCN-2", "SCN-3"]


def test_rule_ids_are_read_from_bold_spec_entries():
    text = "- **SF-OAUTH-1 Connected apps.** x\n- **CON-SF-1** y\n- SF-REST-9 is mentioned, not defined\n**SF-OAUTH-1**"
    assert spec_rule_ids(text) == ["SF-OAUTH-1", "CON-SF-1"]


def test_the_bundled_library_covers_every_rule_implemented_today():
    scenarios, errors = collect([library_path()])
    assert not errors
    result = compute(IMPLEMENTED_TODAY, scenarios)
    assert result.uncovered == []
    # each rule is shown both ways: an allowed call and a refused one
    for rule in (r for r in IMPLEMENTED_TODAY if not r.startswith("SCN-")):  # SCN ids are the runner's own
        steps = [s for sc in scenarios if rule in sc.covers for s in sc.steps]
        statuses = {str(s.get("expect", {}).get("status", 200))[0] for s in steps}
        assert statuses & {"1", "2", "3"} and statuses & {"4", "5"}, rule


def test_coverage_command_lists_covered_and_uncovered_ids(tmp_path):
    spec = tmp_path / "SPEC.md"
    spec.write_text("- **SF-OAUTH-2 Password grant** ...\n- **SF-REST-99 Future** ...\n")
    result = CliRunner().invoke(coverage, ["--spec", str(spec), str(library_path() / "salesforce" / "oauth")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("SF-OAUTH-2  ") and "password_grant.yaml::" in line for line in lines)
    assert "SF-REST-99  -" in lines and "1/2 rule ids covered" in lines and "uncovered: SF-REST-99" in lines
    assert any(line.startswith("not in the catalogue: SF-OAUTH-1 ") for line in lines)
    strict = CliRunner().invoke(coverage, ["--spec", str(spec), "--strict", str(library_path() / "salesforce")])
    assert strict.exit_code == 1


def test_the_project_owns_its_rule_catalogue_and_coverage_reads_it():
    """On a fresh clone, with no ../shared next to it, `crm-harness coverage` works on docs/rules.md."""
    assert default_catalogue_path() == (library_path().parent.parent / "docs" / "rules.md").resolve()
    result = CliRunner().invoke(coverage, [])
    assert result.exit_code == 0, result.output
    assert "SF-OAUTH-1" in result.output and "CON-TRIG-1" in result.output
    assert "not in the catalogue" not in result.output  # every id a scenario names is a catalogue id


def test_catalogue_readme_and_scenarios_agree():
    """Every catalogue id is in the README; every id the README's rule table or a scenario names is catalogued."""
    root = library_path().parent.parent
    catalogue = spec_rule_ids(default_catalogue_path().read_text(encoding="utf-8"))
    assert len(catalogue) == len(set(catalogue)) and len(catalogue) >= 40
    for line in default_catalogue_path().read_text(encoding="utf-8").splitlines():
        if line.startswith("- **"):
            assert len(line.split("** ", 1)[1]) > 20, line  # each id has its one-line description
    readme = (root / "README.md").read_text(encoding="utf-8")
    table_ids = set(re.findall(r"^\| ([A-Z]+(?:-[A-Z]+)*-\d+(?:\.\.\d+)?) \|", readme, re.M))
    expanded = set()
    for rule in table_ids:
        if ".." in rule:
            head, last = rule.split("..")
            prefix, first = head.rsplit("-", 1)
            expanded.update(f"{prefix}-{n}" for n in range(int(first), int(last) + 1))
        else:
            expanded.add(rule)
    assert expanded and expanded <= set(catalogue), sorted(expanded - set(catalogue))
    mentioned = set(re.findall(r"\b[A-Z]+(?:-[A-Z]+)*-\d+\b", readme))
    for rule in catalogue:
        assert rule in mentioned or rule in expanded, f"{rule} is catalogued but the README never names it"
    scenarios, errors = collect([library_path()])
    assert not errors
    named = {rule for scenario in scenarios for rule in scenario.covers}
    assert named <= set(catalogue), sorted(named - set(catalogue))
