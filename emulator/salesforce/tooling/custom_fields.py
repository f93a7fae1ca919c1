"""Custom fields of an org, as the Tooling API's ``CustomField`` sees them (SPEC SF-REST-10). No HTTP.

A custom field lives in the org's schema as a :class:`FieldDef` with
``custom=True``; its Tooling record (Id with key prefix ``00N``, Metadata,
audit fields) rides in ``FieldDef.extra["tooling"]``, so it is reset,
snapshotted and restored with the schema. Creating a field makes it usable at
once in describe, record writes and SOQL; deleting it drops the column from
every record and frees a slot of the per-object cap
(``OrgConfig.custom_field_cap``, counted over every custom field or only the
external-id/unique ones, per ``custom_field_cap_scope``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...core.ids import IdSource, normalize_id
from ..errors import SalesforceError
from ..sobjects.fields import FieldDef
from ..sobjects.records import OrgData
from ..sobjects.schema import SObjectSchema

KEY_PREFIX = "00N"
MAX_NAME_LENGTH = 40  # characters before the __c suffix
_NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$")
NAME_RULES = ("The Field Name can only contain underscores and alphanumeric characters. It must be unique, "
              "begin with a letter, not include spaces, not end with an underscore, and not contain two "
              "consecutive underscores.")
BODY_FIELDS = {"fullname": "FullName", "metadata": "Metadata", "developername": "DeveloperName",
               "tableenumorid": "TableEnumOrId", "description": "Description", "inlinehelptext": "InlineHelpText"}
METADATA_KEYS = (
    "businessOwnerGroup", "businessOwnerUser", "businessStatus", "caseSensitive", "complianceGroup",
    "customDataType", "defaultValue", "deleteConstraint", "deprecated", "description", "displayFormat",
    "displayLocationInDecimal", "encryptionScheme", "escapeMarkup", "externalDeveloperName", "externalId",
    "fieldManageability", "formula", "formulaTreatBlanksAs", "fullName", "inlineHelpText", "isAIPredictionField",
    "isConvertLeadDisabled", "isFilteringDisabled", "isNameField", "isSortingDisabled", "label", "length",
    "lookupFilter", "maskChar", "maskType", "metadataRelationshipControllingField", "populateExistingRows",
    "precision", "readOnlyProxy", "referenceTargetField", "referenceTo", "relationshipLabel", "relationshipName",
    "relationshipOrder", "reparentableMasterDetail", "required", "restrictedAdminField", "scale",
    "securityClassification", "startingNumber", "stripMarkup", "summarizedField", "summaryFilterItems",
    "summaryForeignKey", "summaryOperation", "trackFeedHistory", "trackHistory", "trackTrending", "type",
    "unique", "valueSet", "visibleLines", "writeRequiresMasterRead")

METADATA_FLAGS = {k: False for k in ("externalId", "required", "unique", "trackFeedHistory", "trackHistory",
                                     "trackTrending")}


@dataclass(frozen=True)
class FieldType:
    """How one Metadata ``type`` maps onto a describe field type."""

    sf_type: str
    length_range: tuple[int, int] | None = None  # length required within this range
    fixed_length: int = 0
    keyable: bool = False  # may be externalId / unique


FIELD_TYPES: dict[str, FieldType] = {
    "LongTextArea": FieldType("textarea", (256, 131072)),
    "TextArea": FieldType("textarea", fixed_length=255),
    "Text": FieldType("string", (1, 255), keyable=True),
    "Checkbox": FieldType("boolean"),
    "Number": FieldType("double", keyable=True),
    "Date": FieldType("date"),
    "DateTime": FieldType("datetime"),
    "Email": FieldType("email", fixed_length=80, keyable=True),
    "Phone": FieldType("phone", fixed_length=40),
    "Url": FieldType("url", fixed_length=255),
    "Picklist": FieldType("picklist", fixed_length=255),
}


def _error(code: str, message: str, fields: tuple[str, ...] | list[str] | None = None,
           status: int = 400) -> SalesforceError:
    """A Tooling error; ``fields=None`` leaves ``fields`` out, as for errors not about a field."""
    return SalesforceError(status, code, message, list(fields) if fields is not None else None)


def _integrity(message: str, fields: list[str] | None = None) -> SalesforceError:
    return _error("FIELD_INTEGRITY_EXCEPTION", message, fields)


# -- lookups --------------------------------------------------------------------------
def tooling_info(field_def: FieldDef) -> dict | None:
    return field_def.extra.get("tooling")


def all_custom_fields(data: OrgData) -> list[tuple[SObjectSchema, FieldDef]]:
    """Every Tooling-visible custom field of the org, by object then creation."""
    found = []
    for obj in data.schema.all():
        found.extend((obj, f) for f in obj.custom_fields() if tooling_info(f) is not None)
    return found


def find_custom_field(data: OrgData, field_id: str) -> tuple[SObjectSchema, FieldDef]:
    """The field with this Tooling id, or 404 NOT_FOUND."""
    normalized = normalize_id(field_id)
    if normalized is not None and normalized.startswith(KEY_PREFIX):
        for obj, field_def in all_custom_fields(data):
            if tooling_info(field_def)["Id"] == normalized:
                return obj, field_def
    raise _error("NOT_FOUND", "The requested resource does not exist", status=404)


# -- create ---------------------------------------------------------------------------
def _target(data: OrgData, payload: dict) -> tuple[SObjectSchema, str]:
    """(object, field API name) from ``FullName`` or ``TableEnumOrId`` + ``DeveloperName``."""
    full_name = payload.get("FullName")
    if full_name is None and payload.get("TableEnumOrId") is not None and payload.get("DeveloperName") is not None:
        full_name = f"{payload['TableEnumOrId']}.{payload['DeveloperName']}__c"
    if full_name is None:
        raise _error("REQUIRED_FIELD_MISSING", "Required fields are missing: [FullName]", ["FullName"])
    if not isinstance(full_name, str) or full_name.count(".") != 1:
        raise _integrity(f"Invalid fullName: {full_name}. A custom field's fullName is Object.Field__c",
                         ["FullName"])
    object_name, api_name = full_name.split(".")
    obj = data.schema.get(object_name)
    if obj is None:
        raise _integrity(f"Cannot find the object {object_name} of {full_name}", ["TableEnumOrId"])
    if not api_name.endswith("__c"):
        raise _integrity("Invalid fullName, must end in a custom suffix ( for ex. __c )", ["FullName"])
    developer_name = api_name[:-3]
    if not _NAME_RE.match(developer_name) or developer_name.endswith("_"):
        raise _integrity(NAME_RULES, ["DeveloperName"])
    if len(developer_name) > MAX_NAME_LENGTH:
        raise _error("STRING_TOO_LONG", f"Field Name: data value too large: {developer_name} "
                     f"(max length={MAX_NAME_LENGTH})", ["DeveloperName"])
    existing = obj.field(api_name)
    if existing is not None:
        raise _error("DUPLICATE_DEVELOPER_NAME", f"There is already a field named {existing.name[:-3]} on "
                     f"{obj.name}.", ["DeveloperName"])
    return obj, api_name


def _metadata(payload: dict) -> dict:
    metadata = payload.get("Metadata")
    if not isinstance(metadata, dict):
        raise _error("REQUIRED_FIELD_MISSING", "Required fields are missing: [Metadata]", ["Metadata"])
    unknown = [k for k in metadata if k not in METADATA_KEYS]
    if unknown:
        raise _error("JSON_PARSER_ERROR", f"Unrecognized field \"{unknown[0]}\" in CustomField Metadata", None)
    for key in ("type", "label"):
        if metadata.get(key) in (None, ""):
            raise _error("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{key}]", [key])
    if metadata["type"] not in FIELD_TYPES:
        raise _error("JSON_PARSER_ERROR", f"Cannot deserialize instance of fieldtype from VALUE_STRING value "
                     f"{metadata['type']} or request may be missing a required field", None)
    if not isinstance(metadata["label"], str) or len(metadata["label"]) > 40:
        raise _integrity(f"Label: data value too large or not text: {metadata['label']} (max length=40)", ["label"])
    return metadata


def _int(metadata: dict, key: str, default: int | None) -> int | None:
    value = metadata.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise _integrity(f"{key}: value not of required type: {value}", [key])
    return int(value)


def _picklist(metadata: dict) -> tuple[tuple[str, ...], bool, str | None]:
    value_set = metadata.get("valueSet")
    definition = value_set.get("valueSetDefinition") if isinstance(value_set, dict) else None
    values = definition.get("value") if isinstance(definition, dict) else None
    if not isinstance(values, list) or not values or not all(
            isinstance(v, dict) and isinstance(v.get("fullName"), str) for v in values):
        raise _integrity("Picklist: you must enter at least one value in valueSet.valueSetDefinition.value",
                         ["valueSet"])
    default = next((v["fullName"] for v in values if v.get("default") is True), None)
    return tuple(v["fullName"] for v in values), bool(value_set.get("restricted")), default


def build_field(api_name: str, metadata: dict) -> FieldDef:
    """The describe-level field for a CustomField Metadata block (errors in the Tooling API's words)."""
    kind = FIELD_TYPES[metadata["type"]]
    length = kind.fixed_length
    if kind.length_range is not None:
        length = _int(metadata, "length", None)
        low, high = kind.length_range
        if length is None:
            raise _error("REQUIRED_FIELD_MISSING", "Required fields are missing: [length]", ["length"])
        if not low <= length <= high:
            raise _integrity(f"Length: the length must be between {low} and {high}: {length}", ["length"])
    external_id, unique = bool(metadata.get("externalId")), bool(metadata.get("unique"))
    if (external_id or unique) and not kind.keyable:
        raise _integrity(f"Only Text, Number and Email fields can be External ID or Unique, not "
                         f"{metadata['type']}", ["externalId" if external_id else "unique"])
    extra: dict[str, Any] = {}
    default: Any = None
    picklist: tuple[str, ...] = ()
    restricted = False
    precision = scale = 0
    if kind.sf_type == "boolean":
        raw = metadata.get("defaultValue", False)
        default = raw if isinstance(raw, bool) else str(raw).strip().lower() == "true"
    elif kind.sf_type == "double":
        precision, scale = _int(metadata, "precision", 18), _int(metadata, "scale", 0)
        if not 1 <= precision <= 18 or not 0 <= scale <= precision:
            raise _integrity(f"Precision must be between 1 and 18 and scale between 0 and precision: "
                             f"{precision}, {scale}", ["precision"])
    elif kind.sf_type == "picklist":
        picklist, restricted, default = _picklist(metadata)
    required = bool(metadata.get("required")) and kind.sf_type != "boolean"
    return FieldDef(api_name, metadata["label"], kind.sf_type, length, nillable=kind.sf_type != "boolean"
                    and not required, custom=True, external_id=external_id, unique=unique, default=default,
                    picklist=picklist, restricted_picklist=restricted, precision=precision, scale=scale,
                    extra=extra)


def cap_counts(obj: SObjectSchema, scope: str, field_def: FieldDef) -> tuple[bool, int]:
    """(whether the new field counts against the cap, how many fields already count)."""
    if scope == "unique_external":
        keyed = [f for f in obj.custom_fields() if f.external_id or f.unique]
        return field_def.external_id or field_def.unique, len(keyed)
    return True, len(obj.custom_fields())


def create_custom_field(data: OrgData, ids: IdSource, now: datetime, user_id: str, payload: Any) -> FieldDef:
    """Validate a Tooling ``CustomField`` body and add the field to its object."""
    if not isinstance(payload, dict):
        raise _error("JSON_PARSER_ERROR", "Cannot deserialize instance of CustomField from the request body", None)
    unknown = [k for k in payload if not isinstance(k, str) or k.lower() not in BODY_FIELDS]
    if unknown:
        raise _error("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type CustomField", None)
    payload = {BODY_FIELDS[k.lower()]: v for k, v in payload.items()}
    obj, api_name = _target(data, payload)
    metadata = _metadata(payload)
    field_def = build_field(api_name, metadata)
    config = data.org.config
    counts, used = cap_counts(obj, config.custom_field_cap_scope, field_def)
    if counts and used >= config.custom_field_cap:
        what = ("external ID and unique fields" if config.custom_field_cap_scope == "unique_external"
                else "custom fields")
        raise _error("LIMIT_EXCEEDED", f"Custom field limit exceeded: {obj.name} already has {used} {what} and "
                     f"the limit is {config.custom_field_cap} per object. Delete a custom field to free a slot.")
    stamp = now.replace(microsecond=0)
    description = payload.get("Description", metadata.get("description"))
    field_def.extra["tooling"] = {
        "Id": ids.new_id(KEY_PREFIX), "Metadata": {**{k: None for k in METADATA_KEYS}, **METADATA_FLAGS, **metadata,
                                                     "description": description, "fullName": None},
        "Description": description, "InlineHelpText": payload.get("InlineHelpText", metadata.get("inlineHelpText")),
        "CreatedDate": stamp, "CreatedById": user_id, "LastModifiedDate": stamp, "LastModifiedById": user_id}
    obj.add_field(field_def)
    store = data.store(obj.name)
    if field_def.external_id or field_def.unique:
        store.ensure_index(field_def.name)
    if field_def.type == "boolean":  # a checkbox is never null: existing rows take its default
        for record in store.records.values():
            record[field_def.name] = field_def.default
        store.mark_all_changed()
    return field_def


def delete_custom_field(data: OrgData, field_id: str) -> FieldDef:
    """Remove the field from its object and its values from every record; frees a cap slot."""
    obj, field_def = find_custom_field(data, field_id)
    obj.remove_field(field_def.name)
    store = data.stores.get(obj.name)
    if store is not None:
        store.drop_field(field_def.name)
    return field_def


def tooling_row(obj: SObjectSchema, field_def: FieldDef) -> dict:
    """The Tooling ``CustomField`` record of a field (stored values; ``Metadata`` as a dict)."""
    info = tooling_info(field_def)
    return {
        "Id": info["Id"], "IsDeleted": False, "TableEnumOrId": obj.name, "DeveloperName": field_def.name[:-3],
        "Description": info["Description"], "Length": field_def.length if field_def.is_text else 0,
        "NamespacePrefix": None, "ManageableState": "unmanaged", "FullName": f"{obj.name}.{field_def.name}",
        "Metadata": info["Metadata"], "EntityDefinitionId": obj.name, "InlineHelpText": info["InlineHelpText"],
        "RelationshipLabel": None, "SummaryOperation": None, "CreatedDate": info["CreatedDate"],
        "CreatedById": info["CreatedById"], "LastModifiedDate": info["LastModifiedDate"],
        "LastModifiedById": info["LastModifiedById"], "SystemModstamp": info["LastModifiedDate"],
    }
