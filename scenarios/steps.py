"""The built-in step kinds (``request``, ``login``, the clock, faults) and the ``save`` and ``records`` helpers.

Each kind is one :func:`~scenarios.registry.register` call; clock and fault steps go
through ``/__emulator`` so in-process and server runs behave alike.
"""
from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import quote

from .auth import AuthError
from .context import API_VERSION, RunContext, StepError, admin, send
from .expect import Failure
from .jsonpath import MISSING, PathError, evaluate
from .registry import register
from .result import Result

SALESFORCE_AUTH_PREFIXES = ("/services/data", "/services/oauth2/userinfo", "/id/")
EXPIRED = "INVALID_SESSION_ID"

__all__ = ["API_VERSION", "RunContext", "StepError", "fetch_records", "save_values"]

REQUEST_SCHEMA = {
    "type": "object", "required": ["path"], "additionalProperties": False,
    "properties": {
        "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]},
        "path": {"type": "string", "pattern": "^[/{]"},
        "api": {"enum": ["salesforce", "aep", "admin"]},
        "auth": {"oneOf": [{"enum": ["salesforce", "aep", "none"]},
                           {"type": "object", "required": ["token"], "additionalProperties": False,
                            "properties": {"token": {"type": "string"}, "scheme": {"type": "string"}}}]},
        "relogin": {"type": "boolean"},
        "headers": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
        "query": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "json": {},
        "form": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "body": {"type": "string"}}}
LOGIN_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"grant": {"enum": ["password", "client_credentials", "refresh_token", "soap"]},
                   **{k: {"type": "string"} for k in ("username", "password", "security_token", "client_id",
                                                      "client_secret", "refresh_token")}}}
FAULT_SCHEMA = {
    "description": "A fault rule, as POSTed to /__emulator/faults (emulator/core/faults.py).",
    "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {
        "path": {"type": "string", "minLength": 1}, "method": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599}, "body": {},
        "headers": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
        "latency_ms": {"type": "integer", "minimum": 0, "maximum": 10000},
        "drop": {"type": "integer", "minimum": 1}, "times": {"type": "integer", "minimum": 1},
        "expire_tokens": {"type": "boolean"}, "exhaust_api_limit": {"type": "boolean"}}}


def default_auth(api: str, path: str) -> str:
    """``salesforce`` for REST and identity paths, ``aep`` for AEP platform paths, else ``none``."""
    if api == "salesforce" and path.startswith(SALESFORCE_AUTH_PREFIXES):
        return "salesforce"
    if api == "aep" and not path.startswith("/ims/"):
        return "aep"
    return "none"


def expects_expiry(expect: Any) -> bool:
    """True when a step's ``expect`` asks for the 401 / INVALID_SESSION_ID itself (expiry under test)."""
    if not isinstance(expect, dict):
        return False
    status = expect.get("status")
    statuses = status if isinstance(status, list) else [status]
    code = expect.get("error_code")
    return 401 in statuses or code == EXPIRED or (isinstance(code, dict) and EXPIRED in map(str, code.values()))


def with_relogin(ctx: RunContext, call: Callable[[], Result], allowed: bool = True) -> Result:
    """Run ``call``; on 401 INVALID_SESSION_ID log in again (the last login's grant) and run it once more.

    Not when the step expects the 401 or opts out with ``relogin: false``: expiry stays testable.
    """
    result = call()
    if result.status != 401 or result.error_code != EXPIRED or not allowed or expects_expiry(ctx.step.get("expect")):
        return result
    login = ctx.tokens.relogin()
    if ctx.tokens.salesforce is None:
        raise AuthError(f"the session expired (401 {EXPIRED}) and logging in again failed: {login.brief()}")
    again = call()
    again.summary += f" (after 401 {EXPIRED}: logged in again)"
    return again


@register("request", schema={"$ref": "#/$defs/request"}, defs={"request": REQUEST_SCHEMA},
          doc=("`method` (default GET, POST with a body), `path` (starts with `/` or a variable), `api` "
               "(`salesforce` default, `aep`, `admin` for `/__emulator`), `auth`, `relogin` (default true), "
               "`headers`, `query`, and one body: `json`, `form` or `body` (raw text)",
               "the HTTP answer (redirects are not followed)"),
          check=lambda value: [((key,), f"give one of json, form, body (got {', '.join(bodies)})")
                               for bodies in [[k for k in ("json", "form", "body") if k in (value or {})]]
                               if len(bodies) > 1 for key in bodies[1:2]])
def run_request(spec: dict[str, Any], ctx: RunContext) -> Result:
    """``request``: one HTTP call with the token helpers applied."""
    path = spec["path"]
    api = spec.get("api", "admin" if path.startswith("/__emulator") else "salesforce")
    has_body = any(k in spec for k in ("json", "form", "body"))
    method = spec.get("method", "POST" if has_body else "GET")
    given = {str(k): str(v) for k, v in (spec.get("headers") or {}).items()}
    auth = spec.get("auth", default_auth(api, path))
    own_token = auth == "salesforce" and "authorization" not in {k.lower() for k in given}
    kw: dict[str, Any] = {"params": spec.get("query")}
    if "json" in spec:
        kw["json"] = spec["json"]
    elif "form" in spec:
        kw["data"] = {k: str(v) for k, v in spec["form"].items()}
    elif "body" in spec:
        kw["data"] = spec["body"].encode("utf-8")

    def call() -> Result:
        headers = dict(given)
        if "authorization" not in {k.lower() for k in headers}:
            if auth == "salesforce":
                headers["Authorization"] = f"Bearer {ctx.tokens.salesforce_token()}"
            elif auth == "aep":
                headers = {**ctx.tokens.aep_headers(), **headers}
            elif isinstance(auth, dict):
                headers["Authorization"] = f"{auth.get('scheme', 'Bearer')} {auth['token']}"
        if api == "admin":
            headers.update(ctx.connection.admin_headers)
        return send(ctx, method, path, headers=headers, **kw)
    return with_relogin(ctx, call, own_token and spec.get("relogin", True))


