"""Control plane under /__emulator: reset, clock, state, journal, config, snapshots, faults, fixture.

Open in-process; in server mode every call needs the ``X-Admin-Token`` header.
"""
from __future__ import annotations

import difflib
import hmac
import json

from flask import Blueprint, current_app, request

from .clock import parse_duration, parse_instant
from .errors import ApiError, ErrorFamily, register_family
from .faults import FaultError
from .http import json_response

bp = Blueprint("emulator_admin", __name__, url_prefix="/__emulator")


class AdminError(ApiError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(status)
        self.message = message

    def body(self) -> dict:
        return {"error": self.message}


register_family("/__emulator", ErrorFamily("admin", lambda status, code, message: AdminError(status, message)))


def current_emulator():
    return current_app.extensions["emulator"]


@bp.before_request
def require_admin_token():
    expected = current_emulator().config.admin_token
    given = request.headers.get("X-Admin-Token", "")
    if expected and not hmac.compare_digest(given.encode(), expected.encode()):
        raise AdminError(401, "X-Admin-Token header missing or wrong")


def read_body() -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise AdminError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AdminError(400, "body must be a JSON object")
    return body


def check_keys(body: dict, allowed: tuple[str, ...] | list[str], where: str = "", hint: str = "") -> dict:
    """400 naming the first unknown key of an admin body (with a near miss, and ``hint``)."""
    unknown = [key for key in body if key not in allowed]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
        message = f"unknown key {where + key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        raise AdminError(400, f"{message} (allowed: {', '.join(allowed) or 'none'}){hint}")
    return body


@bp.post("/reset")
def reset():
    """Back to the state the server started with (or the last ``/fixture``)."""
    body = check_keys(read_body(), ("clock",))
    current_emulator().reset(clock=bool(body.get("clock", True)))
    return json_response({"reset": True})


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    """``{"advance": "31d"}``, ``{"set": ISO}``, ``{"freeze": true|false}``; combinable."""
    emu = current_emulator()
    if request.method == "POST":
        body = read_body()
        check_keys(body, ("advance", "set", "freeze"))
        try:
            if "freeze" in body:
                emu.clock.freeze(bool(body["freeze"]))
            if "set" in body:
                emu.clock.set(parse_instant(str(body["set"])))
            if "advance" in body:
                emu.clock.advance(parse_duration(body["advance"]))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
    return json_response(emu.clock.state())


@bp.get("/state")
def state():
    return json_response(current_emulator().summary())


@bp.get("/journal")
def journal():
    limit = request.args.get("limit", type=int)
    return json_response({"entries": current_emulator().journal.entries(limit)})


@bp.route("/config", methods=["GET", "POST"])
def config():
    """Org settings (limits, session timeout, caps) of the default org."""
    backend = current_emulator().salesforce
    with backend.lock:
        org = backend.default_org().org
        if request.method == "POST":
            body = read_body()
            settings = org.config.as_dict()
            misplaced = [key for key in body if key in settings]
            check_keys(body, ("salesforce",), hint=f'; org settings go under "salesforce": '
                       f'{{"salesforce": {{"{misplaced[0]}": ...}}}}' if misplaced else "")
            values = body.get("salesforce", {})
            if not isinstance(values, dict):
                raise AdminError(400, "salesforce: must be an object of org settings")
            check_keys(values, list(settings), "salesforce.")
            try:
                org.config.update(values)
            except (KeyError, ValueError, TypeError) as exc:
                raise AdminError(400, f"bad config value: {exc}") from None
        return json_response({"salesforce": org.config.as_dict()})


@bp.post("/snapshot")
def snapshot():
    name = str(check_keys(read_body(), ("name",)).get("name", "default"))
    return json_response({"snapshot": current_emulator().snapshot(name)})


@bp.post("/restore")
def restore():
    name = str(check_keys(read_body(), ("name",)).get("name", "default"))
    try:
        current_emulator().restore(name)
    except KeyError:
        raise AdminError(404, f"no snapshot named {name!r}") from None
    return json_response({"restored": name})


@bp.route("/snapshot/file", methods=["GET", "PUT"])
def snapshot_file():
    """The whole state as one shareable SQLite file (GET), or replaced by one (PUT).

    The file's secrets are encrypted with the passphrase of the ``X-Snapshot-Passphrase`` header.
    """
    passphrase = request.headers.get("X-Snapshot-Passphrase", "")
    if not passphrase:
        raise AdminError(400, "X-Snapshot-Passphrase header missing: a snapshot file's secrets are "
                              "encrypted with it")
    emulator = current_emulator()
    try:
        if request.method == "GET":
            return current_app.response_class(emulator.export_state_file(passphrase),
                                              mimetype="application/vnd.sqlite3")
        emulator.import_state_file(request.get_data(), passphrase)
    except ValueError as exc:  # StateFileError, StateKeyError
        raise AdminError(400, str(exc)) from None
    return json_response({"loaded": True})


# -- faults (see core/faults.py) -------------------------------------------------------------
@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """GET lists the active rules; POST adds one rule (or ``{"faults": [...]}``); DELETE clears them."""
    fault_set = current_emulator().faults
    if request.method == "POST":
        body = read_body()
        if "faults" in body:  # {"faults": [rule, ...]}; otherwise the body is one rule
            check_keys(body, ("faults",))
            if not isinstance(body["faults"], list):
                raise AdminError(400, "faults: must be a list of fault rules")
        try:
            added = fault_set.add_many(body["faults"]) if "faults" in body else [fault_set.add(body)]
        except FaultError as exc:
            raise AdminError(400, f"invalid fault rule: {exc}") from None
        return json_response({"faults": [rule.as_dict() for rule in added]}, 201)
    if request.method == "DELETE":
        fault_set.clear()
    return json_response({"faults": fault_set.rules()})


@bp.delete("/faults/<rule_id>")
def delete_fault(rule_id: str):
    if not current_emulator().faults.remove(rule_id):
        raise AdminError(404, f"no fault rule {rule_id!r}")
    return json_response({"deleted": rule_id})


@bp.post("/fixture")
def fixture():
    """Replace all state with a fixture (the ``fixtures/files.py`` format, ``data`` included).

    The same call as every other entry point (``Emulator.load_fixture``): clock,
    ids, journal and faults reset as with ``/reset``; later resets return to this fixture.
    """
    try:
        loaded = current_emulator().load_fixture(read_body(), "fixture")
    except (ValueError, TypeError) as exc:  # FixtureError is a ValueError
        raise AdminError(400, str(exc)) from None
    return json_response({"loaded": True, "records": loaded})
