"""Stored Python values -> Salesforce JSON values."""
from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from typing import Any

from .schema import SObjectSchema


@functools.lru_cache(maxsize=65536)
def sf_datetime(moment: datetime) -> str:
    """``2013-05-07T22:07:19.000+0000`` (SPEC SF-REST-3); cached, as records share timestamps."""
    m = moment.astimezone(timezone.utc)
    return (f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
            f"{m.microsecond // 1000:03d}+0000")


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sf_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_ADDRESS_KEYS = ("street", "city", "state", "postalCode", "country", "latitude", "longitude", "geocodeAccuracy")


@functools.lru_cache(maxsize=256)
def _address_parts(components: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(JSON keys in the API's alphabetical order, the component fields in that order)."""
    pairs = sorted(zip(_ADDRESS_KEYS, components))
    return tuple(k for k, _ in pairs), tuple(n for _, n in pairs)


def compound_value(record: dict, components: tuple[str, ...]) -> dict | None:
    """An address field as the API reads it: its components under their keys, or null when all are."""
    keys, names = _address_parts(components)
    values = list(map(record.get, names))
    if values.count(None) == len(values):
        return None
    return dict(zip(keys, values))


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
        names, temporal = schema.render_plan()
        body.update(zip(names, map(record.get, names)))
        for name in temporal:
            value = body[name]
            if value is not None:
                body[name] = json_value(value)
        for name, components in schema.compound_plan():
            body[name] = compound_value(record, components)
    else:
        compounds = dict(schema.compound_plan())
        for name in field_names:
            components = compounds.get(name)
            body[name] = json_value(record.get(name)) if components is None else compound_value(record, components)
    return body