@register("login", schema={"$ref": "#/$defs/login"}, defs={"login": LOGIN_SCHEMA},
          defines=("access_token", "instance_url"),
          doc=("`grant`: `password` (default), `client_credentials`, `refresh_token`, `soap`; optional `username`, "
               "`password`, `security_token`, `client_id`, `client_secret`, `refresh_token` (defaults: the built-ins)",
               "the token answer (or SOAP envelope); on success its token becomes the scenario's Salesforce token "
               "and this login is the one repeated after a session expires"))
def run_login(spec: dict[str, Any] | None, ctx: RunContext) -> Result:
    return ctx.tokens.login(spec or {})


def _clock(body: Callable[[Any], dict]) -> Callable[[Any, RunContext], Result]:
    def run(value: Any, ctx: RunContext) -> Result:
        return admin(ctx, "POST", "/clock", body(value))
    return run


register("advance_clock", schema={"type": ["string", "number"]},
         doc=("a duration: `31d`, `2h`, `90m`, `15s`, `500ms` or seconds (sessions may expire: see "
              "*Sessions and time travel*)", "the clock state"))(
    _clock(lambda value: {"advance": value}))
register("freeze_clock", schema={"type": ["boolean", "string"]},
         doc=("`true`/`false`, or an ISO instant to freeze at", "the clock state"))(
    _clock(lambda value: {"freeze": value} if isinstance(value, bool) else {"freeze": True, "set": value}))
register("set_clock", schema={"type": "string"}, doc=("an ISO instant", "the clock state"))(
    _clock(lambda value: {"set": value}))


@register("inject_fault", schema={"oneOf": [{"$ref": "#/$defs/fault"},
                                            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/fault"}}]},
          defs={"fault": FAULT_SCHEMA}, doc=("a fault rule, or a list of them (below)", "the created rules"))
def run_inject_fault(value: Any, ctx: RunContext) -> Result:
    return admin(ctx, "POST", "/faults", {"faults": value} if isinstance(value, list) else value)


@register("clear_faults", schema={"type": ["boolean", "string"]},
          doc=("`true` (all) or a rule id", '`{"faults": []}`, or `{"deleted": id}`'))
def run_clear_faults(value: Any, ctx: RunContext) -> Result:
    if isinstance(value, str):
        return admin(ctx, "DELETE", f"/faults/{quote(value, safe='')}")
    return admin(ctx, "DELETE", "/faults")


def fetch_records(ctx: RunContext) -> Callable[[dict], Result]:
    """The record-state query of an ``expect.records`` entry: SOQL, or a record by id."""
    def fetch(spec: dict[str, Any]) -> Result:
        base = f"/services/data/{API_VERSION}"
        if "soql" in spec:
            resource = "queryAll" if spec.get("all_rows") else "query"
            path, params = f"{base}/{resource}", {"q": spec["soql"]}
        elif "sobject" in spec and "id" in spec:
            path, params = f"{base}/sobjects/{spec['sobject']}/{spec['id']}", None
        else:
            raise StepError("a records check needs soql, or sobject and id")
        return with_relogin(ctx, lambda: send(ctx, "GET", path, params=params, headers={
            "Authorization": f"Bearer {ctx.tokens.salesforce_token()}"}))
    return fetch


def save_values(spec: dict[str, Any], result: Result, scope: dict[str, Any]) -> list[Failure]:
    """``save``: put values of ``result`` into the scope; a value that is not there is a failure showing the result."""
    failures = []
    for name, source in spec.items():
        if isinstance(source, str):
            source = {"path": source}
        if "header" in source:
            value = result.headers.get(source["header"], MISSING)
        elif source.get("status"):
            value = result.status
        elif source.get("text"):  # the raw body (XML, CSV), usually with a regex
            value = result.text
        else:
            try:
                value = evaluate(source.get("path", "$"), result.json)
            except PathError as exc:
                failures.append(Failure(f"save {name}", source, _whole(result), f"{exc} (actual: the whole result)"))
                continue
        if value is not MISSING and "regex" in source:
            match = re.search(source["regex"], value if isinstance(value, str) else str(value))
            value = (match.group(1) if match.groups() else match.group(0)) if match else MISSING
        if value is MISSING:
            failures.append(_nothing_to_save(name, source, result))
        else:
            scope[name] = value
    return failures


def _whole(result: Result) -> Any:
    return result.json if result.json is not MISSING else result.text


def _nothing_to_save(name: str, source: dict[str, Any], result: Result) -> Failure:
    """The failure of a ``save`` whose value is not there; ``actual`` is the whole result, so it is seen."""
    if "header" in source:
        where = f"header {source['header']}" + (f" matching {source['regex']!r}" if "regex" in source else "")
        return Failure(f"save {name}", source, result.headers.get(source["header"], MISSING),
                       f"nothing to save: {where} not found")
    where = source.get("path", "$") + (f" matching {source['regex']!r}" if "regex" in source else "")
    message = f"nothing to save: {where} not found (actual: the whole result)"
    if not isinstance(result.json, (dict, list)) and result.json is not MISSING:
        message += f"; the result is a plain {type(result.json).__name__}: save it with `{name}: $`"
    return Failure(f"save {name}", source, _whole(result), message)
