"""Field metadata: one :class:`FieldDef` per field, rendered by describe."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# Salesforce field type -> SOAP type, used by describe.
SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "textarea": "xsd:string",
    "email": "xsd:string", "phone": "xsd:string", "url": "xsd:string", "picklist": "xsd:string",
    "multipicklist": "xsd:string", "boolean": "xsd:boolean", "double": "xsd:double",
    "currency": "xsd:double", "percent": "xsd:double", "int": "xsd:int", "date": "xsd:date",
    "datetime": "xsd:dateTime", "address": "urn:address",
}
TEXT_TYPES = {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "id", "reference"}


@dataclass(frozen=True)
class FieldDef:
    """One field of an sObject, with the metadata the real describe gives."""

    name: str
    label: str
    type: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    custom: bool = False
    external_id: bool = False
    unique: bool = False
    default: Any = None
    picklist: tuple[str, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    precision: int = 0
    scale: int = 0
    name_field: bool = False
    id_lookup: bool = False
    defaulted_on_create: bool = False
    auto_number: bool = False
    compound_field_name: str | None = None
    components: tuple[str, ...] = ()  # a compound (address) field: the fields it is read from
    filterable_flag: bool | None = None  # None: derived from the type
    digits: int = 0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def required(self) -> bool:
        """Required on create: not nillable, writable and without a default."""
        return (not self.nillable and self.createable and self.default is None
                and not self.defaulted_on_create and self.type != "boolean")

    @property
    def filterable(self) -> bool:
        if self.filterable_flag is not None:
            return self.filterable_flag
        return self.type != "textarea" or self.length <= 255

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    def describe(self) -> dict:
        length = self.length if self.is_text else 0
        return {
            "aggregatable": self.type not in ("textarea", "address"),
            "autoNumber": self.auto_number,
            "byteLength": length * 3,
            "calculated": False,
            "caseSensitive": False,
            "compoundFieldName": self.compound_field_name,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default,
            "defaultedOnCreate": (self.default is not None or self.defaulted_on_create or self.type == "boolean"
                                  or self.name in SYSTEM_DEFAULTED),
            "digits": self.digits or (9 if self.type == "int" else 0),
            "externalId": self.external_id,
            "filterable": self.filterable,
            "groupable": self.filterable and self.type not in ("textarea", "double", "currency", "datetime"),
            "idLookup": self.id_lookup or self.external_id or self.type == "id",
            "label": self.label,
            "length": length,
            "name": self.name,
            "nameField": self.name_field,
            "nillable": self.nillable,
            "picklistValues": [
                {"active": True, "defaultValue": value == self.default, "label": value, "validFor": None,
                 "value": value} for value in self.picklist],
            "precision": self.precision,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "soapType": SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": self.filterable,
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
        }


SYSTEM_DEFAULTED = {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                    "LastModifiedById", "SystemModstamp", "OwnerId"}


def text(name: str, label: str, length: int, **kw: Any) -> FieldDef:
    return FieldDef(name, label, "string", length, **kw)


def system_fields() -> list[FieldDef]:
    """Fields every record carries (SPEC SF-REST-2)."""
    ro = {"createable": False, "updateable": False}
    return [
        FieldDef("Id", "Record ID", "id", 18, nillable=False, **ro),
        FieldDef("IsDeleted", "Deleted", "boolean", nillable=False, **ro),
        FieldDef("CreatedDate", "Created Date", "datetime", nillable=False, **ro),
        FieldDef("CreatedById", "Created By ID", "reference", 18, nillable=False, reference_to=("User",),
                 relationship_name="CreatedBy", **ro),
        FieldDef("LastModifiedDate", "Last Modified Date", "datetime", nillable=False, **ro),
        FieldDef("LastModifiedById", "Last Modified By ID", "reference", 18, nillable=False,
                 reference_to=("User",), relationship_name="LastModifiedBy", **ro),
        FieldDef("SystemModstamp", "System Modstamp", "datetime", nillable=False, **ro),
    ]


def owner_field() -> FieldDef:
    return FieldDef("OwnerId", "Owner ID", "reference", 18, nillable=False, reference_to=("User",),
                    relationship_name="Owner", defaulted_on_create=True)


def with_changes(field_def: FieldDef, **changes: Any) -> FieldDef:
    return replace(field_def, **changes)
