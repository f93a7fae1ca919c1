"""Unmodified simple_salesforce (1.12) against the emulator, in-process and under ``mock()``.

Covers SF-SOAP-1 (simple_salesforce's default security-token login), SF-OAUTH-2 (its OAuth
password flavour), SF-OAUTH-3 (its client-credentials flavour), SF-OAUTH-6 and SF-WIRE-1
(re-login on ``INVALID_SESSION_ID``, trailing-slash paths, old default API version), plus
``mock()``: emulated hosts only, other hosts untouched, usable as a decorator.
"""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceResourceNotFound

from emulator import mock
from emulator.pytest_plugin import fresh_emulator

CLIENT_ID, CLIENT_SECRET = "harness-client-id", "harness-client-secret"
USERNAME, PASSWORD, SECURITY_TOKEN = "admin@example.com", "password123", "TOKEN123"
INSTANCE_HOST = "harness.my.salesforce.com"


def calls(emulator) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], e["status"]) for e in emulator.journal.entries()]


def contact_round_trip(sf: Salesforce) -> None:
    """create / get / update / delete a Contact, plus describe and limits."""
    created = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"})
    assert created["success"] is True and created["errors"] == []
    contact_id = created["id"]
    assert contact_id.startswith("003") and len(contact_id) == 18

    record = sf.Contact.get(contact_id)
    assert (record["FirstName"], record["LastName"], record["Email"]) == ("Ada", "Lovelace", "ada@example.com")
    assert record["attributes"]["type"] == "Contact"

    assert sf.Contact.update(contact_id, {"LastName": "King"}) == 204
    assert sf.Contact.get(contact_id)["LastName"] == "King"

    assert sf.Contact.delete(contact_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(contact_id)

    describe = sf.describe()
    assert "Contact" in {o["name"] for o in describe["sobjects"]}
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["LastName"]["length"] == 80
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 15000
    assert 0 <= limits["DailyApiRequests"]["Remaining"] < 15000


# -- SOAP login (the most common form) --------------------------------------------------------
def test_soap_login_with_an_in_process_session(crm_emulator, crm_session):
    sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN, session=crm_session)
    assert sf.sf_instance == INSTANCE_HOST
    assert sf.sf_version == "59.0"
    assert ("POST", "/services/Soap/u/59.0", 200) in calls(crm_emulator)
    contact_round_trip(sf)


def test_soap_login_under_mock_without_a_session(crm_mock):
    sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN)
    assert sf.sf_instance == INSTANCE_HOST
    contact_round_trip(sf)
    assert ("POST", "/services/Soap/u/59.0", 200) in calls(crm_mock)


def test_soap_login_on_the_test_domain_and_an_old_version(crm_mock):
    sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN, domain="test",
                    version="50.0")
    assert sf.Contact.create({"LastName": "Old"})["success"] is True
    assert ("POST", "/services/Soap/u/50.0", 200) in calls(crm_mock)


def test_soap_login_failure(crm_mock):
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=USERNAME, password=PASSWORD, security_token="WRONG")
    assert failure.value.code == "INVALID_LOGIN"
    assert failure.value.auth_message == "Invalid username, password, security token; or user locked out."


# -- OAuth flavours ---------------------------------------------------------------------------
def test_oauth_password_flavour_under_mock(crm_mock):
    """``consumer_key``/``consumer_secret`` with the token appended to the password: the token endpoint."""
    sf = Salesforce(username=USERNAME, password=PASSWORD + SECURITY_TOKEN, consumer_key=CLIENT_ID,
                    consumer_secret=CLIENT_SECRET)
    assert sf.sf_instance == INSTANCE_HOST
    journal = calls(crm_mock)
    assert ("POST", "/services/oauth2/token", 200) in journal
    assert not any(path.startswith("/services/Soap") for _, path, _ in journal)
    contact_round_trip(sf)


def test_consumer_key_together_with_security_token_still_logs_in(crm_mock):
    """simple_salesforce 1.12 prefers SOAP login whenever ``security_token`` is given, app or not."""
    sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN,
                    consumer_key=CLIENT_ID, consumer_secret=CLIENT_SECRET)
    assert ("POST", "/services/Soap/u/59.0", 200) in calls(crm_mock)
    contact_round_trip(sf)


