"""Read scenario files: YAML with line marks, validated against ``schema.json``.

Every problem is reported as ``file:line: key.path: message``; unknown keys are
errors. A file may hold several scenarios as YAML documents (``---``).
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from . import registry
from .variables import BUILTIN_VARS, is_time_var, references, time_problem

SCHEMA_PATH = Path(__file__).with_name("schema.json")
PathKey = tuple  # a JSON path as a tuple of keys and indexes


class ScenarioFileError(Exception):
    """A file that cannot be loaded; ``problems`` are ``(line, key, message)``."""

    def __init__(self, file: str, problems: list[tuple[int, str, str]], scenarios: list[Scenario] | None = None
                 ) -> None:
        self.file = file
        self.problems = problems
        self.scenarios = list(scenarios or [])  # the file's good documents, which still run
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
    """The scenario JSON Schema: ``schema.json`` with its step part derived from the step registry."""
    return registry.full_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


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


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """The errors of a ``oneOf``/``anyOf`` from the branches whose type fits the value (so a rule
    object with a typo is told about the typo, not that it is not an array)."""
    fitting = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
    wrong_type = {e.relative_schema_path[0] for e in error.context if e.validator == "type" and not e.relative_path}
    fitting = [e for e in fitting if e.relative_schema_path[0] not in wrong_type]
    return fitting or list(error.context)


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'expect'?)`` for a near miss, else ``""``."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_operator_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and "equals" in schema.get("properties", {})


OPERATOR_RULE = ("an object in a check is always read as operators; to compare with an object literal write "
                 "{equals: {...}}")


def _describe(error: ValidationError, marks: _Marks) -> tuple[int, str, str]:
    while error.context:
        error = best_match(_branch_errors(error))
    parts = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in known)
        if extra:
            allowed = ", ".join(known) if known else "none"
            at = parts + (extra[0],)
            if _is_operator_schema(error.schema):
                return (marks.line(at), key_path(at), f"unknown operator{did_you_mean(extra[0], known)}: "
                                                      f"{OPERATOR_RULE} (operators: {allowed})")
            return marks.line(at), key_path(at), f"unknown key{did_you_mean(extra[0], known)} (allowed: {allowed})"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        if missing:
            return marks.line(parts), key_path(parts + (missing[0],)), "required key missing"
    if error.validator == "propertyNames":
        return marks.line(parts), key_path(parts), f"invalid name: {error.message}"
    return marks.line(parts), key_path(parts), error.message


def _schema_problems(doc: dict, marks: _Marks) -> list[tuple[int, str, str]]:
    """Schema errors as problems; inside a check object with an unknown operator only that is said."""
    errors = list(_validator().iter_errors(doc))
    operator_objects = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"
                        and _is_operator_schema(e.schema)}
    kept = [e for e in errors if tuple(e.absolute_path) in operator_objects and _is_operator_schema(e.schema)
            or not any(tuple(e.absolute_path)[:len(p)] == p for p in operator_objects)]
    return sorted({_describe(e, marks) for e in kept})


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
    for name, line_path in references(doc.get("vars") or {}, ("vars",)):
        problem = time_problem(name)
        if problem:
            problems.append((marks.line(line_path), key_path(line_path), problem))
    for name, at in [(n, ("vars", n)) for n in doc.get("vars") or {}] + [
            (n, ("steps", i, "save", n)) for i, st in enumerate(doc.get("steps") or []) for n in st.get("save") or {}]:
        if is_time_var(name):
            problems.append((marks.line(at), key_path(at), f"{name!r} is the emulator clock's time variable "
                                                             "({now}, {now-31d}): choose another name"))
    for index, step in enumerate(doc.get("steps") or []):
        where = ("steps", index)
        actions = [key for key in step if key in registry.kinds()]
        if len(actions) > 1:
            problems.append((marks.line(where + (actions[1],)), key_path(where + (actions[1],)),
                             f"a step has one action, this one has {', '.join(actions)}"))
        if not actions and not ({"expect", "save"} & set(step)):
            problems.append((marks.line(where), key_path(where), "a step needs an action, expect or save"))
        kind = registry.kind_of(step)
        for sub, message in (kind.check(step[kind.name]) if kind and kind.check else []):
            at = where + (kind.name, *sub)
            problems.append((marks.line(at), key_path(at), message))
        for name, line_path in references(step, where):
            if is_time_var(name):
                problem = time_problem(name)
                if problem:
                    problems.append((marks.line(line_path), key_path(line_path), problem))
            elif name not in known:
                problems.append((marks.line(line_path), key_path(line_path),
                                 f"unknown variable {{{name}}} (defined so far: {', '.join(sorted(known))})"))
        for number, check in enumerate((step.get("expect") or {}).get("records") or []):
            if "soql" not in check and not {"sobject", "id"} <= set(check):
                at = where + ("expect", "records", number)
                problems.append((marks.line(at), key_path(at), "a records check needs soql, or sobject and id"))
        known |= set(step.get("save") or {})
        if kind is not None:
            known |= set(kind.defines)
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


JARGON = [  # PyYAML's words -> what to check
    ("expected <block end>, but found", "a line is indented differently from the keys above it (check the indentation)"),
    ("cannot start any token", "a tab or a reserved character starts a token: indent with spaces, quote values "
                               "starting with @ or `"),
    ("mapping values are not allowed here", "mapping values are not allowed here (a `key: value` inside a plain value: "
                                            "quote the value, or check the indentation)"),
    ("but got '['", "inside {...} quote keys with brackets, e.g. \"$[0].errorCode\""),
]


def _at(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _open_quote(text: str, before: yaml.Mark) -> yaml.Mark | None:
    """The start of a quoted string that runs over a line end before ``before`` (a missing closing quote)."""
    try:
        for token in yaml.scan(text[:before.index], Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and \
                    token.start_mark.line != token.end_mark.line:
                return token.start_mark
    except yaml.YAMLError:
        return None
    return None


def yaml_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """``(line, message)`` for a YAML syntax error: where the mistake most likely is, with line and column."""
    problem, context = exc.problem_mark, exc.context_mark
    if exc.context == "while scanning a quoted scalar" and context is not None:
        return context.line + 1, (f"cannot parse: the quoted string opened at {_at(context)} is never closed "
                                  f"({exc.problem} at {_at(problem)})")
    quote = _open_quote(text, problem) if problem is not None else None
    if quote is not None:
        return quote.line + 1, (f"cannot parse: the quoted string opened at {_at(quote)} runs over a line end: "
                                f"is its closing quote missing? (PyYAML: {exc.problem} at {_at(problem)})")
    mark = problem or context
    message = f"cannot parse: {exc.problem or exc}"
    for words, hint in JARGON:
        if words in message:
            message = f"cannot parse: {hint}" if not hint.startswith("inside") else f"{message} ({hint})"
            break
    if mark is not None:
        message += f" at {_at(mark)}"
    if exc.context and context is not None:
        message += f" ({exc.context} started at {_at(context)})"
    return (mark.line + 1 if mark else 1), message


DOCUMENT_START = re.compile(r"^---(?=\s|$)", re.M)


def split_documents(text: str) -> list[str]:
    """The ``---``-separated documents of ``text``, each padded with blank lines so line numbers stay true."""
    starts = [0] + [m.start() for m in DOCUMENT_START.finditer(text) if m.start() > 0]
    chunks = []
    for begin, stop in zip(starts, starts[1:] + [len(text)]):
        chunks.append("\n" * text.count("\n", 0, begin) + text[begin:stop])
    return chunks


def _load_document(text: str, file: str, source: str) -> list[Scenario]:
    """The scenario of one document's text (none for an empty document); problems raise."""
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
        line, message = yaml_problem(text, exc)
        raise ScenarioFileError(file, [(line, "<yaml>", message)]) from None
    finally:
        loader.dispose()
    scenarios = []
    for doc, marks in documents:
        if not isinstance(doc, dict):
            problems.append((marks.line(()), "<document>", "a scenario must be a mapping with name and steps"))
            continue
        found = _schema_problems(doc, marks)
        if not found:
            found = sorted(set(_check_fixtures(doc, marks)) | set(_check_steps(doc, marks)))
        problems.extend(found)
        if not found:
            scenarios.append(_scenario(doc, marks, file, source))
    if problems:
        raise ScenarioFileError(file, sorted(set(problems)))
    return scenarios


def load_text(text: str, file: str, source: str = "") -> list[Scenario]:
    """Parse and validate every document of a scenario file's text (``file`` names it in messages).

    Each ``---`` document is loaded on its own: a bad one raises :class:`ScenarioFileError` whose
    ``scenarios`` still holds the good ones, so they run.
    """
    scenarios: list[Scenario] = []
    problems: list[tuple[int, str, str]] = []
    for chunk in split_documents(text):
        try:
            scenarios.extend(_load_document(chunk, file, source))
        except ScenarioFileError as exc:
            problems.extend(exc.problems)
    if not scenarios and not problems:
        raise ScenarioFileError(file, [(1, "<document>", "empty file: no scenario")])
    if problems:
        raise ScenarioFileError(file, sorted(set(problems)), scenarios)
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

