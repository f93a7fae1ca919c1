"""Tooling API routes for custom fields (SPEC SF-REST-10).

* ``POST /services/data/vXX.X/tooling/sobjects/CustomField`` with
  ``{"FullName": "Contact.Segment_A__c", "Metadata": {"type": "LongTextArea", …}}``
  → 201 ``{"id", "success": true, "errors": [], "warnings": [], "infos": []}``;
* ``GET …/tooling/sobjects/CustomField/{id}`` → the Tooling record
  (``FullName``, ``Metadata``, ``TableEnumOrId``, ``DeveloperName`` …);
* ``DELETE …/tooling/sobjects/CustomField/{id}`` → 204;
* ``GET …/tooling/query?q=SELECT Id, DeveloperName FROM CustomField WHERE …``
  run by the SOQL engine over the org's custom fields. As in the real API,
  ``FullName`` and ``Metadata`` may only be selected when at most one row
  comes back.

The rules themselves live in :mod:`.custom_fields`.
"""
from __future__ import annotations

from datetime import datetime

from flask import g, request

from ...core.http import empty_response, json_response
from ..blueprint import sf_blueprint
from .custom_fields import all_custom_fields, create_custom_field, delete_custom_field, find_custom_field, tooling_row
from ..errors import SalesforceError, not_found
from ..sobjects.fields import FieldDef, system_fields
from ..sobjects.records import OrgData
from ..sobjects.render import json_value
from ..sobjects.requests_json import read_json
from ..sobjects.schema import SObjectSchema
from ..soql import execute
from ..sobjects.store import ObjectStore

bp = sf_blueprint("salesforce_tooling", __name__)

TOOLING_TYPES = {"customfield": "CustomField"}
_RO = {"createable": False, "updateable": False}
SINGLE_ROW_FIELDS = ("FullName", "Metadata")


def _tooling_type(name: str) -> str:
    found = TOOLING_TYPES.get(name.lower())
    if found is None:
        raise not_found()
    return found


def _url(version: str, record_id: str) -> str:
    return f"/services/data/{version}/tooling/sobjects/CustomField/{record_id}"


def render_row(row: dict, version: str, names: list[str] | None = None) -> dict:
    body = {"attributes": {"type": "CustomField", "url": _url(version, row["Id"])}}
    for name in names or [k for k in row if k != "IsDeleted"]:
        body[name] = json_value(row.get(name))
    return body


@bp.get("/<version>/tooling/sobjects")
def describe_global(version: str):
    """The Tooling objects this emulator serves, in describeGlobal shape."""
    summary = _custom_field_schema().summary(version)
    base = f"/services/data/{version}/tooling/sobjects/CustomField"
    summary.update(createable=True, deletable=True, urls={"sobject": base, "describe": f"{base}/describe",
                                                          "rowTemplate": f"{base}/{{ID}}"})
    return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [summary]})


@bp.post("/<version>/tooling/sobjects/<tooling_type>")
def create(version: str, tooling_type: str):
    _tooling_type(tooling_type)
    ctx = g.sf
    with ctx.backend.lock:
        payload = read_json()
        field_def = create_custom_field(ctx.data, ctx.backend.ids, ctx.now, ctx.session.user_id, payload)
        field_id = field_def.extra["tooling"]["Id"]
        return json_response({"id": field_id, "success": True, "errors": [], "warnings": [], "infos": []}, 201,
                             {"Location": _url(version, field_id)})


@bp.route("/<version>/tooling/sobjects/<tooling_type>/<record_id>", methods=["GET", "DELETE"])
def row(version: str, tooling_type: str, record_id: str):
    _tooling_type(tooling_type)
    ctx = g.sf
    with ctx.backend.lock:
        if request.method == "DELETE":
            delete_custom_field(ctx.data, record_id)
            return empty_response(204)
        obj, field_def = find_custom_field(ctx.data, record_id)
        return json_response(render_row(tooling_row(obj, field_def), version))


# -- tooling query ------------------------------------------------------------------------
def _custom_field_schema() -> SObjectSchema:
    obj = SObjectSchema("CustomField", "Custom Field", "Custom Fields", "00N", api_writable=False)
    text = [("TableEnumOrId", "Table Enum or ID", 40), ("DeveloperName", "Developer Name", 40),
            ("Description", "Description", 1000), ("NamespacePrefix", "Namespace Prefix", 15),
            ("ManageableState", "Manageable State", 40), ("FullName", "Full Name", 255),
            ("EntityDefinitionId", "Entity Definition ID", 40), ("InlineHelpText", "Help Text", 510),
            ("RelationshipLabel", "Relationship Label", 255), ("SummaryOperation", "Summary Operation", 40)]
    for f in system_fields():
        obj.add_field(f if f.type != "reference" else FieldDef(f.name, f.label, "string", 18, **_RO))
    for name, label, length in text:
        obj.add_field(FieldDef(name, label, "string", length, **_RO))
    obj.add_field(FieldDef("Length", "Length", "int", **_RO))
    obj.add_field(FieldDef("Metadata", "Metadata", "anyType", **_RO))
    return obj


class _ToolingSchema:
    """The one object the tooling query knows (``CustomField``), looked up like :class:`Schema`."""

    def __init__(self) -> None:
        self.custom_field = _custom_field_schema()

    def get(self, name: str) -> SObjectSchema | None:
        return self.custom_field if isinstance(name, str) and name.lower() == "customfield" else None


class _ToolingQueryContext:
    """A :class:`~.soql.QueryContext` over the org's custom fields."""

    def __init__(self, data: OrgData, version: str, now: datetime) -> None:
        self.schema = _ToolingSchema()
        self.version = version
        self._now = now
        self._store = ObjectStore(self.schema.custom_field)
        for obj, field_def in all_custom_fields(data):
            self._store.insert(tooling_row(obj, field_def))

    def store(self, sobject_name: str) -> ObjectStore:
        return self._store

    def now(self) -> datetime:
        return self._now


@bp.get("/<version>/tooling/query")
def query(version: str):
    """All rows at once (custom fields per org are few); no queryMore."""
    soql = request.args.get("q")
    if not soql:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string must be provided.")
    ctx = g.sf
    with ctx.backend.lock:
        qctx = _ToolingQueryContext(ctx.data, version, ctx.now)
        result = execute(soql, qctx)
        if result.is_count:
            return json_response({"size": result.total_size, "totalSize": result.total_size, "done": True,
                                  "queryLocator": None, "entityTypeName": "CustomField", "records": []})
        if len(result.records) > 1 and any(c in SINGLE_ROW_FIELDS for c in result.columns):
            raise SalesforceError(400, "MALFORMED_QUERY", "When retrieving results with Metadata or FullName "
                                  "fields, the query qualifications must specify no more than one row for "
                                  f"retrieval. Result size: {len(result.records)}")
        rows = [result.render(r) for r in result.records]
        for rendered in rows:
            if "url" in rendered.get("attributes", {}):
                rendered["attributes"]["url"] = rendered["attributes"]["url"].replace("/sobjects/",
                                                                                      "/tooling/sobjects/")
        return json_response({"size": len(rows), "totalSize": len(rows), "done": True, "queryLocator": None,
                              "entityTypeName": "CustomField", "records": rows})
