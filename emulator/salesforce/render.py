"""Stored Python values -> Salesforce JSON values."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from .schema import SObjectSchema


def sf_datetime(moment: datetime) -> str:
    """``2013-05-07T22:07:19.000+0000`` (SPEC SF-REST-3)."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sf_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def attributes(sobject: str, record_id: str | None, version: str) -> dict:
    attrs = {"type": sobject}
    if record_id is not None:
        attrs["url"] = f"/services/data/{version}/sobjects/{sobject}/{record_id}"
    return attrs


def render_record(schema: SObjectSchema, record: dict, version: str,
                  field_names: list[str] | None = None) -> dict:
    """A record as GET /sobjects/{T}/{id} returns it: attributes then fields in describe order."""
    body: dict[str, Any] = {"attributes": attributes(schema.name, record["Id"], version)}
    if field_names is None:
        for f in schema.fields.values():
            body[f.name] = json_value(record.get(f.name))
    else:
        for name in field_names:
            body[name] = json_value(record.get(name))
    return body
