"""Reports: progress lines, failure details, a summary table, JUnit XML and JSON."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from .expect import Failure, show
from .jsonpath import MISSING
from .loader import ScenarioFileError
from .runner import RunResult, ScenarioResult, StepResult
from .variables import BUILTIN_VARS

LABELS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
SECRET_VARS = ("password", "security_token", "client_secret", "access_token", "refresh_token", "aep_client_secret")


def progress_line(result: ScenarioResult) -> str:
    """One line per finished scenario."""
    return f"{LABELS[result.status]:<5} {result.scenario.id}  ({result.duration_ms:.0f} ms)"


def _source_lines(result: ScenarioResult, step: StepResult) -> list[str]:
    """The failing step's own YAML lines, numbered."""
    first, last = result.scenario.step_lines[step.index]
    try:
        lines = Path(result.scenario.source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [f"  {n:>4} | {lines[n - 1]}" for n in range(first, min(last, first + 24, len(lines)) + 1)]


def failure_text(failure: Failure) -> str:
    """Expected vs actual for one failed check, with a diff when it helps."""
    out = [f"  x {failure.what}: {failure.message}" if failure.message else f"  x {failure.what}",
           f"      expected: {show(failure.expected)}",
           f"      actual:   {show(failure.actual)}"]
    diff = failure.diff()
    if diff:
        out.append("      diff:")
        out.extend("        " + line for line in diff.splitlines())
    return "\n".join(out)


def _scope_text(variables: dict[str, Any]) -> str:
    shown = []
    for name in sorted(set(variables) - set(BUILTIN_VARS)):
        value = "***" if name in SECRET_VARS else show(variables[name])
        shown.append(f"{name}={value}")
    return ", ".join(shown)


def details(result: ScenarioResult) -> str:
    """Why a scenario did not pass: the step, its YAML, expected vs actual, variables, journal tail."""
    head = f"--- {result.scenario.id}  [{result.mode}]"
    if result.error and not result.steps:
        return f"{head}\n  error before the first step: {result.error}"
    step = result.failing_step
    if step is None:
        return head
    first, last = result.scenario.step_lines[step.index]
    out = [head, f"step {step.index + 1} \"{step.name}\" ({result.scenario.file}:{first}-{last}) {step.status}"
                 + (f" on {step.summary}" if step.summary else "") + ":"]
    out.extend(_source_lines(result, step))
    if step.error:
        out.append(f"  error: {step.error}")
    out.extend(failure_text(f) for f in step.failures)
    scope = _scope_text(result.variables)
    if scope:
        out.append(f"  variables: {scope}")
    if result.journal:
        out.append(f"  journal (last {len(result.journal)} requests):")
        out.extend(f"    {e['method']:<6} {e['path']}{'?' + e['query'] if e.get('query') else ''} -> {e['status']}"
                   f" ({e['duration_ms']} ms)" for e in result.journal)
    return "\n".join(out)


def load_error_text(error: ScenarioFileError) -> str:
    return f"--- {error.file}  [not loaded]\n" + "\n".join(f"  {line}" for line in str(error).splitlines())


def summary_table(run: RunResult) -> str:
    """Counts per directory, then the totals."""
    groups: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for result in run.results:
        group = groups[str(Path(result.scenario.file).parent)]
        group[result.status] += 1
        group["ms"] += result.duration_ms
    for error in run.load_errors:
        groups[str(Path(error.file).parent)]["error"] += 1
    width = max([len("directory")] + [len(k) for k in groups])
    rows = [f"{'directory':<{width}}  passed  failed  errors  skipped  time"]
    for name in sorted(groups):
        g = groups[name]
        rows.append(f"{name:<{width}}  {int(g['passed']):>6}  {int(g['failed']):>6}  {int(g['error']):>6}  "
                    f"{int(g['skipped']):>7}  {g['ms'] / 1000:.2f}s")
    counts = run.counts()
    rows.append(f"{counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
                f"{counts['skipped']} skipped in {run.duration_ms / 1000:.2f}s")
    return "\n".join(rows)


def text_report(run: RunResult) -> str:
    """Everything after the progress lines: failures, then the summary table."""
    parts = []
    problems = [details(r) for r in run.results if r.status in ("failed", "error")]
    problems += [load_error_text(e) for e in run.load_errors]
    if problems:
        parts.append("=" * 30 + " failures " + "=" * 30)
        parts.extend(problems)
    parts.append("=" * 30 + " summary " + "=" * 31)
    parts.append(summary_table(run))
    return "\n".join(parts)


def _plain(value: Any) -> Any:
    return None if value is MISSING else value


def as_json(run: RunResult) -> dict[str, Any]:
    """The run as JSON-able data."""
    return {
        "summary": {**run.counts(), "duration_ms": run.duration_ms, "ok": run.ok},
        "load_errors": [{"file": e.file, "problems": [{"line": line, "key": key, "message": message}
                                                      for line, key, message in e.problems]}
                        for e in run.load_errors],
        "scenarios": [{
            "file": r.scenario.file, "name": r.scenario.name, "mode": r.mode, "status": r.status,
            "duration_ms": r.duration_ms, "tags": r.scenario.tags, "covers": r.scenario.covers, "error": r.error,
            "steps": [{"index": s.index, "name": s.name, "kind": s.kind, "status": s.status,
                       "duration_ms": s.duration_ms, "error": s.error, "call": s.summary,
                       "failures": [{"what": f.what, "message": f.message, "expected": _plain(f.expected),
                                     "actual": _plain(f.actual)} for f in s.failures]} for s in r.steps],
            "journal": r.journal,
        } for r in run.results],
    }


def write_json(run: RunResult, path: str | Path) -> None:
    Path(path).write_text(json.dumps(as_json(run), indent=2, default=str) + "\n", encoding="utf-8")


def junit_xml(run: RunResult) -> str:
    """JUnit XML: one testcase per scenario (classname = file), load errors as errored testcases."""
    counts = run.counts()
    suite = ET.Element("testsuite", name="crm-harness scenarios", tests=str(len(run.results) + len(run.load_errors)),
                       failures=str(counts["failed"]), errors=str(counts["error"]), skipped=str(counts["skipped"]),
                       time=f"{run.duration_ms / 1000:.3f}")
    for result in run.results:
        case = ET.SubElement(suite, "testcase", classname=result.scenario.file, name=result.scenario.name,
                             time=f"{result.duration_ms / 1000:.3f}")
        if result.status == "skipped":
            ET.SubElement(case, "skipped", message=result.error or "skipped")
        elif result.status in ("failed", "error"):
            step = result.failing_step
            message = (step.error or "; ".join(f"{f.what}: {f.message}" for f in step.failures)) if step else \
                (result.error or result.status)
            tag = "failure" if result.status == "failed" else "error"
            ET.SubElement(case, tag, message=message[:500]).text = details(result)
    for error in run.load_errors:
        case = ET.SubElement(suite, "testcase", classname=error.file, name="<load>", time="0")
        ET.SubElement(case, "error", message=str(error).splitlines()[0][:500]).text = str(error)
    return ET.tostring(ET.ElementTree(suite).getroot(), encoding="unicode", xml_declaration=True)


def write_junit(run: RunResult, path: str | Path) -> None:
    Path(path).write_text(junit_xml(run) + "\n", encoding="utf-8")
