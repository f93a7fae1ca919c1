"""``crm-harness serve --demo --port 0`` as a person starts it: the banner lists the dashboard and every
credential, and real clients log in with what it printed."""
from __future__ import annotations

import re

import pytest
import requests
from simple_salesforce import Salesforce

from demo_helpers import served_session
from emulator.testing import serve_subprocess



def _field(banner: str, pattern: str) -> str:
    match = re.search(pattern, banner)
    assert match, f"{pattern!r} not in the banner:\n{banner}"
    return match.group(1)


@pytest.fixture(scope="module")
def served():
    """The server's banner (everything printed up to the curl example that closes it)."""
    with serve_subprocess("--demo", timeout=60) as server:
        yield server.printed(until="curl -d grant_type=password")


def test_the_banner_lists_the_dashboard_and_every_credential(served):
    base = _field(served, r"listening on (http://127\.0\.0\.1:\d+)")
    assert _field(served, r"dashboard\s+(\S+)") == f"{base}/__emulator/ui"
    assert len(_field(served, r"admin token\s+(\S+)")) >= 16
    for expected in ("admin@example.com", "password123", "TOKEN123", "harness-client-id", "harness-client-secret",
                     "harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg", "sandbox prod",
                     "Contact.High_Value_Customers__c", "seg-high-value", "seg-newsletter", "activated",
                     "50 Contacts", "5 Accounts", "50 Leads", "/__emulator/reset"):
        assert expected in served, expected
    for label in ("source connection", "source flow", "destination", "destination flow"):
        assert re.search(rf"{label}\s+[0-9a-f]{{8}}-[0-9a-f]{{4}}-", served), label


def test_simple_salesforce_logs_in_with_the_printed_credentials(served):
    base = _field(served, r"listening on (\S+)")
    username = _field(served, r"user\s+(\S+)\s+password")
    password = _field(served, r"user\s+\S+\s+password (\S+)")
    token = _field(served, r"security token (\S+)")
    client_id = _field(served, r"client id (\S+)\s+client secret")
    client_secret = _field(served, r"connected app.*client secret (\S+)")
    with served_session(base) as session:
        soap = Salesforce(username=username, password=password, security_token=token, session=session)
        contacts = soap.query_all("SELECT Id, Name, Email, Account.Name, CreatedDate FROM Contact")["records"]
        assert len(contacts) == 50 and all(c["Account"]["Name"] and "@" in c["Email"] for c in contacts)
        assert len({c["CreatedDate"][:7] for c in contacts}) >= 3  # created over several months
        oauth = Salesforce(username=username, password=password, security_token=token, consumer_key=client_id,
                           consumer_secret=client_secret, session=session)
        assert oauth.query("SELECT COUNT() FROM Lead")["totalSize"] == 50


def test_the_admin_token_and_the_aep_credentials_work(served):
    base = _field(served, r"listening on (\S+)")
    admin = _field(served, r"admin token\s+(\S+)")
    assert requests.get(f"{base}/__emulator/state", timeout=10).status_code == 401
    state = requests.get(f"{base}/__emulator/state", headers={"X-Admin-Token": admin}, timeout=10)
    assert state.status_code == 200 and state.json()["salesforce"]["orgs"][0]["records"]["Contact"] == 50
    aep_id = _field(served, r"IMS client\s+client id \(x-api-key\) (\S+)")
    aep_secret = _field(served, r"IMS client.*client secret (\S+)")
    org = _field(served, r"org, sandbox\s+(\S+)")
    flow = _field(served, r"source flow\s+(\S+)")
    ims = requests.post(f"{base}/ims/token/v3", data={"grant_type": "client_credentials", "client_id": aep_id,
                                                      "client_secret": aep_secret}, timeout=10)
    assert ims.status_code == 200, ims.text
    headers = {"Authorization": f"Bearer {ims.json()['access_token']}", "x-api-key": aep_id,
               "x-gw-ims-org-id": org, "x-sandbox-name": "prod"}
    found = requests.get(f"{base}/data/foundation/flowservice/flows/{flow}", headers=headers, timeout=10)
    assert found.status_code == 200 and found.json()["items"][0]["state"] == "enabled"
