"""Turn a JSON record payload into stored values, enforcing SPEC SF-REST-5.

Checks run in the order the real API reports them: unknown fields, read-only
fields, JSON types, lengths, email format, restricted picklists, required
fields. Reference existence and uniqueness need other records and are checked
by the record service.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from ...core.clock import parse_instant
from ...core.ids import normalize_id
from ..errors import ErrorDetail, ValidationFailure
from .fields import FieldDef
from .schema import SObjectSchema

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_JSON_KIND = {str: "VALUE_STRING", bool: "VALUE_TRUE", int: "VALUE_NUMBER_INT", float: "VALUE_NUMBER_FLOAT",
              dict: "START_OBJECT", list: "START_ARRAY"}
_JAVA_TYPE = {"boolean": "boolean", "double": "double", "currency": "double", "percent": "double",
              "int": "int", "date": "date", "datetime": "datetime"}


def _parser_error(field_def: FieldDef, value: Any) -> ValidationFailure:
    kind = _JSON_KIND.get(type(value), "VALUE_STRING")
    if value is False:
        kind = "VALUE_FALSE"
    shown = {"START_OBJECT": "{", "START_ARRAY": "["}.get(kind, value)
    java = _JAVA_TYPE.get(field_def.type, "string")
    return ValidationFailure([ErrorDetail(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {java} from {kind} value {shown} or request may be missing a "
        f"required field")])


def _type_error(field_def: FieldDef, value: Any) -> ValidationFailure:
    return ValidationFailure([ErrorDetail(
        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{field_def.label}: value not of required type: {value}",
        [field_def.name])])


def coerce_value(field_def: FieldDef, value: Any) -> Any:
    """One JSON value -> the stored Python value for this field, or ValidationFailure."""
    if value is None:
        return None
    kind = field_def.type
    if isinstance(value, (dict, list)):
        raise _parser_error(field_def, value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(field_def, value)
    if kind in ("double", "currency", "percent", "int"):
        if isinstance(value, bool):
            raise _parser_error(field_def, value)
        try:
            number = float(value) if not isinstance(value, (int, float)) else value
        except ValueError:
            raise _parser_error(field_def, value) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise _parser_error(field_def, value)
        if kind == "int":
            if float(number) != int(number):
                raise _parser_error(field_def, value)
            return int(number)
        return float(number)
    if kind in ("date", "datetime"):
        if not isinstance(value, str):
            raise _type_error(field_def, value)
        try:
            if kind == "date":
                if len(value) != 10:
                    raise ValueError(value)
                return date.fromisoformat(value)
            if len(value) == 10:
                return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
            moment = parse_instant(value)
            return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        except ValueError:
            raise _parser_error(field_def, value) from None
    if kind in ("reference", "id"):
        if not isinstance(value, str):
            raise _type_error(field_def, value)
        if value == "":
            return None
        normalized = normalize_id(value)
        if normalized is None:
            raise ValidationFailure([ErrorDetail(
                "MALFORMED_ID", f"{field_def.label}: id value of incorrect type: {value}", [field_def.name])])
        return normalized
    # text-like types: Salesforce accepts scalars and stores their text
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    return text if text != "" else None


def check_value(field_def: FieldDef, value: Any) -> ErrorDetail | None:
    """Length, email and restricted-picklist checks of one stored value."""
    if value is None or not isinstance(value, str):
        return None
    if field_def.length and len(value) > field_def.length:
        return ErrorDetail("STRING_TOO_LONG",
                           f"{field_def.label}: data value too large: {value} (max length={field_def.length})",
                           [field_def.name])
    if field_def.type == "email" and not EMAIL_RE.match(value):
        return ErrorDetail("INVALID_EMAIL_ADDRESS", f"{field_def.label}: invalid email address: {value}",
                           [field_def.name])
    if field_def.restricted_picklist and value not in field_def.picklist:
        return ErrorDetail("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                           f"{field_def.label}: bad value for restricted picklist field: {value}",
                           [field_def.name])
    return None


def coerce_record(schema: SObjectSchema, payload: Any, *, creating: bool,
                  existing: dict | None = None) -> dict:
    """Validate a create/update payload and return ``{canonical field: stored value}``."""
    if not isinstance(payload, dict):
        raise ValidationFailure([ErrorDetail(
            "JSON_PARSER_ERROR", f"Cannot deserialize instance of {schema.name} from "
            f"{_JSON_KIND.get(type(payload), 'VALUE_STRING')} value or request may be missing a required field")])
    resolved: list[tuple[FieldDef, Any]] = []
    for key, value in payload.items():
        if key == "attributes":
            continue
        field_def = schema.field(key) if isinstance(key, str) else None
        if field_def is None:
            raise ValidationFailure([ErrorDetail(
                "INVALID_FIELD", f"No such column '{key}' on sobject of type {schema.name}")])
        resolved.append((field_def, value))
    read_only = [f.name for f, _ in resolved if not (f.createable if creating else f.updateable)]
    if read_only:
        raise ValidationFailure([ErrorDetail(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(read_only)}. Please check the security settings of "
            "this field and verify that it is read/write for your profile or permission set.", read_only)])
    values = {f.name: coerce_value(f, v) for f, v in resolved}
    for field_def, _ in resolved:
        problem = check_value(field_def, values[field_def.name])
        if problem is not None:
            raise ValidationFailure([problem])
    missing = missing_required(schema, values, creating=creating, existing=existing)
    if missing:
        raise ValidationFailure([ErrorDetail(
            "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)])
    return values


def missing_required(schema: SObjectSchema, values: dict, *, creating: bool,
                     existing: dict | None) -> list[str]:
    if creating:
        return [name for name in schema.required_names() if values.get(name) is None]
    return [name for name in schema.required_names() if name in values and values[name] is None]
