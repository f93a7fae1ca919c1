"""``{name}`` variables and ``{now…}`` time variables in scenario values.

A string that is exactly ``{name}`` becomes the variable's value with its type;
inside longer strings variables are formatted with ``str``. ``{{`` and ``}}``
give literal braces; ``{3}`` or ``{2,5}`` (regex counts) are left alone.

``{now}``, ``{now-31d}``, ``{now+2h:date}`` … read the **emulator** clock (once per step):
an optional offset (``ms s m h d w``) and an optional format from :data:`TIME_FORMATS`.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

_TIME = r"now(?:[+-]\d+(?:\.\d+)?(?:ms|s|m|h|d|w))?(?::[a-z_]+)?"
TOKEN = re.compile(r"\{\{|\}\}|\{(" + _TIME + r"|[A-Za-z_][A-Za-z0-9_]*)\}")
WHOLE = re.compile(r"^\{(" + _TIME + r"|[A-Za-z_][A-Za-z0-9_]*)\}$")
TIME_VAR = re.compile(r"^now(?:([+-]\d+(?:\.\d+)?)(ms|s|m|h|d|w))?(?::([a-z_]+))?$")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# Defined before the first step from the scenario's fixture and target (see runner.initial_vars).
BUILTIN_VARS = ("username", "password", "security_token", "client_id", "client_secret", "callback_url",
                "version", "rest", "base_url", "aep_client_id", "aep_client_secret", "aep_org_id", "aep_sandbox")


def _ms(moment: datetime) -> str:
    return f"{moment.microsecond // 1000:03d}"


TIME_FORMATS: dict[str, tuple[Callable[[datetime], Any], str]] = {
    "iso": (lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "`2030-03-01T10:00:00Z` (the default): Salesforce query parameters (`/updated`, `/deleted`), "
            "SOQL datetime literals, AEP filters"),
    "sf": (lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + _ms(t) + "+0000",
           "`2030-03-01T10:00:00.000+0000`: how Salesforce writes datetime fields (`CreatedDate`, `deletedDate`)"),
    "date": (lambda t: t.strftime("%Y-%m-%d"), "`2030-03-01`: Salesforce date fields and SOQL date literals"),
    "aep_iso": (lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + _ms(t) + "Z",
                "`2030-03-01T10:00:00.000Z`: AEP and `/__emulator/clock` ISO strings"),
    "epoch_ms": (lambda t: int(t.timestamp() * 1000),
                 "`1898503200000` (an integer): AEP Flow Service `createdAt`/`updatedAt`"),
    "epoch": (lambda t: int(t.timestamp()), "`1898503200` (an integer): Unix seconds"),
}


class UnknownVariable(KeyError):
    """A ``{name}`` with no value in scope."""

    def __init__(self, name: str, known: list[str], message: str = "") -> None:
        super().__init__(name)
        self.name = name
        self.known = known
        self.message = message

    def __str__(self) -> str:
        return self.message or f"unknown variable {{{self.name}}} (in scope: {', '.join(self.known)})"


def time_problem(name: str) -> str | None:
    """Why ``{name}`` is not a valid time variable (None when it is one, or is no time variable at all)."""
    match = TIME_VAR.match(name)
    if match is None or match.group(3) is None or match.group(3) in TIME_FORMATS:
        return None
    return f"unknown time format {match.group(3)!r} in {{{name}}} (formats: {', '.join(TIME_FORMATS)})"


def is_time_var(name: str) -> bool:
    return TIME_VAR.match(name) is not None


def time_value(name: str, now: datetime) -> Any:
    """The value of a time variable such as ``now-31d:date`` at ``now``."""
    match = TIME_VAR.match(name)
    if match is None:
        raise ValueError(f"not a time variable: {name}")
    amount, unit, fmt = match.groups()
    moment = now.astimezone(timezone.utc)
    if amount:
        moment += timedelta(seconds=float(amount) * UNITS[unit])
    if fmt and fmt not in TIME_FORMATS:
        raise UnknownVariable(name, [], time_problem(name) or "")
    return TIME_FORMATS[fmt or "iso"][0](moment)


def _text(value: Any) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        return json.dumps(value)
    return str(value)


def substitute(value: Any, scope: dict[str, Any], clock: Callable[[], datetime] | None = None) -> Any:
    """``value`` with every ``{name}`` replaced from ``scope`` (recursively through lists and dicts).

    ``clock`` gives the emulator's time for ``{now…}``; it is called at most once per call.
    """
    return _Substitution(scope, clock).apply(value)


class _Substitution:
    def __init__(self, scope: dict[str, Any], clock: Callable[[], datetime] | None) -> None:
        self.scope = scope
        self.clock = clock
        self.now: datetime | None = None

    def apply(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = WHOLE.match(value)
            if whole:
                return self.lookup(whole.group(1))

            def replace(match: re.Match) -> str:
                if match.group(1) is None:
                    return match.group(0)[0]
                return _text(self.lookup(match.group(1)))
            return TOKEN.sub(replace, value)
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        return value

    def lookup(self, name: str) -> Any:
        if is_time_var(name):
            if self.clock is None:
                raise UnknownVariable(name, sorted(self.scope), f"{{{name}}} needs the emulator clock, "
                                                                "which is not available here (only in steps)")
            if self.now is None:
                self.now = self.clock()
            return time_value(name, self.now)
        if name not in self.scope:
            raise UnknownVariable(name, sorted(self.scope))
        return self.scope[name]


def references(value: Any, path: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """Every ``(variable name, path)`` used in ``value`` (time variables included)."""
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
