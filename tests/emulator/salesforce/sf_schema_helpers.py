"""Schema changes several Salesforce test files make on the default org."""
from __future__ import annotations

from emulator.salesforce.sobjects.fields import FieldDef


def add_external_id(emulator, unique: bool = False) -> str:
    """Add the indexed external-id field ``Contact.Ext_Id__c``; return its name."""
    org = emulator.salesforce.default_org()
    org.schema.get("Contact").add_field(FieldDef("Ext_Id__c", "Ext Id", "string", 50, custom=True,
                                                 external_id=True, unique=unique))
    org.store("Contact").ensure_index("Ext_Id__c")
    return "Ext_Id__c"
