"""The control plane from Python (issue 10): documented methods on the emulator and per-test markers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from emulator import mock
from emulator.control import ControlError

LOGIN = {"username": "admin@example.com", "password": "password123", "security_token": "TOKEN123"}


@pytest.mark.crm_org(daily_api_limit=5)
def test_crm_org_marker_sets_the_daily_limit(crm_mock):
    assert crm_mock.org_settings()["daily_api_limit"] == 5
    sf = Salesforce(**LOGIN)
    for _ in range(5):
        sf.query("SELECT Id FROM Contact")
    with pytest.raises(SalesforceError) as error:
        sf.query("SELECT Id FROM Contact")
    assert error.value.status == 403 and error.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    crm_mock.advance_clock("24h")  # the window rolls; a new session after the jump
    assert Salesforce(**LOGIN).query("SELECT Id FROM Contact")["totalSize"] == 0


@pytest.mark.crm_data(Account=[{"Name": "Acme"}], Contact=[{"LastName": "Lovelace", "AccountId": "@Account:0"}])
@pytest.mark.crm_custom_field("Contact", "Mapping_Id__c", type="LongTextArea", length=32768, visibleLines=3)
def test_crm_data_and_custom_field_markers(crm_mock):
    sf = Salesforce(**LOGIN)
    [row] = sf.query("SELECT LastName, Account.Name, Mapping_Id__c FROM Contact")["records"]
    assert (row["LastName"], row["Account"]["Name"], row["Mapping_Id__c"]) == ("Lovelace", "Acme", None)
    field = next(f for f in sf.Contact.describe()["fields"] if f["name"] == "Mapping_Id__c")
    assert field["type"] == "textarea" and field["length"] == 32768


@pytest.mark.parametrize("crm_emulator", [{"org": {"name": "Acme Test", "custom_field_cap": 1}}], indirect=True)
def test_indirect_fixture_parameter(crm_emulator):
    assert crm_emulator.state()["salesforce"]["orgs"][0]["name"] == "Acme Test"
    crm_emulator.add_custom_field("Lead", "First__c")
    with pytest.raises(ControlError) as error:
        crm_emulator.add_custom_field("Lead", "Second__c")
    assert str(error.value) == ("cannot add Lead.Second__c: LIMIT_EXCEEDED: Custom field limit exceeded: Lead already "
                                "has 1 custom fields and the limit is 1 per object. Delete a custom field to free a slot.")


def test_clock_faults_and_errors(crm_emulator, crm_session):
    at = crm_emulator.freeze_clock("2030-03-01T10:00:00Z")
    assert at == crm_emulator.now() == datetime(2030, 3, 1, 10, tzinfo=timezone.utc)
    assert crm_emulator.advance_clock("31d") == datetime(2030, 4, 1, 10, tzinfo=timezone.utc)
    rule = crm_emulator.inject_fault(path="/services/data/*/limits", status=503, times=1)
    assert rule["remaining"] == 1 and crm_emulator.active_faults()[0]["id"] == rule["id"]
    crm_emulator.clear_faults()
    assert crm_emulator.active_faults() == []
    with pytest.raises(ControlError) as error:
        crm_emulator.configure(daily_api_limt=5)
    assert str(error.value) == ("unknown org setting 'daily_api_limt' (did you mean 'daily_api_limit'?) (allowed: "
                                + ", ".join(crm_emulator.org_settings()) + ")")
    with pytest.raises(ControlError, match="invalid fault rule: tims: unknown key \\(did you mean 'times'\\?\\)"):
        crm_emulator.inject_fault(path="*", tims=1)
    with pytest.raises(ControlError, match="unknown object 'Contacts' \\(did you mean 'Contact'\\?\\)"):
        crm_emulator.seed(Contacts=[{}])


def test_use_fixture_and_seed_generate(crm_emulator):
    loaded = crm_emulator.use_fixture({"data": {"generate": {"seed": 3, "count": 4}}})
    assert loaded["Contact"] == 4
    ids = crm_emulator.seed(Contact=[{"LastName": "Extra"}])
    assert len(ids["Contact"]) == 1
    crm_emulator.reset()
    assert crm_emulator.state()["salesforce"]["orgs"][0]["records"]["Contact"] == 4  # back to the fixture
    with pytest.raises(ControlError, match="cannot seed: REQUIRED_FIELD_MISSING"):
        crm_emulator.seed(Contact=[{"FirstName": "NoLast"}])


def test_mock_yields_the_control_plane_and_admin_answers_on_emulated_hosts():
    with mock() as emulator:
        emulator.configure(session_timeout_minutes=5)
        state = requests.get("https://login.salesforce.com/__emulator/state", timeout=5).json()
        assert state["salesforce"]["orgs"][0]["config"]["session_timeout_minutes"] == 5
