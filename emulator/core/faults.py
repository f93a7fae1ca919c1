"""Fault injection: rules as data, applied in one place before dispatch.

A rule matches requests by path (a glob where ``*`` spans ``/``, or a regular
expression written ``re:...``) and optionally by method. On a match it can

- wait ``latency_ms`` (a real sleep, capped at :data:`MAX_LATENCY_MS`),
- expire every access token (``expire_tokens``: sessions time out, refresh tokens stay valid),
- use up the daily API limit (``exhaust_api_limit``),
- answer ``status`` with ``body`` and ``headers`` instead of the real handler; without a
  body the answer takes the target API's error shape (:func:`~.errors.generic_error`).

``drop: N`` answers the next N matching calls with ``status`` (503 when not given) and
then retires; ``times: N`` retires any rule after N matches. Rules never touch
``/__emulator`` paths, so a fault can always be removed.
"""
from __future__ import annotations

import difflib
import fnmatch
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import generic_error
from .http import json_bytes

MAX_LATENCY_MS = 10_000
RULE_KEYS = ("path", "method", "status", "body", "headers", "latency_ms", "drop", "times", "expire_tokens",
             "exhaust_api_limit")
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)

class FaultError(ValueError):
    """A rule that does not validate; the message names the key."""


@dataclass
class FaultRule:
    """One fault rule; ``remaining`` counts the matches left (None: unlimited)."""

    id: str
    path: str = "*"
    method: str | None = None
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency_ms: int = 0
    expire_tokens: bool = False
    exhaust_api_limit: bool = False
    remaining: int | None = None
    hits: int = 0
    _regex: re.Pattern | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method.upper():
            return False
        if self._regex is not None:
            return self._regex.search(path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict:
        body = {"id": self.id, "path": self.path, "method": self.method, "status": self.status,
                "body": self.body, "headers": self.headers, "latency_ms": self.latency_ms,
                "expire_tokens": self.expire_tokens, "exhaust_api_limit": self.exhaust_api_limit,
                "remaining": self.remaining, "hits": self.hits}
        return body


def _check_int(spec: dict, key: str, low: int, high: int | None = None) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f">= {low}"
        raise FaultError(f"{key}: must be an integer {limit}, got {value!r}")
    return value


def parse_rule(spec: Any, rule_id: str) -> FaultRule:
    """Validate a rule given as data; raise :class:`FaultError` naming the bad key."""
    if not isinstance(spec, dict):
        raise FaultError("a fault rule must be an object")
    unknown = sorted(set(spec) - set(RULE_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], RULE_KEYS, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise FaultError(f"{unknown[0]}: unknown key{hint} (expected one of: {', '.join(RULE_KEYS)})")
    path = spec.get("path", "*")
    if not isinstance(path, str) or not path:
        raise FaultError("path: must be a non-empty string (glob, or re:<regex>)")
    regex = None
    if path.startswith("re:"):
        try:
            regex = re.compile(path[3:])
        except re.error as exc:
            raise FaultError(f"path: invalid regular expression: {exc}") from None
    method = spec.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise FaultError(f"method: must be an HTTP method name, got {method!r}")
    status = _check_int(spec, "status", 100, 599)
    drop = _check_int(spec, "drop", 1)
    times = _check_int(spec, "times", 1)
    if drop is not None and times is not None:
        raise FaultError("drop: give either drop or times, not both")
    if drop is not None and status is None:
        status = 503
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) for v in headers.values()):
        raise FaultError("headers: must be an object of header names to strings")
    for flag in ("expire_tokens", "exhaust_api_limit"):
        if not isinstance(spec.get(flag, False), bool):
            raise FaultError(f"{flag}: must be true or false")
    if "body" in spec and status is None:
        raise FaultError("body: needs a status")
    latency = _check_int(spec, "latency_ms", 0, MAX_LATENCY_MS) or 0
    rule = FaultRule(id=rule_id, path=path, method=method.upper() if method else None, status=status,
                     body=spec.get("body"), headers={k: str(v) for k, v in headers.items()}, latency_ms=latency,
                     expire_tokens=spec.get("expire_tokens", False),
                     exhaust_api_limit=spec.get("exhaust_api_limit", False),
                     remaining=drop if drop is not None else times, _regex=regex)
    if not (rule.status or rule.latency_ms or rule.expire_tokens or rule.exhaust_api_limit):
        raise FaultError("status: a rule needs at least one of status, drop, latency_ms, expire_tokens, "
                         "exhaust_api_limit")
    return rule


class FaultSet:
    """The active rules of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next = 0

    def add(self, spec: Any) -> FaultRule:
        with self._lock:
            self._next += 1
            rule = parse_rule(spec, f"fault-{self._next}")
            self._rules.append(rule)
            return rule

    def add_many(self, specs: list) -> list[FaultRule]:
        """Add every rule or none (the first invalid one raises, naming its index)."""
        parsed = []
        for index, spec in enumerate(specs):
            try:
                parse_rule(spec, "check")
            except FaultError as exc:
                raise FaultError(f"faults[{index}].{exc}") from None
            parsed.append(spec)
        return [self.add(spec) for spec in parsed]

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def dump(self) -> dict:
        """The rules as they stand (hits and what remains) and the id counter, for durable state."""
        with self._lock:
            return {"rules": list(self._rules), "next": self._next}

    def load(self, saved: dict) -> None:
        with self._lock:
            self._rules, self._next = list(saved["rules"]), saved["next"]

    def take(self, method: str, path: str) -> list[FaultRule]:
        """The rules matching a request, counted as used; spent rules retire."""
        if not self._rules:  # the common case, read without the lock: no faults set
            return []
        with self._lock:
            matched = [r for r in self._rules if r.matches(method, path)]
            for rule in matched:
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
            return matched


def _expire_tokens(emulator: Any) -> None:
    backend = emulator.salesforce
    with backend.lock:
        for session in backend.tokens.sessions.values():
            session.last_active = LONG_AGO


def _exhaust_api_limit(emulator: Any) -> None:
    backend = emulator.salesforce
    with backend.lock:
        now = backend.now()
        for data in backend.orgs.values():
            data.api_usage.exhaust(now, data.org.config.daily_api_limit)


def answer_faults(emulator: Any, method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """Apply every rule matching a request; the answer of the first one with a status, if any."""
    rules = emulator.faults.take(method, path)
    if not rules:
        return None
    latency = min(sum(r.latency_ms for r in rules), MAX_LATENCY_MS)
    if latency:
        time.sleep(latency / 1000)
    if any(r.expire_tokens for r in rules):
        _expire_tokens(emulator)
    if any(r.exhaust_api_limit for r in rules):
        _exhaust_api_limit(emulator)
    answering = next((r for r in rules if r.status), None)
    if answering is None:
        return None
    headers = list(answering.headers.items())
    if answering.status == 204:
        return 204, headers, b""
    if answering.body is not None:
        return answering.status, [("Content-Type", "application/json"), *headers], json_bytes(answering.body)
    status, error_headers, body = generic_error(path, answering.status).answer()
    return status, error_headers + headers, body
