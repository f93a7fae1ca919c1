"""What every step kind works with: the run's connection, variables, tokens, and HTTP helpers.

Step modules import this (and :mod:`scenarios.registry`) only, never each other, so the
step kinds have no import cycles.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from .auth import Tokens
from .result import Result, from_response
from .targets import TIMEOUT, Connection

API_VERSION = "v59.0"


class StepError(RuntimeError):
    """A step that could not run at all (as opposed to one whose expectations failed)."""


@dataclass
class RunContext:
    """State shared by the steps of one scenario run; ``step`` is the step running now."""

    connection: Connection
    scope: dict[str, Any]
    tokens: Tokens
    client: Any = None
    last: Result | None = None
    step: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # per-kind state (e.g. a campaign client)


def send(ctx: RunContext, method: str, path: str, **kw: Any) -> Result:
    """One HTTP call on the scenario's connection, as a :class:`Result`."""
    started = time.perf_counter()
    response = ctx.connection.session.request(method, ctx.connection.url(path), timeout=TIMEOUT,
                                              allow_redirects=False, **kw)
    return from_response(response, (time.perf_counter() - started) * 1000, f"{method} {path}")


def admin(ctx: RunContext, method: str, path: str, body: Any = None) -> Result:
    """``/__emulator{path}`` with the admin headers."""
    return send(ctx, method, "/__emulator" + path, json=body, headers=ctx.connection.admin_headers)


def clock_sleep(ctx: RunContext):
    """A ``sleep`` for connector retry policies that advances the emulator clock instead of waiting."""
    def sleep(seconds: float) -> None:
        response = ctx.connection.admin("POST", "/clock", {"advance": seconds})
        if response.status_code != 200:
            raise StepError(f"could not advance the clock for a retry wait: {response.text[:200]}")
    return sleep


def emulator_clock(ctx: RunContext) -> Callable[[], datetime]:
    """A ``now()`` that reads the emulator clock over the admin API (in-process and served alike)."""
    def now() -> datetime:
        response = ctx.connection.admin("GET", "/clock")
        if response.status_code != 200:
            raise StepError(f"could not read the emulator clock: {response.text[:200]}")
        return datetime.fromisoformat(response.json()["now"].replace("Z", "+00:00"))
    return now
