"""``serve --demo``'s org (issue 14, item 1), in process: what it holds, read through the public APIs;
the same seed gives the same org; reset returns to it."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from demo_helpers import ADMIN, OBJECTS, aep_client, dump, in_process, salesforce
from emulator import mock
from emulator.demo import DEMO_HISTORY_DAYS, DEMO_SEGMENTS, DemoError, demo_fixture, seed_demo
from emulator.server import build_emulator

SALESFORCE_SPEC = "cfc0fee1-7dc0-40ef-b73e-d8b134c436f5"
CRM_DESTINATION_SPEC = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
HIGH_VALUE, NEWSLETTER = DEMO_SEGMENTS


def instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture(scope="module")
def demo():
    """One demo org for the read-only tests of this module (with an admin token, as serve has)."""
    emulator = build_emulator(None, demo=True, seed=42, count=50, admin_token="demo-admin")
    return emulator, emulator.config.extra["demo"]


@pytest.fixture
def sf(demo):
    with in_process(demo[0]) as session:
        yield salesforce(session)


# -- Salesforce ------------------------------------------------------------------------------------------
def test_the_org_holds_accounts_contacts_leads_opportunities_and_cases(demo, sf):
    counts = {name: sf.query(f"SELECT COUNT() FROM {name}")["totalSize"] for name in OBJECTS}
    assert counts == {"Account": 5, "Contact": 50, "Lead": 50, "Opportunity": 25, "Case": 25}
    assert demo[1].records == counts


def test_contacts_look_real_and_belong_to_their_accounts(sf):
    contacts = sf.query_all("SELECT Id, FirstName, LastName, Name, Email, Phone, Title, AccountId, Account.Name "
                            "FROM Contact")["records"]
    assert all(c["FirstName"] and c["LastName"] and c["Name"] == f"{c['FirstName']} {c['LastName']}" for c in contacts)
    assert all("@" in c["Email"] and c["Phone"] and c["Title"] for c in contacts)
    assert len({c["Email"] for c in contacts}) == 50
    assert sf.query("SELECT COUNT() FROM Contact WHERE AccountId = null")["totalSize"] == 0
    assert all(c["Account"]["Name"] for c in contacts)
    accounts = sf.query_all("SELECT Name, Industry, (SELECT Id FROM Contacts) FROM Account")["records"]
    assert sum(a["Contacts"]["totalSize"] for a in accounts if a["Contacts"]) == 50
    assert all(a["Name"] and a["Industry"] for a in accounts)
    leads = sf.query_all("SELECT Company, Email, Status, Title FROM Lead")["records"]
    assert all(lead["Company"] and "@" in lead["Email"] and lead["Status"] for lead in leads)


def test_created_and_modified_dates_spread_over_the_last_months(demo, sf):
    now = demo[0].now()
    contacts = sf.query_all("SELECT CreatedDate, LastModifiedDate, Account.CreatedDate FROM Contact")["records"]
    created = [instant(c["CreatedDate"]) for c in contacts]
    assert max(created) - min(created) > timedelta(days=60)
    assert len({(d.year, d.month) for d in created}) >= 3
    assert all(now - timedelta(days=DEMO_HISTORY_DAYS + 1) <= d <= now for d in created)
    for contact in contacts:  # never older than its Account, never modified before it was created
        assert instant(contact["Account"]["CreatedDate"]) <= instant(contact["CreatedDate"])
        assert instant(contact["CreatedDate"]) <= instant(contact["LastModifiedDate"]) <= now
    leads = [instant(r["LastModifiedDate"]) for r in sf.query_all("SELECT LastModifiedDate FROM Lead")["records"]]
    assert max(leads) - min(leads) > timedelta(days=30)
    # SOQL date literals see the history
    older = sf.query("SELECT COUNT() FROM Contact WHERE CreatedDate < LAST_N_DAYS:30")["totalSize"]
    assert 0 < older < 50
    assert sf.query("SELECT COUNT() FROM Lead WHERE CreatedDate = LAST_N_DAYS:200")["totalSize"] == 50


def test_the_segment_fields_exist_as_seed_000_needs_them(demo, sf):
    assert demo[1].custom_fields == ["Contact.High_Value_Customers__c", "Contact.Newsletter_Subscribers__c",
                                     "Lead.High_Value_Customers__c"]
    for qualified in demo[1].custom_fields:
        sobject, name = qualified.split(".")
        field = next(f for f in getattr(sf, sobject).describe()["fields"] if f["name"] == name)
        assert field["custom"] and field["type"] == "textarea" and field["length"] == 32768
    tooling = sf.toolingexecute("query", params={"q": "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField"})
    assert {(r["TableEnumOrId"], r["DeveloperName"]) for r in tooling["records"]} >= {
        ("Contact", "High_Value_Customers"), ("Contact", "Newsletter_Subscribers"), ("Lead", "High_Value_Customers")}


def test_the_connected_app_and_user_log_in(demo):
    with in_process(demo[0]) as session:
        token = session.post("https://login.salesforce.com/services/oauth2/token", data={
            "grant_type": "password", "client_id": demo[1].client_id, "client_secret": demo[1].client_secret,
            "username": demo[1].username, "password": demo[1].password + demo[1].security_token})
        assert token.status_code == 200, token.text
        credentials = session.post("https://login.salesforce.com/services/oauth2/token", data={
            "grant_type": "client_credentials", "client_id": demo[1].client_id,
            "client_secret": demo[1].client_secret})
        assert credentials.status_code == 200, credentials.text


# -- AEP -------------------------------------------------------------------------------------------------
def test_the_source_pipeline_of_seed_004_ran_into_its_dataset(demo):
    emulator, info = demo
    with in_process(emulator) as session:
        aep = aep_client(session)
        base = aep.get(f"flowservice/connections/{info.source_base_connection_id}")["items"][0]
        assert base["connectionSpec"]["id"] == SALESFORCE_SPEC and base["state"] == "enabled"
        assert base["auth"]["params"]["password"] != "password123"  # secrets are masked
        flow = aep.get(f"flowservice/flows/{info.source_flow_id}")["items"][0]
        assert flow["state"] == "enabled" and flow["scheduleParams"]["frequency"] == "day"
        source = aep.get(f"flowservice/sourceConnections/{flow['sourceConnectionIds'][0]}")["items"][0]
        assert source["baseConnectionId"] == info.source_base_connection_id
        assert source["params"]["tableName"] == "Contact"
        target = aep.get(f"flowservice/targetConnections/{flow['targetConnectionIds'][0]}")["items"][0]
        assert target["params"]["dataSetId"] == info.dataset_id
        dataset = aep.get(f"catalog/dataSets/{info.dataset_id}")[info.dataset_id]
        assert dataset["name"] == "Salesforce target dataset"
        runs = list(aep.flow_items("runs", {"property": f"flowId=={info.source_flow_id}"}))
        assert len(runs) == 1 and runs[0]["metrics"]["statusSummary"]["status"] == "success"
        assert runs[0]["metrics"]["recordSummary"]["outputRecordCount"] == 50
        rows = session.get(f"{ADMIN}/aep/datasets/{info.dataset_id}/rows").json()["rows"]
        assert len(rows) == 50 and all(r["identityMap"]["crmID"][0]["id"].startswith("003") for r in rows)


def test_profiles_mirror_the_contacts_and_two_segments_hold_them(demo, sf):
    emulator, info = demo
    contacts = {c["Id"]: c for c in sf.query_all("SELECT Id, LastName, Email, Account.Name FROM Contact")["records"]}
    with in_process(emulator) as session:
        profiles = session.get(f"{ADMIN}/aep/profiles").json()["profiles"]
        segments = session.get(f"{ADMIN}/aep/segments").json()
    assert len(profiles) == info.profiles == 50
    for profile in profiles:
        contact = contacts[profile["identityMap"]["crmID"][0]["id"]]
        assert profile["person"]["name"]["lastName"] == contact["LastName"]
        assert profile["personalEmail"]["address"] == contact["Email"]
        assert profile["b2b"]["companyName"] == contact["Account"]["Name"]
    listed = segments["segments"] if isinstance(segments, dict) else segments
    assert {s["id"] for s in listed} == {HIGH_VALUE.id, NEWSLETTER.id}
    statuses = {s.id: Counter(p["segmentMembership"]["ups"].get(s.id, {}).get("status") for p in profiles)
                for s in DEMO_SEGMENTS}
    for segment in info.segments:
        counted = statuses[segment["id"]]
        assert counted["realized"] + counted["existing"] == segment["members"] > 0


def test_the_high_value_segment_is_activated_to_the_contacts_mapping_id_field(demo, sf):
    emulator, info = demo
    with in_process(emulator) as session:
        aep = aep_client(session)
        connection = aep.get(f"flowservice/connections/{info.destination_connection_id}")["items"][0]
        assert connection["connectionSpec"]["id"] == CRM_DESTINATION_SPEC and connection["state"] == "enabled"
        flow = aep.get(f"flowservice/flows/{info.destination_flow_id}")["items"][0]
        selectors = flow["transformations"][0]["params"]["segmentSelectors"]["selectors"]
        assert [s["value"]["id"] for s in selectors] == [HIGH_VALUE.id]
        assert selectors[0]["value"]["mappingId"] == HIGH_VALUE.mapping_id
        destination_flows = aep.get("flowservice/flows", params={
            "property": "inheritedAttributes.properties.isDestinationFlow==true"})["items"]
        assert [f["id"] for f in destination_flows] == [info.destination_flow_id]
        runs = list(aep.flow_items("runs", {"property": f"flowId=={info.destination_flow_id}"}))
        assert len(runs) == 1 and runs[0]["metrics"]["statusSummary"]["status"] == "success"
        profiles = session.get(f"{ADMIN}/aep/profiles").json()["profiles"]
    expected = {p["identityMap"]["crmID"][0]["id"]: p["segmentMembership"]["ups"].get(HIGH_VALUE.id, {}).get("status")
                for p in profiles}
    written = {c["Id"]: c["High_Value_Customers__c"]
               for c in sf.query_all("SELECT Id, High_Value_Customers__c, Newsletter_Subscribers__c "
                                     "FROM Contact")["records"]}
    assert written == expected
    assert {"realized", "existing", "exited"} <= set(written.values())
    assert runs[0]["metrics"]["recordSummary"]["outputRecordCount"] == sum(1 for v in expected.values() if v)
    newsletter = sf.query_all("SELECT Newsletter_Subscribers__c FROM Contact")["records"]
    assert {c["Newsletter_Subscribers__c"] for c in newsletter} == {None}  # not activated: nothing written


def test_aepp_sees_the_demo_sandbox(demo):
    aepp = pytest.importorskip("aepp")
    from aepp import catalog, flowservice
    emulator, info = demo
    with mock(emulator):
        aepp.configure(org_id=info.aep_org_id, client_id=info.aep_client_id, secret=info.aep_client_secret,
                       scopes="openid,AdobeID,read_organizations", sandbox=info.sandbox)
        service = flowservice.FlowService()
        assert {c["id"] for c in service.getConnections()} == {info.source_base_connection_id,
                                                               info.destination_connection_id}
        assert {f["id"] for f in service.getFlows()} == {info.source_flow_id, info.destination_flow_id}
        assert info.dataset_id in catalog.Catalog().getDataSets()


def test_the_seeding_leaves_no_journal_and_no_api_usage():
    fresh = build_emulator(None, demo=True, seed=42, count=5)
    assert fresh.journal.entries() == []
    assert fresh.state()["salesforce"]["orgs"][0]["apiUsage"] == 0
    sandboxes = {s["name"]: s for s in fresh.state()["aep"]["sandboxes"]}
    assert (sandboxes["prod"]["connections"], sandboxes["prod"]["flows"], sandboxes["prod"]["runs"]) == (2, 2, 2)
    assert sandboxes["dev"]["flows"] == 0


# -- determinism and reset -------------------------------------------------------------------------------
@freeze_time("2026-03-02T10:30:00Z")
def test_the_same_seed_builds_the_same_org_and_another_seed_another():
    first = dump(build_emulator(None, demo=True, seed=42, count=12))
    again = dump(build_emulator(None, demo=True, seed=42, count=12))
    other = dump(build_emulator(None, demo=True, seed=7, count=12))
    assert first == again
    assert first["records"]["Contact"] != other["records"]["Contact"]
    assert [c["Email"] for c in first["records"]["Contact"]] != [c["Email"] for c in other["records"]["Contact"]]
    assert first["profiles"] != other["profiles"]


def test_dates_are_relative_to_the_start_not_to_wall_clock_randomness():
    with freeze_time("2026-03-02T10:30:00Z"):
        march = dump(build_emulator(None, demo=True, seed=42, count=8))["records"]["Lead"]
    with freeze_time("2026-09-15T08:00:00Z"):
        september = dump(build_emulator(None, demo=True, seed=42, count=8))["records"]["Lead"]
    shift = instant(september[0]["CreatedDate"]) - instant(march[0]["CreatedDate"])
    assert shift == datetime(2026, 9, 15, 8, tzinfo=timezone.utc) - datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc)
    for a, b in zip(march, september):
        assert instant(b["CreatedDate"]) - instant(a["CreatedDate"]) == shift
        assert {k: v for k, v in a.items() if not k.endswith("Date") and k != "SystemModstamp"} == \
               {k: v for k, v in b.items() if not k.endswith("Date") and k != "SystemModstamp"}


def test_reset_returns_to_the_demo_state():
    with freeze_time("2026-03-02T10:30:00Z", tick=True) as frozen:
        emulator = build_emulator(None, demo=True, seed=42, count=10, admin_token="t")
        info = emulator.config.extra["demo"]
        before = dump(emulator)
        with in_process(emulator) as session:
            sf = salesforce(session)
            contact = before["records"]["Contact"][0]["Id"]
            sf.Contact.delete(contact)
            sf.Lead.create({"LastName": "Intruder", "Company": "Elsewhere"})
            sf.Contact.update(before["records"]["Contact"][1]["Id"], {"High_Value_Customers__c": "changed"})
            aep = aep_client(session)
            aep.delete(f"flowservice/flows/{info.destination_flow_id}")
            session.post(f"{ADMIN}/aep/segments/{NEWSLETTER.id}/members", json={"enter": ["demo-profile-0001"]})
            emulator.advance_clock("3d")  # daily source runs fire
            assert len(list(aep.flow_items("runs", {"property": f"flowId=={info.source_flow_id}"}))) > 1
            assert session.post("https://x/__emulator/reset").status_code == 200
        frozen.move_to("2026-03-02T10:30:00Z")
        after = dump(emulator)
    assert after["records"] == before["records"]
    assert after["profiles"] == before["profiles"] and after["segments"] == before["segments"]
    assert after["flowservice"] == before["flowservice"] and after["rows"] == before["rows"]


def test_resources_created_after_a_reset_get_new_ids():
    """The token source does not replay, after a reset, the draws the demo state already holds."""
    from connector.flowservice import SourcePipeline, SourcePipelineConfig
    emulator = build_emulator(None, demo=True, seed=42, count=5)
    seen = dump(emulator)
    known = {item["id"] for kind in seen["flowservice"].values() for item in kind} | set(seen["datasets"])
    known |= {sandbox["id"] for sandbox in emulator.state()["aep"]["sandboxes"]}
    emulator.reset()
    with in_process(emulator) as session:
        pipeline = SourcePipeline(aep_client(session), SourcePipelineConfig(
            username="admin@example.com", password="password123", security_token="TOKEN123"))
        created = {pipeline.base_connection() for _ in range(20)}
    assert len(created) == 20 and not created & known


# -- the building blocks ---------------------------------------------------------------------------------
def test_demo_fixture_keeps_explicit_data_and_generates_history_otherwise():
    explicit = {"data": {"Contact": [{"LastName": "Kept"}]}}
    assert demo_fixture(explicit, 1, 10) is explicit
    generated = demo_fixture({}, 9, 10)["data"]["generate"]
    assert generated == {"seed": 9, "count": 10, "opportunities": 5, "cases": 5, "history_days": DEMO_HISTORY_DAYS}


def test_seed_demo_names_what_the_org_lacks():
    from emulator import Emulator, EmulatorConfig
    bare = Emulator(EmulatorConfig(seed=1, fixture={"org": {"name": "Bare"},
                                                    "users": [{"username": "u@x.example", "password": "p"}]}))
    with pytest.raises(DemoError, match="connected app"):
        seed_demo(bare, 1)


def test_a_fixture_with_its_own_data_still_gets_the_demo_around_it(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("data:\n  Account:\n    - {Name: Acme, CreatedDate: now-40d}\n"
                    "  Contact:\n    - {LastName: Lovelace, AccountId: '@Account:0', CreatedDate: now-3d2h,"
                    " LastModifiedDate: now-1d}\n")
    emulator = build_emulator(str(path), demo=True, seed=3, count=50)
    info = emulator.config.extra["demo"]
    assert info.records["Contact"] == 1 and info.profiles == 1
    contact = next(iter(emulator.salesforce.default_org().store("Contact").scan()))
    assert emulator.now() - contact["CreatedDate"] >= timedelta(days=3, hours=2)