def test_oauth_password_flavour_failure(crm_mock):
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=USERNAME, password=PASSWORD, consumer_key=CLIENT_ID, consumer_secret=CLIENT_SECRET)
    assert (failure.value.code, failure.value.auth_message) == ("invalid_grant", "authentication failure")
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=USERNAME, password=PASSWORD + SECURITY_TOKEN, consumer_key=CLIENT_ID,
                   consumer_secret="wrong")
    assert (failure.value.code, failure.value.auth_message) == ("invalid_client", "invalid client credentials")


def test_client_credentials_flavour_under_mock(crm_mock):
    """simple_salesforce sends the app's key and secret as HTTP Basic to the My Domain host."""
    sf = Salesforce(consumer_key=CLIENT_ID, consumer_secret=CLIENT_SECRET, domain="harness.my")
    assert sf.sf_instance == INSTANCE_HOST
    assert ("POST", "/services/oauth2/token", 200) in calls(crm_mock)
    contact_round_trip(sf)


# -- re-login on INVALID_SESSION_ID -----------------------------------------------------------
@pytest.mark.parametrize("flavour", ["soap", "oauth"])
def test_relogin_after_the_session_expires(crm_emulator, crm_session, flavour):
    crm_emulator.clock.freeze()
    if flavour == "soap":
        sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN, session=crm_session)
    else:
        sf = Salesforce(username=USERNAME, password=PASSWORD + SECURITY_TOKEN, consumer_key=CLIENT_ID,
                        consumer_secret=CLIENT_SECRET, session=crm_session)
    first_session = sf.session_id
    crm_emulator.clock.advance(timedelta(hours=2, minutes=1))
    assert sf.Contact.create({"LastName": "After expiry"})["success"] is True
    assert sf.session_id != first_session
    statuses = [status for method, path, status in calls(crm_emulator) if path.endswith("/sobjects/Contact")]
    assert statuses == [401, 201]


def test_relogin_after_the_session_is_revoked(crm_emulator, crm_session):
    sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN, session=crm_session)
    revoked = crm_session.post("https://login.salesforce.com/services/oauth2/revoke", data={"token": sf.session_id})
    assert revoked.status_code == 200
    assert "DailyApiRequests" in sf.limits()


# -- mock() ------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mock_lets_other_hosts_through(crm_mock):
    port = _closed_port()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/services/data/", timeout=5)
    before = len(crm_mock.journal.entries())
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"http://127.0.0.1:{port}/services/oauth2/token", data={"grant_type": "password"}, timeout=5)
    assert len(crm_mock.journal.entries()) == before  # the emulator never saw them
    # while the Salesforce hosts reach the emulator
    assert requests.get("https://login.salesforce.com/services/data/", timeout=5).status_code == 200
    assert requests.get(f"https://{INSTANCE_HOST}/services/data/", timeout=5).status_code == 200


def test_mock_restores_the_transport_on_exit():
    original = HTTPAdapter.send
    emulator = fresh_emulator()
    with mock(emulator):
        assert HTTPAdapter.send is not original
        Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN)
    assert HTTPAdapter.send is original
    assert emulator.journal.entries()


def test_mock_as_a_decorator_with_its_own_emulator():
    @mock()
    def create_contact() -> dict:
        sf = Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN)
        return sf.Contact.create({"LastName": "Decorated"})

    original = HTTPAdapter.send
    assert create_contact()["success"] is True
    assert HTTPAdapter.send is original


def test_mock_as_a_decorator_with_a_given_emulator():
    emulator = fresh_emulator()

    @mock(emulator)
    def login_and_query_limits() -> dict:
        sf = Salesforce(username=USERNAME, password=PASSWORD + SECURITY_TOKEN, consumer_key=CLIENT_ID,
                        consumer_secret=CLIENT_SECRET)
        return sf.limits()

    assert "DailyApiRequests" in login_and_query_limits()
    assert ("POST", "/services/oauth2/token", 200) in calls(emulator)
    assert any(path.endswith("/limits") for _, path, _ in calls(emulator))
