"""Admin routes over the profile store: ``/__emulator/aep/profiles`` and ``/__emulator/aep/segments``.

Same token rule as every ``/__emulator`` route. ``?org=`` and ``?sandbox=``
pick the sandbox (default: the fixture's org and default sandbox).
"""
from __future__ import annotations

from flask import Blueprint, request

from ...core.admin import AdminError, current_emulator, read_body, require_admin_token
from ...core.http import json_response
from .store import ProfileError, ProfileStore

bp = Blueprint("aep_profiles_admin", __name__, url_prefix="/__emulator/aep")
bp.before_request(require_admin_token)


def _store() -> ProfileStore:
    backend = current_emulator().aep
    org = request.args.get("org")
    name = request.args.get("sandbox")
    for (org_id, sandbox_name), sandbox in backend.sandboxes.items():
        if (org is None or org == org_id) and (name is None or name == sandbox_name):
            return sandbox.profiles
    raise AdminError(404, f"no sandbox {name or '(default)'!r} in org {org or '(default)'!r}")


def _run(action):
    backend = current_emulator().aep
    with backend.lock:
        try:
            return action(_store(), current_emulator().clock.now())
        except ProfileError as exc:
            raise AdminError(400, str(exc)) from None


@bp.get("/profiles")
def list_profiles():
    """Every profile as XDM; with ``?since=<seq>`` only those changed after it, and the new ``cursor``."""
    since = request.args.get("since")
    if since is not None and not since.isdigit():
        raise AdminError(400, "since must be a non-negative integer")

    def read(store: ProfileStore, _now):
        ids, cursor = store.changes_since(int(since)) if since is not None else (sorted(store.profiles), store.seq)
        return json_response({"profiles": [store.xdm(pid) for pid in ids], "cursor": cursor})
    return _run(read)


@bp.post("/profiles")
def put_profiles():
    """One profile, or ``{"profiles": [...]}``; each replaces any profile of the same id."""
    body = read_body()
    items = body["profiles"] if set(body) == {"profiles"} else [body]
    if not isinstance(items, list):
        raise AdminError(400, "profiles must be a list")
    return _run(lambda store, now: json_response(
        {"profiles": [store.put_profile(item, now) for item in items], "cursor": store.seq}, 201))


@bp.get("/profiles/<profile_id>")
def get_profile(profile_id: str):
    def read(store: ProfileStore, _now):
        if profile_id not in store.profiles:
            raise AdminError(404, f"no profile {profile_id!r}")
        return json_response(store.xdm(profile_id))
    return _run(read)


@bp.delete("/profiles/<profile_id>")
def delete_profile(profile_id: str):
    def delete(store: ProfileStore, _now):
        if not store.delete_profile(profile_id):
            raise AdminError(404, f"no profile {profile_id!r}")
        return json_response({"deleted": profile_id})
    return _run(delete)


@bp.get("/segments")
def list_segments():
    return _run(lambda store, _now: json_response({"segments": [
        {**s.as_dict(), "members": len(store.members(s.id))} for s in store.segments.values()]}))


@bp.post("/segments")
def put_segment():
    return _run(lambda store, _now: json_response(store.put_segment(read_body()).as_dict(), 201))


@bp.get("/segments/<segment_id>")
def get_segment(segment_id: str):
    def read(store: ProfileStore, _now):
        segment = store.segments.get(segment_id)
        if segment is None:
            raise AdminError(404, f"no segment {segment_id!r}")
        return json_response({**segment.as_dict(), "members": store.members(segment_id),
                              "exited": store.members(segment_id, ("exited",))})
    return _run(read)


@bp.post("/segments/<segment_id>/members")
def move_members(segment_id: str):
    """``{"enter": [profile ids], "exit": [profile ids]}``: a segment evaluation moving profiles in or out."""
    body = read_body()
    unknown = set(body) - {"enter", "exit"}
    if unknown:
        raise AdminError(400, f"unknown keys: {sorted(unknown)}")

    def move(store: ProfileStore, now):
        store.qualify(segment_id, body.get("enter", []), now)
        store.disqualify(segment_id, body.get("exit", []), now)
        return json_response({"members": store.members(segment_id),
                              "exited": store.members(segment_id, ("exited",)), "cursor": store.seq})
    return _run(move)
