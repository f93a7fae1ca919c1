"""What every Flow Service resource collection shares: ids, stamps, etags, If-Match, JSON Patch, lists.

A :class:`Collection` keeps the resources of one kind in one sandbox as the
API's own dicts; subclasses say how a body is validated (``build``), what a
resource looks like on the wire (``shown``), which paths a PATCH may not touch
and what must hold before a delete. No HTTP here: callers pass what the
request carried (``Caller``, ``now``, the If-Match value, the query pairs).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

import jsonpatch

from ..errors import FlowServiceError, bad_request, not_found
from .listing import ListQueryError, list_resources

PATCH_OPS = frozenset({"add", "replace", "remove"})
SYSTEM_PATHS = ("/id", "/createdAt", "/updatedAt", "/createdBy", "/updatedBy", "/createdClient",
                "/updatedClient", "/imsOrgId", "/sandboxId", "/sandboxName", "/etag", "/version")


@dataclass(frozen=True)
class Caller:
    """Who makes the call: the stamps every resource it creates or changes carries."""

    client_id: str
    org_id: str
    sandbox_id: str
    sandbox_name: str

    @property
    def actor(self) -> str:
        return f"{self.client_id}@AdobeID"

    def stamp(self) -> dict:
        return {"imsOrgId": self.org_id, "sandboxId": self.sandbox_id, "sandboxName": self.sandbox_name}


@dataclass
class Ids:
    """Fresh uuids and quoted etags (the backend's id source)."""

    uuid: Callable[[], str]
    etag: Callable[[datetime], str]
    source: Any = None  # the emulator's IdSource, for ids other services mint (Catalog batch ULIDs)


def epoch_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def etag_matches(if_match: str, etag: str) -> bool:
    """If-Match matches with or without the surrounding quotes (aepp sends them, curl users often don't)."""
    return if_match.strip().strip('"') == etag.strip('"')


def list_page(items: list[dict], params: list[tuple[str, str]], base_path: str,
              case_insensitive: frozenset[str] = frozenset()) -> dict:
    """A list answer, or the Flow Service error for a bad list parameter."""
    try:
        return list_resources(items, params, base_path, case_insensitive_paths=case_insensitive)
    except ListQueryError as error:
        raise bad_request(error.code, error.message) from None


class Collection:
    """The resources of one kind in one sandbox, keyed by id in creation order."""

    kind = "resources"  # the collection's path segment, also the ``type`` of its 404s
    not_updatable: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()  # keys the service computes: kept across a PATCH, never validated as input
    case_insensitive: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    # -- what subclasses say --------------------------------------------------------------
    def build(self, body: Any, context: Any) -> dict:
        """The validated body's fields as stored (raises FlowServiceError); subclasses override."""
        raise NotImplementedError

    def shown(self, resource: dict, context: Any) -> dict:
        """The resource as the API returns it."""
        return copy.deepcopy(resource)

    def check_delete(self, resource: dict, context: Any) -> None:
        """Raise when the resource may not be deleted now (nothing forbids it by default)."""

    def check_path(self, path: str) -> None:
        """1414-400 for a PATCH path the caller may not change (system, fixed or computed fields)."""
        derived = tuple("/" + k for k in self.derived)
        if any(path == p or path.startswith(p + "/") for p in (*SYSTEM_PATHS, *self.not_updatable, *derived)):
            raise bad_request("1414", f"The path {path} is not updatable.")

    # -- shared behaviour -----------------------------------------------------------------
    def get(self, resource_id: str) -> dict:
        found = self.items.get(resource_id)
        if found is None:
            raise not_found(self.kind, resource_id)
        return found

    def create(self, body: Any, context: Any, caller: Caller, ids: Ids, now: datetime) -> dict:
        fields = self.build(body, context)
        resource_id, etag, stamp = ids.uuid(), ids.etag(now), epoch_ms(now)
        resource = {"id": resource_id, "createdAt": stamp, "updatedAt": stamp, "createdBy": caller.actor,
                    "updatedBy": caller.actor, "createdClient": caller.client_id,
                    "updatedClient": caller.client_id, **caller.stamp(), **fields, "version": etag, "etag": etag}
        self.items[resource_id] = resource
        return resource

    def listed(self, context: Any, params: list[tuple[str, str]], base_path: str,
               selected: Iterable[dict] | None = None) -> dict:
        """Newest first, then the list parameters."""
        pool = reversed(list(self.items.values())) if selected is None else selected
        return list_page([self.shown(r, context) for r in pool], params, base_path, self.case_insensitive)

    def patch(self, resource_id: str, if_match: str | None, operations: Any, context: Any, caller: Caller,
              ids: Ids, now: datetime) -> dict:
        """RFC 6902 on the stored resource, re-validated as a whole; needs the current etag."""
        if not if_match:
            raise bad_request("1403", "The If-Match header is required for PATCH.")
        if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
            raise bad_request("1405", "The request body must be a JSON Patch list of operations.")
        resource = self.get(resource_id)
        if not etag_matches(if_match, resource["etag"]):
            raise FlowServiceError(412, "1404", "Precondition failed",
                                   f"The etag {if_match} does not match the current etag of {self.kind} "
                                   f"{resource_id}.")
        for op in operations:
            if op.get("op") not in PATCH_OPS:
                raise bad_request("1434", f"The patch operation {op.get('op')!r} is not supported.")
            self.check_path(str(op.get("path", "")))
        try:
            patched = jsonpatch.apply_patch(resource, operations)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as error:
            raise bad_request("1434", f"The patch cannot be applied: {error}") from None
        fields = self.build(self.editable(patched), context)
        etag = ids.etag(now)
        updated = {k: v for k, v in resource.items() if "/" + k in SYSTEM_PATHS}
        updated.update(fields)
        updated.update({k: resource[k] for k in self.derived if k in resource})
        updated.update(updatedAt=epoch_ms(now), updatedBy=caller.actor, updatedClient=caller.client_id,
                       version=etag, etag=etag)
        self.items[resource_id] = updated
        return updated

    def editable(self, resource: dict) -> dict:
        """The part of a stored resource a body could carry (what ``build`` validates after a PATCH)."""
        return {k: v for k, v in resource.items() if "/" + k not in SYSTEM_PATHS and k not in self.derived}

    def delete(self, resource_id: str, context: Any) -> None:
        resource = self.get(resource_id)
        self.check_delete(resource, context)
        del self.items[resource_id]
