"""``connector`` steps: call a :class:`connector.salesforce.SalesforceClient` method by name.

The login class methods (``login_password``, ``login_client_credentials``,
``from_refresh_token``, ``from_authorization_code``) build the scenario's client,
with the login URL, session and fixture credentials filled in; any other public
method runs on that client (built with the password grant when none exists yet).
Retry waits advance the emulator clock instead of sleeping.
"""
from __future__ import annotations

import inspect
import time
from typing import Any

from connector.salesforce import RetryPolicy, SalesforceClient
from connector.salesforce.errors import SalesforceError

from .result import Result, from_error, from_value
from .context import RunContext, StepError, clock_sleep
from .registry import register

BUILDERS = ("login_password", "login_client_credentials", "from_refresh_token", "from_authorization_code")
CONNECTOR_SCHEMA = {
    "type": "object", "required": ["method"], "additionalProperties": False,
    "properties": {
        "method": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "args": {"type": "array"},
        "kwargs": {"type": "object"},
        "retry": {"type": "object", "additionalProperties": False,
                  "properties": {"max_attempts": {"type": "integer", "minimum": 1},
                                 "base_delay": {"type": "number", "minimum": 0},
                                 "max_delay": {"type": "number", "minimum": 0}}}}}
CREDENTIALS = ("client_id", "client_secret", "username", "password", "security_token", "refresh_token")


def _policy(spec: dict[str, Any], ctx: RunContext) -> RetryPolicy:
    return RetryPolicy(sleep=clock_sleep(ctx), **(spec.get("retry") or {}))


def _build(method: str, spec: dict[str, Any], ctx: RunContext, policy: RetryPolicy) -> SalesforceClient:
    builder = getattr(SalesforceClient, method)
    kwargs = dict(spec.get("kwargs") or {})
    args = list(spec.get("args") or [])
    if not args:
        kwargs.setdefault("login_url", ctx.connection.base_url)
        accepted = inspect.signature(builder).parameters
        for name in CREDENTIALS:
            if name in accepted and name in ctx.scope:
                kwargs.setdefault(name, ctx.scope[name])
    return _call(builder, {"args": args, "kwargs": {**kwargs, "session": ctx.connection.session, "retry": policy}})


def _call(function: Any, spec: dict[str, Any]) -> Any:
    args, kwargs = list(spec.get("args") or []), dict(spec.get("kwargs") or {})
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError as error:
        raise StepError(f"connector.{function.__name__}: bad arguments: {error}") from None
    return function(*args, **kwargs)


def _client(ctx: RunContext, policy: RetryPolicy) -> SalesforceClient:
    if ctx.client is None:
        ctx.client = _build("login_password", {}, ctx, policy)
    return ctx.client


def _public_methods() -> list[str]:
    return sorted(name for name, _ in inspect.getmembers(SalesforceClient, callable) if not name.startswith("_"))


RETURNS = [  # (annotation prefix, JSON the step's result holds, how to save from it)
    ("str", "a plain string (the new record's id)", "`{name}: $`"),
    ("None", "`null`", "nothing to save"),
    ("dict", "an object", "`{name}: $.key`"),
    ("list", "a list", "`{name}: $[0].key`"),
    ("Iterator", "a list (every item of the iterator)", "`{name}: $[0].key`"),
    ("requests.Response", "`{status, json}` (`{status, text}` when the body is not JSON)", "`{name}: $.json.key`"),
    ("SalesforceClient", "the token answer `{access_token, instance_url, id, token_type, issued_at, signature, "
                         "refresh_token?, scope?}`", "`{name}: $.access_token`"),
]


def _returns(method: str) -> tuple[str, str]:
    annotation = str(inspect.signature(getattr(SalesforceClient, method)).return_annotation)
    for prefix, shape, save in RETURNS:
        if annotation.startswith(prefix):
            return shape, save.format(name="x")
    return f"`{annotation}` as JSON", "`x: $`"


def method_table() -> str:
    """The README table of connector methods: arguments, what the step's result holds, how to save it."""
    rows = ["| method | args / kwargs | result (JSON) | save |", "| --- | --- | --- | --- |"]
    for method in _public_methods():
        function = getattr(SalesforceClient, method)
        params = [("**" if p.kind is p.VAR_KEYWORD else "") + p.name
                  for p in inspect.signature(function).parameters.values()
                  if p.name not in ("self", "cls", "session", "retry")]
        summary = (inspect.getdoc(function) or "").splitlines()[0].rstrip(".") if function.__doc__ else ""
        shape, save = _returns(method)
        rows.append(f"| `{method}` | {', '.join(f'`{p}`' for p in params) or '—'} | {shape}"
                    f"{f' — {summary}' if summary else ''} | {save} |")
    return "\n".join(rows)


@register("connector", schema={"$ref": "#/$defs/connector"}, defs={"connector": CONNECTOR_SCHEMA},
          doc=("`method` of `connector.salesforce.SalesforceClient`, `args`, `kwargs`, "
               "`retry: {max_attempts, base_delay, max_delay}`",
               "the return value as JSON (see *Connector methods* below), or the raised connector error"))
def run_connector(spec: dict[str, Any], ctx: RunContext) -> Result:
    """Call the method; a connector ``SalesforceError`` becomes an error result, not a crash."""
    method = spec["method"]
    if method not in _public_methods():
        raise StepError(f"unknown connector method {method!r} (available: {', '.join(_public_methods())})")
    policy = _policy(spec, ctx)
    summary = f"connector.{method}"
    started = time.perf_counter()
    try:
        if method in BUILDERS:
            ctx.client = _build(method, spec, ctx, policy)
            value: Any = ctx.client.token
        else:
            client = _client(ctx, policy)
            saved_policy = client.retry
            client.retry = policy if spec.get("retry") else saved_policy
            try:
                value = _call(getattr(client, method), spec)
                if inspect.isgenerator(value):
                    value = list(value)
            finally:
                client.retry = saved_policy
    except SalesforceError as error:
        return from_error(error, (time.perf_counter() - started) * 1000, summary)
    return from_value(value, (time.perf_counter() - started) * 1000, summary)
