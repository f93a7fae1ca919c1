"""Fixtures the Salesforce emulator tests share."""
from __future__ import annotations

import pytest
from sf_schema_helpers import add_external_id


@pytest.fixture
def external_id(crm_emulator) -> str:
    """``Contact.Ext_Id__c``: a unique, indexed external id."""
    return add_external_id(crm_emulator, unique=True)
