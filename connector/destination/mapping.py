"""The field mapping of seed 000 and its validation against the object's describe.

Sources are XDM paths (`person.name.lastName`) or the identity namespace
`crmID`; targets are Salesforce field API names or the identity `SalesforceId`.
Each activated segment has a Mapping ID: the API name of a custom field of
the object that receives the segment status. Salesforce API names are
case-insensitive, so every name is matched ignoring case and replaced by the
describe's spelling.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import (InvalidMappingId, MissingIdentityMapping, MissingRequiredField, UnknownTargetField)

IDENTITY_SOURCE = "crmID"
IDENTITY_TARGET = "SalesforceId"
REQUIRED = {"Contact": ("LastName",), "Lead": ("LastName", "Company")}


@dataclass(frozen=True)
class FieldMapping:
    source: str
    target: str


@dataclass(frozen=True)
class SegmentMapping:
    segment_id: str
    mapping_id: str
    name: str = ""


@dataclass(frozen=True)
class ValidatedMapping:
    """A mapping the destination accepted: target names as the describe spells them."""

    sobject: str
    attributes: tuple[FieldMapping, ...]
    segments: tuple[SegmentMapping, ...]

    @property
    def fields(self) -> list[str]:
        return [m.target for m in self.attributes] + [s.mapping_id for s in self.segments]


def standard_mapping(id_type: str) -> list[FieldMapping]:
    """Seed 000's example mappings for Contacts or Leads."""
    mappings = [FieldMapping(IDENTITY_SOURCE, IDENTITY_TARGET), FieldMapping("person.name.lastName", "LastName"),
                FieldMapping("person.name.firstName", "FirstName"), FieldMapping("personalEmail.address", "Email")]
    if id_type == "Lead":
        mappings = [m for m in mappings if m.target != "FirstName"] + [FieldMapping("b2b.companyName", "Company")]
    return mappings


def validate(id_type: str, mappings: list[FieldMapping], segments: list[SegmentMapping],
             describe: dict[str, Any]) -> ValidatedMapping:
    """Check a mapping before any export; raise the `MappingError` naming the first field at fault."""
    by_name = {f["name"].lower(): f for f in describe.get("fields", [])}
    identity = [m for m in mappings if m.target.lower() == IDENTITY_TARGET.lower()]
    if not any(m.source == IDENTITY_SOURCE for m in identity):
        raise MissingIdentityMapping(IDENTITY_TARGET, f"the identity {IDENTITY_SOURCE} must be mapped to "
                                                      f"{IDENTITY_TARGET} (required)")
    attributes = []
    for mapping in mappings:
        if mapping in identity:
            continue
        found = by_name.get(mapping.target.lower())
        if found is None:
            raise UnknownTargetField(mapping.target, f"no field {mapping.target} on {id_type}")
        attributes.append(FieldMapping(mapping.source, found["name"]))
    mapped = {m.target.lower() for m in attributes}
    for required in REQUIRED[id_type]:
        if required.lower() not in mapped:
            raise MissingRequiredField(required, f"{required} is required for {id_type} and has no mapping")
    checked = []
    for segment in segments:
        name = segment.mapping_id
        if not name or any(c.isspace() for c in name):
            raise InvalidMappingId(name, f"the Mapping ID of segment {segment.segment_id} must be a custom "
                                         "field API name without spaces (use _ as a separator)")
        found = by_name.get(name.lower())
        if found is None or not found.get("custom"):
            raise InvalidMappingId(name, f"the Mapping ID of segment {segment.segment_id} is not an existing "
                                         f"custom field of {id_type}")
        checked.append(SegmentMapping(segment.segment_id, found["name"], segment.name))
    return ValidatedMapping(id_type, tuple(attributes), tuple(checked))


def xdm_value(profile: dict[str, Any], path: str | tuple[str, ...]) -> Any:
    """The value at a dotted XDM path (or its parts), or None."""
    value: Any = profile
    for part in path.split(".") if isinstance(path, str) else path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def crm_id(profile: dict[str, Any]) -> str | None:
    """The Salesforce id from `identityMap.crmID` (the primary entry, else the first)."""
    entries = (profile.get("identityMap") or {}).get(IDENTITY_SOURCE) or []
    entries = [e for e in entries if isinstance(e, dict) and e.get("id")]
    primary = [e for e in entries if e.get("primary")]
    return (primary or entries or [{}])[0].get("id")
