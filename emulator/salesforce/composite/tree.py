"""sObject Tree (SPEC SF-REST-7): ``POST /composite/tree/{T}`` creates record trees all-or-nothing.

Up to 200 records in all, of at most 5 types, nested at most 5 levels deep
through child relationships (``"Contacts": {"records": [...]}``). Each record
names a unique ``attributes.referenceId``. Records are created level by level
(every root, then every second-level record, ...), children get their parent's
new id in the relationship field. Success: 201 ``{"hasErrors": false,
"results": [{"referenceId", "id"}]}``; any failure rolls everything back and
answers 400 with the failing records' ``referenceId`` and ``errors``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g

from ...core.http import json_response
from ..blueprint import sf_blueprint
from .collections import bad_request, record_errors
from ..errors import ErrorDetail, SalesforceError, ValidationFailure
from ..sobjects.fields import FieldDef
from ..sobjects.records import Records
from ..sobjects.requests_json import read_json
from ..sobjects.schema import Schema, SObjectSchema

bp = sf_blueprint("salesforce_tree", __name__)

MAX_RECORDS = 200
MAX_TYPES = 5
MAX_DEPTH = 5
SPECIAL_CHILD_NAMES = {("Account", "ParentId"): "ChildAccounts"}


@dataclass
class Node:
    """One record of the tree; ``id`` is set once it is created."""

    reference_id: Any
    schema: SObjectSchema
    payload: dict
    level: int
    parent: ParentLink | None = None
    id: str | None = None


@dataclass(frozen=True)
class ParentLink:
    """A child record's parent and the child's reference field that gets the parent's new id."""

    node: Node
    field: str


class TreeProblem(Exception):
    """A record the tree cannot hold (bad attributes, duplicate referenceId)."""

    def __init__(self, reference_id: Any, code: str, message: str) -> None:
        super().__init__(message)
        self.reference_id = reference_id
        self.errors = [ErrorDetail(code, message).record_result()]


def child_relationship_name(child: SObjectSchema, field_def: FieldDef) -> str:
    named = field_def.extra.get("childRelationshipName") or SPECIAL_CHILD_NAMES.get((child.name, field_def.name))
    if named:
        return named
    plural = child.label_plural.replace(" ", "")
    return f"{plural}__r" if child.custom or field_def.custom else plural


def child_relationship(schema: Schema, parent: SObjectSchema, name: str) -> tuple[SObjectSchema, FieldDef] | None:
    """The child object and its reference field behind ``parent``'s child relationship ``name``."""
    lowered = name.lower()
    for child in schema.objects.values():
        for field_def in child.fields.values():
            if (field_def.type == "reference" and parent.name in field_def.reference_to
                    and child_relationship_name(child, field_def).lower() == lowered):
                return child, field_def
    return None


def _records_of(value: Any) -> list | None:
    if isinstance(value, dict) and set(value) == {"records"} and isinstance(value["records"], list):
        return value["records"]
    return None


def collect(schema: Schema, raw: list, expected: SObjectSchema, level: int, parent: ParentLink | None,
            nodes: list[Node]) -> None:
    """Flatten one level of the tree into ``nodes`` (depth first, request order)."""
    for record in raw:
        if not isinstance(record, dict):
            raise bad_request("JSON_PARSER_ERROR", "Cannot deserialize the request body: every record must be a "
                              "JSON object")
        attributes = record.get("attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        reference_id = attributes.get("referenceId")
        if not isinstance(reference_id, str) or not reference_id[:1].isalnum():
            raise TreeProblem(reference_id, "INVALID_INPUT", "Each record must have an attributes.referenceId "
                              "that starts with a letter or a number")
        kind = attributes.get("type")
        if not isinstance(kind, str) or kind.lower() != expected.name.lower():
            raise TreeProblem(reference_id, "INVALID_TYPE", f"The record type must be {expected.name}, not {kind}")
        if level > MAX_DEPTH:
            raise bad_request("INVALID_INPUT", f"The sObject tree is deeper than the maximum of {MAX_DEPTH} levels")
        node = Node(reference_id, expected, {}, level, parent)
        nodes.append(node)
        for key, value in record.items():
            children = _records_of(value) if key != "attributes" else None
            relation = child_relationship(schema, expected, key) if children is not None else None
            if relation is None:
                if key != "attributes":
                    node.payload[key] = value
                continue
            child, via = relation
            collect(schema, children, child, level + 1, ParentLink(node, via.name), nodes)


class DuplicateReferences(Exception):
    def __init__(self, reference_ids: list[str]) -> None:
        super().__init__("duplicate referenceId")
        self.reference_ids = reference_ids


def check_limits(nodes: list[Node]) -> None:
    if len(nodes) > MAX_RECORDS:
        raise bad_request("LIMIT_EXCEEDED", f"A request can contain at most {MAX_RECORDS} records; this one has "
                          f"{len(nodes)}.")
    if len({n.schema.name for n in nodes}) > MAX_TYPES:
        raise bad_request("LIMIT_EXCEEDED", f"A request can contain records of at most {MAX_TYPES} types.")
    seen: dict[str, int] = {}
    for node in nodes:
        seen[node.reference_id] = seen.get(node.reference_id, 0) + 1
    duplicates = [n.reference_id for n in nodes if seen[n.reference_id] > 1]
    if duplicates:
        raise DuplicateReferences(duplicates)


def _failure(results: list[dict]):
    return json_response({"hasErrors": True, "results": results}, 400)


@bp.post("/<version>/composite/tree/<sobject>")
def tree(version: str, sobject: str):
    """Create one or more record trees, all or nothing (SF-REST-7)."""
    ctx = g.sf
    body = read_json()
    raw = body.get("records") if isinstance(body, dict) else None
    if not isinstance(raw, list) or not raw:
        raise bad_request("JSON_PARSER_ERROR", "Cannot deserialize the request body: records must be a non-empty "
                          "array of JSON objects")
    with ctx.backend.lock:
        records: Records = ctx.records()
        root = records.schema(sobject)
        nodes: list[Node] = []
        try:
            collect(records.data.schema, raw, root, 1, None, nodes)
            check_limits(nodes)
        except TreeProblem as problem:
            return _failure([{"referenceId": problem.reference_id, "errors": problem.errors}])
        except DuplicateReferences as duplicates:
            return _failure([{"referenceId": ref, "errors": [ErrorDetail(
                "INVALID_INPUT", f"Duplicate ReferenceId provided in the request: {ref}").record_result()]}
                for ref in duplicates.reference_ids])
        mark = records.savepoint()
        created: list[Node] = []
        for node in sorted(nodes, key=lambda n: n.level):
            payload = dict(node.payload)
            if node.parent is not None:
                payload[node.parent.field] = node.parent.node.id
            try:
                node.id = records.create(node.schema.name, payload)["Id"]
            except (ValidationFailure, SalesforceError) as problem:
                records.rollback(mark)
                return _failure([{"referenceId": node.reference_id, "errors": record_errors(problem)}])
            created.append(node)
        return json_response({"hasErrors": False, "results": [
            {"referenceId": n.reference_id, "id": n.id} for n in created]}, 201)
