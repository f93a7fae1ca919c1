"""Catalog list parameters over documents keyed by id: ``limit``, ``start``, ``orderBy``, ``properties``
and field filters (AEP-CAT-1). Pure: raises :class:`CatalogError` on bad parameters."""
from __future__ import annotations

import re
from typing import Any, Mapping

from .errors import bad_request

DEFAULT_LIMIT, MAX_LIMIT = 50, 100
CONTROL = frozenset({"limit", "start", "orderBy", "properties", "property"})
ORDER = re.compile(r"^(?:(asc|desc):)?([A-Za-z_][A-Za-z0-9_.]*)$")
PROPERTY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)(==|!=|~)(.*)$")


def _value(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _int(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {raw!r}.", "1401") from None


Condition = tuple[str, str, Any]  # path, op, wanted value (a compiled pattern for ~)


def _conditions(filters: list[str]) -> list[Condition]:
    """Parse every ``property`` filter up front, so a bad one is a 400 even over an empty list."""
    parsed = []
    for condition in filters:
        match = PROPERTY.match(condition)
        if match is None:
            raise bad_request(f"The property filter {condition!r} is not valid.", "1402")
        path, op, wanted = match.groups()
        if op == "~":
            try:
                parsed.append((path, op, re.compile(wanted)))
            except re.error:
                raise bad_request(f"The property filter {condition!r} is not a valid regular expression.",
                                  "1402") from None
        else:
            parsed.append((path, op, wanted.strip('"')))
    return parsed


def _matches(document: dict[str, Any], args: Mapping[str, str], conditions: list[Condition]) -> bool:
    for name, wanted in args.items():
        if name not in CONTROL and str(_value(document, name)) != wanted:
            return False
    for path, op, wanted in conditions:
        actual = _value(document, path)
        if op == "~":
            hit = actual is not None and wanted.search(str(actual)) is not None
        else:
            hit = (str(actual) == wanted) == (op == "==")
        if not hit:
            return False
    return True


def page(documents: dict[str, dict[str, Any]], args: Mapping[str, str], filters: list[str]) -> dict[str, Any]:
    """The page of ``documents`` (id → document, creation order) the parameters select, keyed by id."""
    limit, start = _int(args, "limit", DEFAULT_LIMIT), _int(args, "start", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}, not {limit}.", "1401")
    if start < 0:
        raise bad_request(f"start must be 0 or more, not {start}.", "1401")
    conditions = _conditions(filters)
    chosen = [(i, d) for i, d in documents.items() if _matches(d, args, conditions)]
    order = args.get("orderBy")
    if order:
        match = ORDER.match(order)
        if match is None:
            raise bad_request(f"orderBy {order!r} is not valid: use [asc:|desc:]<field>.", "1403")
        direction, path = match.groups()
        chosen.sort(key=lambda pair: (_value(pair[1], path) is None, str(_value(pair[1], path))
                                      if not isinstance(_value(pair[1], path), (int, float))
                                      else f"{_value(pair[1], path):020.3f}"),
                    reverse=direction == "desc")
    selected = chosen[start:start + limit]
    wanted = [p.strip() for p in (args.get("properties") or "").split(",") if p.strip()]
    if wanted:
        return {i: {k: d[k] for k in wanted if k in d} for i, d in selected}
    return dict(selected)
