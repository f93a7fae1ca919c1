"""A small JSON path syntax: ``$``, ``.name``, ``['name']``, ``[0]``, ``[-1]``, ``[*]``.

``$.records[0].Name``, ``$[0].errorCode``, ``$.sobjects[*].name``,
``$['Sforce-Limit-Info']``. A path with ``[*]`` yields the list of every match.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_PART = re.compile(r"""\.([^.\[\]]+)|\[(-?\d+)\]|\[\*\]|\['([^']*)'\]|\["([^"]*)"\]""")
WILDCARD = object()


class PathError(ValueError):
    """A path that does not parse."""


class Missing:
    """The value of a path that leads nowhere."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = Missing()


@lru_cache(maxsize=1024)
def parse(path: str) -> tuple:
    """The steps of a path: names (str), indexes (int) and :data:`WILDCARD`."""
    if not path.startswith("$"):
        raise PathError(f"a JSON path starts with $: {path!r}")
    parts: list = []
    position = 1
    while position < len(path):
        match = _PART.match(path, position)
        if not match:
            raise PathError(f"bad JSON path {path!r} at character {position + 1}: {path[position:]!r}")
        name, index, quoted1, quoted2 = match.groups()
        if match.group(0) == "[*]":
            parts.append(WILDCARD)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(name if name is not None else (quoted1 if quoted1 is not None else quoted2))
        position = match.end()
    return tuple(parts)


def _step(value: Any, part: Any) -> Any:
    if isinstance(part, int):
        if isinstance(value, list) and -len(value) <= part < len(value):
            return value[part]
        return MISSING
    if isinstance(value, dict) and part in value:
        return value[part]
    return MISSING


def _walk(value: Any, parts: tuple) -> list:
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if head is WILDCARD:
        items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
        found = []
        for item in items:
            found.extend(v for v in _walk(item, rest) if v is not MISSING)
        return found
    nxt = _step(value, head)
    return [MISSING] if nxt is MISSING else _walk(nxt, rest)


def evaluate(path: str, document: Any) -> Any:
    """The value at ``path`` (a list for wildcard paths), or :data:`MISSING`."""
    parts = parse(path)
    found = _walk(document, parts)
    if WILDCARD in parts:
        return found
    return found[0]
