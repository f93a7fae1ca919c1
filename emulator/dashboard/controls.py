"""Clock and fault controls: forms that call the control plane (``emulator/control.py``, ``core/faults.py``).

Every form posts here with its CSRF token (checked in :func:`.auth.guard`), then
the browser is sent back to the page it came from (303) with a one-line message.
"""
from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for

from ..control import ControlError
from .blueprint import bp, emulator, paged

FAULT_METHODS = ("", "GET", "POST", "PATCH", "PUT", "DELETE")


def _back(default: str = "dashboard.controls"):
    """Back to the page the form is on (a dashboard path only), else the controls page."""
    target = request.form.get("back", "")
    if not target.startswith(bp.url_prefix) or "//" in target or "\\" in target:
        target = url_for(default)
    return redirect(target, 303)


@bp.get("/controls")
def controls():
    emu = emulator()
    return render_template("controls.html", clock=emu.clock.state(), faults=paged(emu.active_faults()),
                           methods=FAULT_METHODS)


@bp.post("/clock")
def clock():
    """``action``: advance (by ``duration``), set (to ``instant``), freeze or unfreeze."""
    emu = emulator()
    action = request.form.get("action", "")
    try:
        if action == "advance":
            duration = request.form.get("duration", "").strip()
            if not duration:
                raise ValueError("give a duration such as 1d, 2h or 90m")
            moved = emu.advance_clock(duration)
            flash(f"Clock advanced by {duration}: now {moved.isoformat(timespec='seconds')}", "ok")
        elif action == "set":
            moved = emu.set_clock(request.form.get("instant", "").strip())
            flash(f"Clock set to {moved.isoformat(timespec='seconds')}", "ok")
        elif action == "freeze":
            emu.freeze_clock()
            flash("Clock frozen: it moves only when advanced or set", "ok")
        elif action == "unfreeze":
            emu.unfreeze_clock()
            flash("Clock running again", "ok")
        else:
            raise ValueError(f"unknown clock action {action!r}")
    except ValueError as exc:
        flash(f"Clock unchanged: {exc}", "error")
    return _back()


def _int_field(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise ControlError(f"{name}: must be a whole number, not {raw!r}")
    return int(raw)


def fault_rule() -> dict:
    """The rule a fault form describes (the keys of ``POST /__emulator/faults``)."""
    rule: dict = {"path": request.form.get("path", "").strip() or "*"}
    method = request.form.get("method", "").strip().upper()
    if method:
        rule["method"] = method
    for name in ("status", "latency_ms"):
        value = _int_field(name)
        if value is not None:
            rule[name] = value
    count = _int_field("count")
    if count is not None:
        rule["drop" if request.form.get("count_mode", "times") == "drop" else "times"] = count
    for flag in ("expire_tokens", "exhaust_api_limit"):
        if request.form.get(flag):
            rule[flag] = True
    body = request.form.get("body", "").strip()
    if body:
        try:
            rule["body"] = json.loads(body)
        except ValueError as exc:
            raise ControlError(f"body: not valid JSON ({exc})") from None
    return rule


@bp.post("/faults")
def add_fault():
    try:
        added = emulator().inject_fault(**fault_rule())
        flash(f"Fault {added['id']} active on {added['path']}", "ok")
    except ControlError as exc:
        flash(f"No fault added: {exc}", "error")
    return _back()


@bp.post("/faults/clear")
def clear_faults():
    emulator().clear_faults()
    flash("Every fault rule removed", "ok")
    return _back()


@bp.post("/faults/<rule_id>/delete")
def delete_fault(rule_id: str):
    if emulator().faults.remove(rule_id):
        flash(f"Fault {rule_id} removed", "ok")
    else:
        flash(f"No fault rule {rule_id}", "error")
    return _back()
