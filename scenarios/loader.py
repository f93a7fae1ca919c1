"""Read scenario files: YAML with line marks, validated against ``schema.json``.

Every problem is reported as ``file:line: key.path: message``; unknown keys are
errors. A file may hold several scenarios as YAML documents (``---``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .variables import BUILTIN_VARS, references

SCHEMA_PATH = Path(__file__).with_name("schema.json")
ACTIONS = ("request", "login", "connector", "integration", "destination", "advance_clock", "freeze_clock",
           "set_clock",
           "inject_fault", "clear_faults")
PathKey = tuple  # a JSON path as a tuple of keys and indexes


class ScenarioFileError(Exception):
    """A file that cannot be loaded; ``problems`` are ``(line, key, message)``."""

    def __init__(self, file: str, problems: list[tuple[int, str, str]]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(f"{file}:{line}: {key}: {message}" for line, key, message in problems))


@dataclass
class Scenario:
    """One validated scenario document."""

    file: str
    name: str
    line: int
    steps: list[dict]
    step_lines: list[tuple[int, int]]  # (first, last) 1-based source lines of each step
    tags: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    fixtures: dict = field(default_factory=dict)
    vars: dict = field(default_factory=dict)
    description: str = ""
    skip: str | None = None
    source: str = ""  # the file's absolute path, for reading its lines back

    def __post_init__(self) -> None:
        self.source = self.source or self.file

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@lru_cache(maxsize=1)
def schema() -> dict:
    """The scenario JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def key_path(parts: PathKey) -> str:
    """``steps[2].request.path`` for a path tuple (``<document>`` when empty)."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<document>"


def _end_line(mark: yaml.Mark) -> int:
    """The last line a node really uses (block nodes end at the start of what follows them)."""
    line = mark.line + 1
    buffer = getattr(mark, "buffer", None)
    if buffer is not None:
        start = buffer.rfind("\n", 0, mark.pointer) + 1
        if buffer[start:mark.pointer].strip() in ("", "-"):
            line -= 1
    return line


class _Marks:
    """Source line of every key and item of one YAML document."""

    def __init__(self) -> None:
        self.lines: dict[PathKey, int] = {}
        self.ends: dict[PathKey, int] = {}

    def walk(self, node: yaml.Node, path: PathKey = ()) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        self.ends[path] = _end_line(node.end_mark)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                self.walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, path + (index,))

    def line(self, path: PathKey) -> int:
        """The line of ``path`` or of its nearest marked ancestor."""
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _duplicate_keys(node: yaml.Node, path: PathKey, problems: list, marks: _Marks) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = getattr(key_node, "value", None)
            if key in seen:
                problems.append((key_node.start_mark.line + 1, key_path(path + (key,)), "duplicate key"))
            seen.add(key)
            _duplicate_keys(value_node, path + (key,), problems, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _duplicate_keys(item, path + (index,), problems, marks)


def _describe(error: ValidationError, marks: _Marks) -> tuple[int, str, str]:
    if error.context:
        error = best_match(error.context)
    parts = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        extra = sorted(str(k) for k in error.instance if k not in known)
        if extra:
            allowed = ", ".join(known) if known else "none"
            return (marks.line(parts + (extra[0],)), key_path(parts + (extra[0],)),
                    f"unknown key (allowed: {allowed})")
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            return marks.line(parts), key_path(parts + (missing[0],)), "required key missing"
    if error.validator == "propertyNames":
        return marks.line(parts), key_path(parts), f"invalid name: {error.message}"
    return marks.line(parts), key_path(parts), error.message


def _check_fixtures(doc: dict, marks: _Marks) -> list[tuple[int, str, str]]:
    from fixtures.files import FIXTURE_SCHEMA
    validator = Draft202012Validator(FIXTURE_SCHEMA)
    problems = []
    for error in validator.iter_errors(doc.get("fixtures") or {}):
        error.path.extendleft(["fixtures"][::-1])
        problems.append(_describe(error, marks))
    if not problems and doc.get("fixtures"):
        from .fixtures import build_fixture
        try:
            build_fixture(doc["fixtures"])
        except ValueError as exc:
            problems.append((marks.line(("fixtures",)), "fixtures", str(exc)))
    return problems


def _check_steps(doc: dict, marks: _Marks) -> list[tuple[int, str, str]]:
    """Rules the schema does not say well: one action per step, one body, variables defined first."""
    problems = []
    known = set(BUILTIN_VARS) | set(doc.get("vars") or {})
    for index, step in enumerate(doc.get("steps") or []):
        where = ("steps", index)
        actions = [a for a in ACTIONS if a in step]
        if len(actions) > 1:
            problems.append((marks.line(where + (actions[1],)), key_path(where + (actions[1],)),
                             f"a step has one action, this one has {', '.join(actions)}"))
        if not actions and not ({"expect", "save"} & set(step)):
            problems.append((marks.line(where), key_path(where), "a step needs an action, expect or save"))
        request = step.get("request") or {}
        bodies = [k for k in ("json", "form", "body") if k in request]
        if len(bodies) > 1:
            problems.append((marks.line(where + ("request", bodies[1])), key_path(where + ("request", bodies[1])),
                             f"give one of json, form, body (got {', '.join(bodies)})"))
        for name, line_path in references(step, where):
            if name not in known:
                problems.append((marks.line(line_path), key_path(line_path),
                                 f"unknown variable {{{name}}} (defined so far: {', '.join(sorted(known))})"))
        for number, check in enumerate((step.get("expect") or {}).get("records") or []):
            if "soql" not in check and not {"sobject", "id"} <= set(check):
                at = where + ("expect", "records", number)
                problems.append((marks.line(at), key_path(at), "a records check needs soql, or sobject and id"))
        known |= set(step.get("save") or {})
        if "login" in step:
            known |= {"access_token", "instance_url"}
    return problems


def _scenario(doc: dict, marks: _Marks, file: str, source: str) -> Scenario:
    steps = doc["steps"]
    return Scenario(
        file=file, name=doc["name"], line=marks.line(("name",)), steps=steps,
        step_lines=[(marks.line(("steps", i)), marks.ends.get(("steps", i), marks.line(("steps", i))))
                    for i in range(len(steps))],
        tags=list(doc.get("tags") or []), covers=list(doc.get("covers") or []),
        fixtures=dict(doc.get("fixtures") or {}), vars=dict(doc.get("vars") or {}),
        description=doc.get("description", ""), skip=doc.get("skip"), source=source)


def load_text(text: str, file: str, source: str = "") -> list[Scenario]:
    """Parse and validate every document of a scenario file's text (``file`` names it in messages)."""
    loader = yaml.SafeLoader(text)
    documents: list[tuple[Any, _Marks]] = []
    problems: list[tuple[int, str, str]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            marks = _Marks()
            marks.walk(node)
            _duplicate_keys(node, (), problems, marks)
            document = loader.construct_document(node)
            if document is not None:  # an empty document, e.g. after a trailing ---
                documents.append((document, marks))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"cannot parse: {exc.problem or exc}"
        if "but got '['" in message:
            message += " (inside {...} quote keys with brackets, e.g. \"$[0].errorCode\")"
        raise ScenarioFileError(file, [(line, "<yaml>", message)]) from None
    finally:
        loader.dispose()
    if not documents:
        raise ScenarioFileError(file, [(1, "<document>", "empty file: no scenario")])
    scenarios = []
    for doc, marks in documents:
        if not isinstance(doc, dict):
            problems.append((marks.line(()), "<document>", "a scenario must be a mapping with name and steps"))
            continue
        found = sorted({_describe(e, marks) for e in _validator().iter_errors(doc)})
        if not found:
            found = sorted(set(_check_fixtures(doc, marks)) | set(_check_steps(doc, marks)))
        problems.extend(found)
        if not found:
            scenarios.append(_scenario(doc, marks, file, source))
    if problems:
        raise ScenarioFileError(file, sorted(set(problems)))
    return scenarios


def load_file(path: str | Path, root: Path | None = None) -> list[Scenario]:
    """Load one scenario file; ``file`` names are relative to ``root`` when given."""
    path = Path(path)
    name = str(path)
    if root is not None:
        try:
            name = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(name, [(1, "<file>", f"cannot read: {exc}")]) from None
    return load_text(text, name, str(path.resolve()))


def discover(paths: list[str | Path]) -> list[Path]:
    """Scenario files under the given files and directories (``*.yaml``/``*.yml``, sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(path)
    seen: set[Path] = set()
    return [p for p in found if not (p.resolve() in seen or seen.add(p.resolve()))]

