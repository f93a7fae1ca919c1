"""A query context over bare object stores, for the SOQL/SOSL engine tests that skip HTTP and the org."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from emulator.core.ids import checksum_suffix
from emulator.salesforce.sobjects.fields import FieldDef
from emulator.salesforce.sobjects.schema import Schema
from emulator.salesforce.sobjects.store import ObjectStore

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=timezone.utc)


def sfid(prefix: str, n: int) -> str:
    """The 18-character id number ``n`` with key prefix ``prefix``."""
    id15 = f"{prefix}Hs{n:010d}"
    return id15 + checksum_suffix(id15)


class StoreContext:
    """What the engines read: a fresh standard schema (plus ``contact_fields``), one store per object, ``NOW``."""

    version = "v59.0"

    def __init__(self, store_class: type[ObjectStore] = ObjectStore, contact_fields: Iterable[FieldDef] = ()) -> None:
        self.schema = Schema()
        for field_def in contact_fields:
            self.schema.get("Contact").add_field(field_def)
        self.stores = {o.name: store_class(o) for o in self.schema.all()}

    def store(self, sobject_name: str) -> ObjectStore:
        return self.stores[sobject_name]

    def now(self) -> datetime:
        return NOW
