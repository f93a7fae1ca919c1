"""Expectations: status, JSON paths, headers, text, error codes, timing, record state.

A check is either a literal (equality) or an operator object such as
``{contains: x}``, ``{regex: "..."}``, ``{length: 3}``, ``{exists: false}``.
Every failed check becomes a :class:`Failure` carrying expected and actual values.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .jsonpath import MISSING, PathError, evaluate
from .result import Result

JSON_TYPES = {"string": str, "boolean": bool, "array": list, "object": dict, "null": type(None)}


@dataclass
class Failure:
    """One unmet expectation."""

    what: str
    expected: Any
    actual: Any
    message: str = ""

    def diff(self) -> str:
        """A unified diff of expected vs actual when both are structured or long."""
        if self.actual is MISSING or not _diffable(self.expected, self.actual):
            return ""
        left = _pretty(self.expected).splitlines()
        right = _pretty(self.actual).splitlines()
        return "\n".join(difflib.unified_diff(left, right, "expected", "actual", lineterm="", n=2))


def _diffable(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (dict, list)) and isinstance(actual, (dict, list)):
        return True
    return isinstance(expected, str) and isinstance(actual, str) and ("\n" in expected + actual
                                                                      or len(expected) + len(actual) > 80)


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def show(value: Any) -> str:
    """A compact rendering of a value for messages."""
    if value is MISSING:
        return "<missing>"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "..."


def same(left: Any, right: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    return left == right


def _subset(part: Any, whole: Any) -> bool:
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    return same(part, whole)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list):
        return any(_subset(item, element) for element in container)
    if isinstance(container, dict):
        return _subset(item, container) if isinstance(item, dict) else item in container
    return False


def _is_type(value: Any, name: str) -> bool:
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[name])


def _compare(value: Any, op: str, bound: float) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return {"gt": value > bound, "gte": value >= bound, "lt": value < bound, "lte": value <= bound}[op]


def check_value(what: str, value: Any, spec: Any) -> list[Failure]:
    """Check one value against a literal or an operator object."""
    if not isinstance(spec, dict):
        spec = {"equals": spec}
    failures = []
    for op, expected in spec.items():
        if op == "exists":
            if (value is not MISSING) != expected:
                failures.append(Failure(what, "present" if expected else "absent", value,
                                        "exists" if expected else "does not exist"))
            continue
        if value is MISSING:
            failures.append(Failure(what, {op: expected}, value, "path not found"))
            continue
        if op == "length":
            if not isinstance(value, (str, list, dict)):
                failures.append(Failure(what, {op: expected}, value, "has no length"))
            else:
                failures.extend(check_value(f"length of {what}", len(value), expected))
            continue
        ok = {
            "equals": lambda: same(value, expected),
            "not_equals": lambda: not same(value, expected),
            "contains": lambda: _contains(value, expected),
            "not_contains": lambda: not _contains(value, expected),
            "regex": lambda: isinstance(value, str) and re.search(expected, value) is not None,
            "type": lambda: _is_type(value, expected),
            "one_of": lambda: any(same(value, option) for option in expected),
        }.get(op, lambda: _compare(value, op, expected))()
        if not ok:
            failures.append(Failure(what, expected if op == "equals" else {op: expected}, value, op))
    return failures


def check_json(prefix: str, document: Any, checks: dict[str, Any]) -> list[Failure]:
    """Check each ``path: check`` of a ``json`` mapping against ``document``."""
    failures = []
    for path, spec in checks.items():
        try:
            value = evaluate(path, document)
        except PathError as exc:
            failures.append(Failure(f"{prefix} {path}", spec, MISSING, str(exc)))
            continue
        failures.extend(check_value(f"{prefix} {path}", value, spec))
    return failures


RecordFetch = Callable[[dict], Result]


def check_result(expect: dict[str, Any], result: Result, fetch: RecordFetch | None = None,
                 require_success: bool = True) -> list[Failure]:
    """Every failure of ``expect`` against ``result``; ``fetch`` runs record-state queries.

    Without ``status`` or ``error_code`` an error answer fails when ``require_success``
    (steps with an action); an ``expect``-only step re-reads the last result as it is.
    """
    failures: list[Failure] = []
    wants_error = "status" in expect or "error_code" in expect
    if "status" in expect:
        allowed = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
        if result.status is None and result.kind == "connector":
            failures.append(Failure("status", allowed, "returned normally", "the connector call succeeded"))
        elif result.status not in allowed:
            failures.append(Failure("status", allowed[0] if len(allowed) == 1 else allowed, result.status,
                                    f"body: {result.brief()}"))
    elif result.failed and require_success and not wants_error:
        failures.append(default_status_failure(result))
    if "error_code" in expect:
        failures.extend(check_value("error_code", result.error_code if result.error_code else MISSING,
                                    expect["error_code"]))
    if "json" in expect:
        if result.json is MISSING:
            failures.append(Failure("json", "a JSON body", result.text[:200] or "<empty body>", "not JSON"))
        else:
            failures.extend(check_json("json", result.json, expect["json"]))
    for name, spec in (expect.get("headers") or {}).items():
        value = result.headers.get(name)
        failures.extend(check_value(f"header {name}", MISSING if value is None else value, spec))
    if "text" in expect:
        failures.extend(check_value("text", result.text, expect["text"]))
    if "elapsed_ms" in expect:
        failures.extend(check_value("elapsed_ms", result.elapsed_ms, expect["elapsed_ms"]))
    for index, record_check in enumerate(expect.get("records") or []):
        if fetch is None:
            failures.append(Failure(f"records[{index}]", "a target", None, "no target to query"))
            continue
        failures.extend(check_records(f"records[{index}]", record_check, fetch(record_check)))
    return failures


def default_status_failure(result: Result) -> Failure:
    """A step without a status expectation fails on an error answer or a raised connector error."""
    what = "connector call" if result.kind == "connector" else "status"
    return Failure(what, "< 400 (no status expected)", result.status,
                   f"unexpected error {result.error_code or ''}: {result.brief()}".replace("  ", " "))


def check_records(what: str, spec: dict[str, Any], result: Result) -> list[Failure]:
    """Check a record-state query: ``count``, ``status``, ``error_code``, ``json`` on its answer."""
    failures: list[Failure] = []
    status = spec.get("status", 200 if "error_code" not in spec else None)
    if status is not None and result.status != status:
        failures.append(Failure(f"{what} status", status, result.status, f"{result.summary}: {result.brief()}"))
        return failures
    if "error_code" in spec:
        failures.extend(check_value(f"{what} error_code", result.error_code or MISSING, spec["error_code"]))
    if "count" in spec:
        total = result.json.get("totalSize", MISSING) if isinstance(result.json, dict) else MISSING
        failures.extend(check_value(f"{what} count", total, spec["count"]))
    if "json" in spec:
        failures.extend(check_json(f"{what} json", result.json, spec["json"]))
    return failures
