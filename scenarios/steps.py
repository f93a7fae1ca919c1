"""Step kinds: each action turns into HTTP calls on the scenario's connection and yields a :class:`Result`.

Clock and fault steps go through ``/__emulator`` so in-process and server runs behave alike.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from .auth import Tokens
from .expect import Failure
from .jsonpath import MISSING, PathError, evaluate
from .result import Result, from_response
from .targets import TIMEOUT, Connection

API_VERSION = "v59.0"
SALESFORCE_AUTH_PREFIXES = ("/services/data", "/services/oauth2/userinfo", "/id/")


class StepError(RuntimeError):
    """A step that could not run at all (as opposed to one whose expectations failed)."""


@dataclass
class RunContext:
    """State shared by the steps of one scenario run."""

    connection: Connection
    scope: dict[str, Any]
    tokens: Tokens
    client: Any = None
    last: Result | None = None
    integrations: Any = None  # the business-card workflow registry of an ``integration`` step
    destination: Any = None  # the seed-000 destination of a ``destination`` step


def _send(ctx: RunContext, method: str, path: str, **kw: Any) -> Result:
    started = time.perf_counter()
    response = ctx.connection.session.request(method, ctx.connection.url(path), timeout=TIMEOUT,
                                              allow_redirects=False, **kw)
    return from_response(response, (time.perf_counter() - started) * 1000, f"{method} {path}")


def _admin(ctx: RunContext, method: str, path: str, body: Any = None) -> Result:
    return _send(ctx, method, "/__emulator" + path, json=body, headers=ctx.connection.admin_headers)


def default_auth(api: str, path: str) -> str:
    """``salesforce`` for REST and identity paths, ``aep`` for AEP platform paths, else ``none``."""
    if api == "salesforce" and path.startswith(SALESFORCE_AUTH_PREFIXES):
        return "salesforce"
    if api == "aep" and not path.startswith("/ims/"):
        return "aep"
    return "none"


def run_request(spec: dict[str, Any], ctx: RunContext) -> Result:
    """``request``: one HTTP call with the token helpers applied."""
    path = spec["path"]
    api = spec.get("api", "admin" if path.startswith("/__emulator") else "salesforce")
    has_body = any(k in spec for k in ("json", "form", "body"))
    method = spec.get("method", "POST" if has_body else "GET")
    headers = {str(k): str(v) for k, v in (spec.get("headers") or {}).items()}
    auth = spec.get("auth", default_auth(api, path))
    if "authorization" not in {k.lower() for k in headers}:
        if auth == "salesforce":
            headers["Authorization"] = f"Bearer {ctx.tokens.salesforce_token()}"
        elif auth == "aep":
            headers = {**ctx.tokens.aep_headers(), **headers}
        elif isinstance(auth, dict):
            headers["Authorization"] = f"{auth.get('scheme', 'Bearer')} {auth['token']}"
    if api == "admin":
        headers.update(ctx.connection.admin_headers)
    kw: dict[str, Any] = {"headers": headers, "params": spec.get("query")}
    if "json" in spec:
        kw["json"] = spec["json"]
    elif "form" in spec:
        kw["data"] = {k: str(v) for k, v in spec["form"].items()}
    elif "body" in spec:
        kw["data"] = spec["body"].encode("utf-8")
    return _send(ctx, method, path, **kw)


def run_clock(kind: str, value: Any, ctx: RunContext) -> Result:
    """``advance_clock``, ``freeze_clock``, ``set_clock`` through ``/__emulator/clock``."""
    if kind == "advance_clock":
        body = {"advance": value}
    elif kind == "set_clock":
        body = {"set": value}
    elif isinstance(value, bool):
        body = {"freeze": value}
    else:
        body = {"freeze": True, "set": value}
    return _admin(ctx, "POST", "/clock", body)


def run_inject_fault(value: Any, ctx: RunContext) -> Result:
    return _admin(ctx, "POST", "/faults", {"faults": value} if isinstance(value, list) else value)


def run_clear_faults(value: Any, ctx: RunContext) -> Result:
    if isinstance(value, str):
        return _admin(ctx, "DELETE", f"/faults/{quote(value, safe='')}")
    return _admin(ctx, "DELETE", "/faults")


def fetch_records(ctx: RunContext) -> Callable[[dict], Result]:
    """The record-state query of an ``expect.records`` entry: SOQL, or a record by id."""
    def fetch(spec: dict[str, Any]) -> Result:
        headers = {"Authorization": f"Bearer {ctx.tokens.salesforce_token()}"}
        base = f"/services/data/{API_VERSION}"
        if "soql" in spec:
            resource = "queryAll" if spec.get("all_rows") else "query"
            return _send(ctx, "GET", f"{base}/{resource}", params={"q": spec["soql"]}, headers=headers)
        if "sobject" in spec and "id" in spec:
            return _send(ctx, "GET", f"{base}/sobjects/{spec['sobject']}/{spec['id']}", headers=headers)
        raise StepError("a records check needs soql, or sobject and id")
    return fetch


def run_action(step: dict[str, Any], ctx: RunContext) -> Result | None:
    """Run the step's action, if any; None for a step with only ``expect``/``save``."""
    from .connector_step import run_connector
    from .integration_step import run_integration
    from .destination_step import run_destination
    if "request" in step:
        return run_request(step["request"], ctx)
    if "login" in step:
        return ctx.tokens.login(step["login"] or {})
    if "connector" in step:
        return run_connector(step["connector"], ctx)
    if "integration" in step:
        return run_integration(step["integration"], ctx)
    if "destination" in step:
        return run_destination(step["destination"], ctx)
    for kind in ("advance_clock", "freeze_clock", "set_clock"):
        if kind in step:
            return run_clock(kind, step[kind], ctx)
    if "inject_fault" in step:
        return run_inject_fault(step["inject_fault"], ctx)
    if "clear_faults" in step:
        return run_clear_faults(step["clear_faults"], ctx)
    return None


def save_values(spec: dict[str, Any], result: Result, scope: dict[str, Any]) -> list[Failure]:
    """``save``: put values of ``result`` into the scope; a value that is not there is a failure."""
    failures = []
    for name, source in spec.items():
        if isinstance(source, str):
            source = {"path": source}
        if "header" in source:
            value = result.headers.get(source["header"], MISSING)
        elif source.get("status"):
            value = result.status
        else:
            try:
                value = evaluate(source.get("path", "$"), result.json)
            except PathError as exc:
                failures.append(Failure(f"save {name}", source, MISSING, str(exc)))
                continue
        if value is not MISSING and "regex" in source:
            match = re.search(source["regex"], value if isinstance(value, str) else str(value))
            value = (match.group(1) if match.groups() else match.group(0)) if match else MISSING
        if value is MISSING:
            failures.append(Failure(f"save {name}", source, MISSING, "nothing to save: not found"))
        else:
            scope[name] = value
    return failures
