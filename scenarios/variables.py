"""``{name}`` variables in scenario values.

A string that is exactly ``{name}`` becomes the variable's value with its type;
inside longer strings variables are formatted with ``str``. ``{{`` and ``}}``
give literal braces; ``{3}`` or ``{2,5}`` (regex counts) are left alone.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)\}$")

# Defined before the first step from the scenario's fixture and target (see runner.initial_vars).
BUILTIN_VARS = ("username", "password", "security_token", "client_id", "client_secret", "callback_url",
                "version", "rest", "base_url", "aep_client_id", "aep_client_secret", "aep_org_id", "aep_sandbox")


class UnknownVariable(KeyError):
    """A ``{name}`` with no value in scope."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown variable {{{self.name}}} (in scope: {', '.join(self.known)})"


def _text(value: Any) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        return json.dumps(value)
    return str(value)


def substitute(value: Any, scope: dict[str, Any]) -> Any:
    """``value`` with every ``{name}`` replaced from ``scope`` (recursively through lists and dicts)."""
    if isinstance(value, str):
        whole = WHOLE.match(value)
        if whole:
            return _lookup(whole.group(1), scope)

        def replace(match: re.Match) -> str:
            if match.group(1) is None:
                return match.group(0)[0]
            return _text(_lookup(match.group(1), scope))
        return TOKEN.sub(replace, value)
    if isinstance(value, list):
        return [substitute(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, scope) for k, v in value.items()}
    return value


def _lookup(name: str, scope: dict[str, Any]) -> Any:
    if name not in scope:
        raise UnknownVariable(name, sorted(scope))
    return scope[name]


def references(value: Any, path: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """Every ``(variable name, path)`` used in ``value``."""
    if isinstance(value, str):
        for match in TOKEN.finditer(value):
            if match.group(1):
                yield match.group(1), path
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from references(item, path + (key,))
