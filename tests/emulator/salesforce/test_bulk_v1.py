"""Bulk API 1.0 (SF-REST-13) under /services/async, plus the issue-9 upsert details (SF-REST-12, SF-REST-6).

Driven by unmodified simple_salesforce (``sf.bulk.<Object>``: JSON jobs, batch
splitting, query/queryAll) in-process and against ``serve``, and by raw HTTP
shaped as jsforce sends it (XML jobInfo, CSV batches, every answer parsed as
XML). Each rule both ways: the allowed case works, the violating case answers
Bulk API 1.0's own error shape (400 ``InvalidSessionId``, ``InvalidJob``,
``InvalidBatch``…), and bad bodies never give a 500.
"""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError

from emulator.salesforce.sobjects.schema import FieldDef
from emulator.testing import serve_subprocess

HOST = "https://harness.my.salesforce.com"
ASYNC = f"{HOST}/services/async/59.0"
ADMIN = f"{HOST}/__emulator"
NS = "{http://www.force.com/2009/06/asyncapi/dataload}"
USERNAME, PASSWORD, SECURITY_TOKEN = "admin@example.com", "password123", "TOKEN123"
XML = {"Content-Type": "application/xml; charset=utf-8"}


def login(session: requests.Session) -> Salesforce:
    return Salesforce(username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN, session=session)


def batch_calls(emulator) -> list[str]:
    return [e["path"] for e in emulator.journal.entries()
            if e["method"] == "POST" and e["path"].endswith("/batch")]


def jsforce_job(operation: str, sobject: str, ext_id: str | None = None) -> str:
    """The jobInfo body jsforce's Job.open() sends (lib/api/bulk.ts), after its trim()."""
    ext = f"<externalIdFieldName>{ext_id}</externalIdFieldName>" if ext_id else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<jobInfo  xmlns="http://www.force.com/2009/06/asyncapi/dataload">
  <operation>{operation}</operation>
  <object>{sobject}</object>
  {ext}
  
  <contentType>CSV</contentType>
</jobInfo>"""


def jsforce_state(state: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
  <jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">
  <state>{state}</state>
</jobInfo>"""


def xml_fields(response: requests.Response, root: str) -> dict[str, str]:
    assert response.headers["Content-Type"].startswith("application/xml"), response.text
    element = ET.fromstring(response.content)
    assert element.tag == NS + root, response.text
    return {child.tag[len(NS):]: child.text or "" for child in element}


def xml_error(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    fields = xml_fields(response, "error")
    assert fields["exceptionCode"] == code, response.text
    return fields["exceptionMessage"]


def json_error(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"exceptionCode", "exceptionMessage"} and body["exceptionCode"] == code, body
    return body["exceptionMessage"]


class Async:
    """Raw Bulk API 1.0 calls with the session in X-SFDC-Session."""

    def __init__(self, session: requests.Session, token: str, base: str = ASYNC) -> None:
        self.session, self.token, self.base = session, token, base

    def call(self, method: str, path: str, body: str | bytes | None = None, content_type: str | None = None,
             token: str | None = None) -> requests.Response:
        headers = {"X-SFDC-Session": self.token if token is None else token}
        if content_type:
            headers["Content-Type"] = content_type
        return self.session.request(method, f"{self.base}/{path}", data=body, headers=headers)

    def json_job(self, **body) -> dict:
        response = self.call("POST", "job", json.dumps({"contentType": "JSON", **body}), "application/json")
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def bulk(crm_session, rest) -> Async:
    return Async(crm_session, rest.token)


# -- simple_salesforce, in-process ---------------------------------------------------------------------
def test_simple_salesforce_bulk_insert_splits_batches_and_keeps_input_order(crm_emulator, crm_session):
    sf = login(crm_session)
    rows = [{"LastName": f"Bulk{i}", "Email": f"b{i}@example.com"} for i in range(5)]
    rows.insert(3, {"FirstName": "NoLastName"})
    results = sf.bulk.Contact.insert(rows, batch_size=2)
    assert len(batch_calls(crm_emulator)) == 3
    assert [r["success"] for r in results] == [True, True, True, False, True, True]
    assert results[3] == {"success": False, "created": False, "id": None, "errors": [
        {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]",
         "fields": ["LastName"]}]}
    ids = [r["id"] for r in results if r["success"]]
    assert all(r["created"] for r in results if r["success"])
    names = {sf.Contact.get(i)["LastName"] for i in ids}
    assert names == {f"Bulk{i}" for i in range(5)}
    # results follow the input order batch after batch
    assert [sf.Contact.get(i)["LastName"] for i in ids] == [f"Bulk{i}" for i in range(5)]


def test_simple_salesforce_bulk_update_delete_hard_delete_and_query_all(crm_session):
    sf = login(crm_session)
    ids = [r["id"] for r in sf.bulk.Contact.insert([{"LastName": f"Q{i}"} for i in range(4)])]
    updated = sf.bulk.Contact.update([{"Id": i, "Title": "Bulked"} for i in ids] + [{"Id": "003000000000000AAA",
                                                                                     "Title": "x"}])
    assert [r["success"] for r in updated] == [True] * 4 + [False]
    assert updated[0]["created"] is False
    assert updated[-1]["errors"][0]["statusCode"] == "NOT_FOUND"  # the ingest engine's answer, as in Bulk API 2.0
    rows = sf.bulk.Contact.query("SELECT Id, LastName, Title, CreatedDate FROM Contact WHERE Title = 'Bulked' "
                                 "ORDER BY LastName")
    assert [r["LastName"] for r in rows] == ["Q0", "Q1", "Q2", "Q3"]
    assert rows[0]["attributes"]["type"] == "Contact" and isinstance(rows[0]["CreatedDate"], int)
    assert sf.bulk.Contact.delete([{"Id": i} for i in ids[:2]]) == [
        {"success": True, "created": False, "id": i, "errors": []} for i in ids[:2]]
    assert sf.bulk.Contact.hard_delete([{"Id": ids[2]}])[0]["success"] is True
    gone = sf.bulk.Contact.query_all("SELECT Id FROM Contact WHERE IsDeleted = true")
    assert sorted(r["Id"] for r in gone) == sorted(ids[:2])  # the hard-deleted row is not in the bin
    assert [r["Id"] for r in sf.bulk.Contact.query("SELECT Id FROM Contact WHERE Title = 'Bulked'")] == [ids[3]]


def test_simple_salesforce_bulk_upsert_by_external_id_and_by_blank_id(crm_session, external_id):
    sf = login(crm_session)
    first = sf.bulk.Contact.upsert([{"LastName": "A", external_id: "E1"}, {"LastName": "B", external_id: "E2"}],
                                   external_id)
    assert [(r["success"], r["created"]) for r in first] == [(True, True), (True, True)]
    second = sf.bulk.Contact.upsert([{"LastName": "A2", external_id: "E1"}, {"LastName": "C"}], external_id)
    assert (second[0]["success"], second[0]["created"], second[0]["id"]) == (True, False, first[0]["id"])
    assert second[1]["success"] is False and second[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    by_id = sf.bulk.Contact.upsert([{"Id": first[1]["id"], "LastName": "B2"}, {"Id": "", "LastName": "New"}], "Id")
    assert [(r["success"], r["created"]) for r in by_id] == [(True, False), (True, True)]
    assert sf.Contact.get(by_id[1]["id"])["LastName"] == "New"


def test_simple_salesforce_detailed_results_read_the_batch_request(crm_session):
    sf = login(crm_session)
    results = sf.bulk.Contact.insert([{"LastName": "Detail", "Email": "d@example.com"}],
                                     include_detailed_results=True)
    assert results[0]["success"] is True and results[0]["LastName"] == "Detail"
    assert results[0]["Email"] == "d@example.com"


def test_one_job_table_two_apis(bulk, rest, crm_emulator):
    """Bulk API 1.0 and 2.0 jobs share the id space and the time-driven transition, not their endpoints."""
    v1 = bulk.json_job(operation="insert", object="Contact")
    v2 = rest.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    assert rest.get(f"jobs/ingest/{v1['id']}").status_code == 404
    json_error(bulk.call("GET", f"job/{v2['id']}", content_type="application/json"), 400, "InvalidJob")
    assert [j["id"] for j in rest.get("jobs/ingest").json()["records"]] == [v2["id"]]
    org = crm_emulator.salesforce.default_org()
    org.org.config.bulk_processing_seconds = 30
    crm_emulator.clock.freeze()
    batch = bulk.call("POST", f"job/{v1['id']}/batch", json.dumps([{"LastName": "Tick"}]), "application/json")
    rest.call("PUT", f"jobs/ingest/{v2['id']}/batches", data="LastName\nTock\n", headers={"Content-Type": "text/csv"})
    rest.patch(f"jobs/ingest/{v2['id']}", json={"state": "UploadComplete"})
    crm_emulator.clock.advance(timedelta(seconds=30))
    assert rest.get(f"jobs/ingest/{v2['id']}").json()["state"] == "JobComplete"  # this read ticks both APIs
    stored = {r["LastName"] for r in org.store("Contact").scan()}
    assert {"Tick", "Tock"} <= stored
    assert bulk.call("GET", f"job/{v1['id']}/batch/{batch.json()['id']}").json()["state"] == "Completed"


def test_simple_salesforce_bulk_query_failure_raises(crm_session):
    sf = login(crm_session)
    with pytest.raises(SalesforceGeneralError) as raised:
        sf.bulk.Contact.query("SELECT Nope__c FROM Contact")
    assert "INVALID_FIELD" in str(raised.value)


# -- jsforce's XML / CSV path, raw HTTP -----------------------------------------------------------------------
def test_jsforce_xml_job_with_csv_batches(bulk):
    created = bulk.call("POST", "job", jsforce_job("insert", "Contact"), XML["Content-Type"])
    assert created.status_code == 201
    job = xml_fields(created, "jobInfo")
    assert (job["state"], job["contentType"], job["operation"], job["object"]) == ("Open", "CSV", "insert",
                                                                                    "Contact")
    assert job["id"].startswith("750") and job["numberBatchesTotal"] == "0"
    assert job["createdDate"].endswith(".000Z") and job["apiVersion"] == "59.0"
    upload = 'LastName,Email,DoNotCall\nCsvOne,one@example.com,true\n"Two, Quoted",#N/A,false\n,bad@x.com,\n'
    queued = bulk.call("POST", f"job/{job['id']}/batch", upload, "text/csv")
    assert queued.status_code == 201
    batch = xml_fields(queued, "batchInfo")
    assert batch["id"].startswith("751") and batch["jobId"] == job["id"] and batch["state"] == "Queued"
    info = xml_fields(bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}"), "batchInfo")
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == ("Completed", "3", "1")
    listing = ET.fromstring(bulk.call("GET", f"job/{job['id']}/batch").content)
    assert listing.tag == NS + "batchInfoList" and len(listing.findall(NS + "batchInfo")) == 1
    result = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result")
    assert result.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(result.text)))
    assert list(rows[0]) == ["Id", "Success", "Created", "Error"]
    assert [(r["Success"], r["Created"]) for r in rows] == [("true", "true"), ("true", "true"), ("false", "false")]
    assert rows[2]["Id"] == "" and rows[2]["Error"].startswith("REQUIRED_FIELD_MISSING:")
    sent = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/request")
    assert sent.text == upload and sent.headers["Content-Type"].startswith("text/csv")
    closed = xml_fields(bulk.call("POST", f"job/{job['id']}", jsforce_state("Closed"), XML["Content-Type"]),
                        "jobInfo")
    assert (closed["state"], closed["numberBatchesCompleted"], closed["numberRecordsProcessed"]) == ("Closed", "1",
                                                                                                    "3")
    assert closed["numberRecordsFailed"] == "1"


def test_jsforce_xml_query_job(bulk, rest):
    for name in ("Zed", "Amy"):
        rest.post("sobjects/Contact", json={"LastName": name, "Email": f"{name}@example.com"})
    job = xml_fields(bulk.call("POST", "job", jsforce_job("query", "Contact"), XML["Content-Type"]), "jobInfo")
    batch = xml_fields(bulk.call("POST", f"job/{job['id']}/batch",
                                 "SELECT Id, LastName, Email, CreatedDate FROM Contact ORDER BY LastName", "text/csv"),
                       "batchInfo")
    assert xml_fields(bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}"), "batchInfo")["state"] == "Completed"
    listed = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result")
    results = ET.fromstring(listed.content)
    assert results.tag == NS + "result-list"
    result_ids = [r.text for r in results.findall(NS + "result")]
    assert len(result_ids) == 1 and result_ids[0].startswith("752")
    rows = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result/{result_ids[0]}")
    parsed = list(csv.DictReader(io.StringIO(rows.text)))
    assert [r["LastName"] for r in parsed] == ["Amy", "Zed"] and parsed[0]["Email"] == "Amy@example.com"
    assert parsed[0]["CreatedDate"].endswith(".000Z")
    assert xml_error(bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result/752000000000000AAA"),
                     400, "InvalidBatch")


def test_xml_content_type_job_with_sobjects_batches(bulk):
    job = xml_fields(bulk.call("POST", "job", f"""<?xml version="1.0" encoding="UTF-8"?>
<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation>
<object>Contact</object><contentType>XML</contentType></jobInfo>""", "application/xml"), "jobInfo")
    assert job["contentType"] == "XML"
    records = """<?xml version="1.0" encoding="UTF-8"?>
<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sObject><LastName>Xml</LastName><Email xsi:nil="true"/></sObject>
  <sObject><FirstName>Nobody</FirstName></sObject>
</sObjects>"""
    batch = xml_fields(bulk.call("POST", f"job/{job['id']}/batch", records, "application/xml"), "batchInfo")
    results = ET.fromstring(bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result").content)
    entries = results.findall(NS + "result")
    assert [e.find(NS + "success").text for e in entries] == ["true", "false"]
    assert entries[1].find(f"{NS}errors/{NS}statusCode").text == "REQUIRED_FIELD_MISSING"


# -- the emulator clock, abort -------------------------------------------------------------------------------
def test_batches_progress_on_the_emulator_clock(bulk, crm_emulator, crm_session):
    assert crm_session.post(f"{ADMIN}/config", json={"salesforce": {"bulk_processing_seconds": 60}}).ok
    clock = crm_emulator.clock
    clock.freeze()
    clock.set(clock.now().replace(microsecond=0))
    job = bulk.json_job(operation="insert", object="Contact")
    assert job["createdDate"].endswith(".000+0000") and job["apiVersion"] == 59.0
    batch = bulk.call("POST", f"job/{job['id']}/batch", json.dumps([{"LastName": "Later"}]), "application/json")
    assert batch.json()["state"] == "Queued" and batch.json()["createdDate"] == job["createdDate"]
    assert bulk.call("GET", f"job/{job['id']}/batch").json()["batchInfo"][0]["id"] == batch.json()["id"]
    path = f"job/{job['id']}/batch/{batch.json()['id']}"
    assert bulk.call("GET", path).json()["state"] == "InProgress"
    assert json_error(bulk.call("GET", f"{path}/result"), 400, "InvalidBatch") == "Batch not completed"
    assert bulk.call("GET", f"job/{job['id']}").json()["numberBatchesInProgress"] == 1
    clock.advance(timedelta(seconds=59))
    assert bulk.call("GET", path).json()["state"] == "InProgress"
    clock.advance(timedelta(seconds=1))
    done = bulk.call("GET", path).json()
    assert (done["state"], done["numberRecordsProcessed"], done["totalProcessingTime"]) == ("Completed", 1, 60000)
    assert bulk.call("GET", f"{path}/result").json()[0]["success"] is True


def test_abort_leaves_unstarted_batches_not_processed(bulk, crm_emulator, crm_session):
    assert crm_session.post(f"{ADMIN}/config", json={"salesforce": {"bulk_processing_seconds": 60}}).ok
    crm_emulator.clock.freeze()
    job = bulk.json_job(operation="insert", object="Contact")
    batch = bulk.call("POST", f"job/{job['id']}/batch", json.dumps([{"LastName": "Never"}]), "application/json")
    aborted = bulk.call("POST", f"job/{job['id']}", json.dumps({"state": "Aborted"}), "application/json").json()
    assert aborted["state"] == "Aborted"
    assert bulk.call("GET", f"job/{job['id']}/batch/{batch.json()['id']}").json()["state"] == "NotProcessed"
    crm_emulator.clock.advance(timedelta(hours=1))
    assert bulk.call("GET", f"job/{job['id']}/batch/{batch.json()['id']}").json()["state"] == "NotProcessed"
    again = bulk.call("POST", f"job/{job['id']}", json.dumps({"state": "Closed"}), "application/json")
    json_error(again, 400, "InvalidJobState")


# -- errors: the real shapes, never a 500 -------------------------------------------------------------------
def test_a_bad_session_is_400_invalid_session_id_in_both_shapes(bulk):
    body = json.dumps({"operation": "insert", "object": "Contact", "contentType": "JSON"})
    assert json_error(bulk.call("POST", "job", body, "application/json", token="nope"), 400,
                      "InvalidSessionId") == "Invalid session id"
    assert xml_error(bulk.call("POST", "job", jsforce_job("insert", "Contact"), XML["Content-Type"], token=""),
                     400, "InvalidSessionId") == "Invalid session id"
    assert b"<exceptionCode>InvalidSessionId</exceptionCode>" in bulk.call(
        "GET", "job/750000000000000AAA", token="expired").content  # what jsforce matches to log in again
    assert bulk.call("POST", "job", body, "application/json").status_code == 201


def test_unknown_jobs_and_batches(bulk):
    assert json_error(bulk.call("GET", "job/750000000000000AAA", content_type="application/json"), 400,
                      "InvalidJob").startswith("Invalid job id")
    xml_error(bulk.call("GET", "job/not-an-id"), 400, "InvalidJob")
    job = bulk.json_job(operation="insert", object="Contact")
    json_error(bulk.call("GET", f"job/{job['id']}/batch/751000000000000AAA"), 400, "InvalidBatch")
    json_error(bulk.call("GET", f"job/{job['id']}/batch/x/result"), 400, "InvalidBatch")
    xml_error(bulk.call("GET", "jobs/nothing"), 404, "InvalidUrl")


@pytest.mark.parametrize("body,code", [
    ({"operation": "merge", "object": "Contact"}, "InvalidJob"),
    ({"operation": "insert", "object": "Nope__c"}, "InvalidJob"),
    ({"operation": "insert", "object": "Contact", "contentType": "ZIP_CSV"}, "InvalidJob"),
    ({"operation": "insert", "object": "Contact", "concurrencyMode": 7}, "InvalidJob"),
    ({"operation": "upsert", "object": "Contact"}, "InvalidJob"),
    ({"operation": "upsert", "object": "Contact", "externalIdFieldName": "LastName"}, "InvalidJob"),
])
def test_job_creation_errors(bulk, body, code):
    response = bulk.call("POST", "job", json.dumps({"contentType": "JSON", **body}), "application/json")
    json_error(response, 400, code)


def test_upsert_without_external_id_reads_as_the_real_message(bulk):
    message = json_error(bulk.call("POST", "job", json.dumps({"operation": "upsert", "object": "Contact",
                                                              "contentType": "JSON"}), "application/json"),
                         400, "InvalidJob")
    assert message == "External ID was blank for Contact. An External ID must be specified for upsert."
    created = bulk.json_job(operation="upsert", object="Contact", externalIdFieldName="Id", concurrencyMode=1)
    assert created["concurrencyMode"] == "Serial" and created["externalIdFieldName"] == "Id"


@pytest.mark.parametrize("value", [[], {}, 5, None, True, "", ["insert"], {"a": 1}])
@pytest.mark.parametrize("prop", ["operation", "object", "contentType", "concurrencyMode", "externalIdFieldName"])
def test_odd_job_property_values_are_400_not_500(bulk, prop, value):
    body = {"operation": "upsert", "object": "Contact", "contentType": "JSON", "externalIdFieldName": "Id",
            prop: value}
    response = bulk.call("POST", "job", json.dumps(body), "application/json")
    if response.status_code != 201:
        json_error(response, 400, "InvalidJob")
    job = bulk.json_job(operation="insert", object="Contact")
    changed = bulk.call("POST", f"job/{job['id']}", json.dumps({"state": value}), "application/json")
    json_error(changed, 400, "InvalidJobState")


@pytest.mark.parametrize("body,content_type,code", [
    (b"{not json", "application/json", "ClientInputError"),
    (b"[1, 2]", "application/json", "InvalidJob"),
    (b"<jobInfo", "application/xml", "InvalidXML"),
    (b"<other/>", "application/xml", "InvalidXML"),
    (b'<!DOCTYPE x [<!ENTITY a "b">]><jobInfo>&a;</jobInfo>', "application/xml", "InvalidXML"),
    (b"\xff\xfe\x00", "application/xml", "InvalidXML"),
    (b"", "application/xml", "InvalidXML"),
])
def test_garbage_job_bodies_are_400_not_500(bulk, body, content_type, code):
    response = bulk.call("POST", "job", body, content_type)
    if content_type == "application/json":
        json_error(response, 400, code)
    else:
        xml_error(response, 400, code)


@pytest.mark.parametrize("body", [b"{", b'{"LastName": "x"}', b"[1]", b'[{"LastName": [1]}]', b"",
                                  b'[{"Account": {"a": 1, "b": 2}}]'])
def test_garbage_json_batches_are_400_not_500(bulk, body):
    job = bulk.json_job(operation="insert", object="Contact")
    response = bulk.call("POST", f"job/{job['id']}/batch", body, "application/json")
    assert response.status_code == 400, response.text
    assert response.json()["exceptionCode"] in ("InvalidBatch", "ClientInputError")


def test_batch_rules(bulk):
    job = bulk.json_job(operation="insert", object="Contact")
    json_error(bulk.call("POST", f"job/{job['id']}/batch", "LastName\nx\n", "text/csv"), 400, "InvalidBatch")
    header_job = bulk.json_job(operation="insert", object="Contact")
    bad_field = bulk.call("POST", f"job/{header_job['id']}/batch", json.dumps([{"Nope__c": 1}]),
                          "application/json").json()
    info = bulk.call("GET", f"job/{header_job['id']}/batch/{bad_field['id']}").json()
    assert info["state"] == "Failed" and info["stateMessage"] == "InvalidBatch : Field name not found : Nope__c"
    closed = bulk.call("POST", f"job/{job['id']}", json.dumps({"state": "Closed"}), "application/json").json()
    assert closed["state"] == "Closed"
    json_error(bulk.call("POST", f"job/{job['id']}/batch", json.dumps([{"LastName": "x"}]), "application/json"),
               400, "InvalidJobState")
    json_error(bulk.call("POST", f"job/{job['id']}", json.dumps({"state": "Open"}), "application/json"),
               400, "InvalidJobState")
    csv_job = xml_fields(bulk.call("POST", "job", jsforce_job("insert", "Contact"), XML["Content-Type"]), "jobInfo")
    broken = xml_fields(bulk.call("POST", f"job/{csv_job['id']}/batch", 'LastName\n"unterminated\n', "text/csv"),
                        "batchInfo")
    state = xml_fields(bulk.call("GET", f"job/{csv_job['id']}/batch/{broken['id']}"), "batchInfo")
    assert state["state"] in ("Completed", "Failed")


def test_json_relationship_by_parent_external_id(bulk, crm_emulator, rest):
    org = crm_emulator.salesforce.default_org()
    org.schema.get("Account").add_field(FieldDef("Acct_Key__c", "Acct Key", "string", 20, custom=True,
                                                 external_id=True, unique=True))
    org.store("Account").ensure_index("Acct_Key__c")
    account = rest.post("sobjects/Account", json={"Name": "Parent", "Acct_Key__c": "P-1"}).json()["id"]
    job = bulk.json_job(operation="insert", object="Contact")
    batch = bulk.call("POST", f"job/{job['id']}/batch", json.dumps([
        {"LastName": "Child", "Account": {"attributes": {"type": "Account"}, "Acct_Key__c": "P-1"}},
        {"LastName": "Orphan", "Account": {"Acct_Key__c": "P-404"}}]), "application/json").json()
    results = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result").json()
    assert [r["success"] for r in results] == [True, False]
    assert rest.get(f"sobjects/Contact/{results[0]['id']}").json()["AccountId"] == account
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD"


def test_the_daily_bulk_allocation_counts_batches(bulk, crm_session):
    assert crm_session.post(f"{ADMIN}/config", json={"salesforce": {"daily_bulk_api_limit": 1}}).ok
    job = bulk.json_job(operation="insert", object="Contact")
    first = bulk.call("POST", f"job/{job['id']}/batch", json.dumps([{"LastName": "A"}]), "application/json")
    assert first.status_code == 201
    over = bulk.call("POST", f"job/{job['id']}/batch", json.dumps([{"LastName": "B"}]), "application/json")
    assert json_error(over, 400, "ExceededQuota").startswith("The job or batch you tried to create exceeds")
    json_error(bulk.call("POST", "job", json.dumps({"operation": "insert", "object": "Contact",
                                                     "contentType": "JSON"}), "application/json"),
               400, "ExceededQuota")


def test_query_batch_rules(bulk):
    job = bulk.json_job(operation="query", object="Contact")
    for soql in ("SELECT COUNT() FROM Contact", "SELECT Id FROM Account", "SELEKT"):
        batch = bulk.call("POST", f"job/{job['id']}/batch", soql, "application/json").json()
        info = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}").json()
        assert info["state"] == "Failed" and info["stateMessage"].startswith("InvalidBatch : "), info


def test_bulk_v1_calls_count_against_the_api_limit(bulk, rest):
    before = rest.get("limits").json()["DailyApiRequests"]["Remaining"]
    bulk.json_job(operation="insert", object="Contact")
    assert rest.get("limits").json()["DailyApiRequests"]["Remaining"] == before - 2


# -- issue-9 upsert details ------------------------------------------------------------------------------------
def test_bulk2_upsert_on_id_with_a_blank_id_inserts_the_row(rest):
    existing = rest.post("sobjects/Contact", json={"LastName": "Old"}).json()["id"]
    job = rest.post("jobs/ingest", json={"object": "Contact", "operation": "upsert",
                                         "externalIdFieldName": "Id"}).json()
    upload = f"Id,LastName\n{existing},Changed\n,Inserted\n#N/A,AlsoInserted\n"
    assert rest.call("PUT", f"jobs/ingest/{job['id']}/batches", data=upload,
                     headers={"Content-Type": "text/csv"}).status_code == 201
    rest.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert rest.get(f"jobs/ingest/{job['id']}").json()["numberRecordsFailed"] == 0
    done = list(csv.DictReader(io.StringIO(rest.get(f"jobs/ingest/{job['id']}/successfulResults").text)))
    assert [(r["sf__Created"], r["LastName"]) for r in done] == [("false", "Changed"), ("true", "Inserted"),
                                                                 ("true", "AlsoInserted")]
    assert rest.get(f"sobjects/Contact/{done[1]['sf__Id']}").json()["LastName"] == "Inserted"


def test_collections_upsert_rows_carry_created_under_all_or_none(rest, external_id):
    contact = {"attributes": {"type": "Contact"}}
    records = [{**contact, "LastName": "Fine", external_id: "K1"}, {**contact, "LastName": "NoKey"}]
    partial = rest.patch(f"composite/sobjects/Contact/{external_id}", json={"records": records}).json()
    assert [(r["success"], r.get("created")) for r in partial] == [(True, True), (False, None)]
    rolled = rest.patch(f"composite/sobjects/Contact/{external_id}", json={"allOrNone": True, "records": [
        {**contact, "LastName": "Again", external_id: "K2"}, {**contact, "LastName": "NoKey"}]}).json()
    assert [(r["success"], r["created"]) for r in rolled] == [(False, False), (False, False)]
    assert rolled[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


# -- against serve ----------------------------------------------------------------------------------------------
class ToServer(HTTPAdapter):
    """Sends every https URL to the local server: simple_salesforce always builds https URLs."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.target = urlsplit(base_url)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.url = parts._replace(scheme=self.target.scheme, netloc=self.target.netloc).geturl()
        return super().send(request, **kwargs)


def test_served_bulk_v1_simple_salesforce_jsforce_shapes_and_the_small_items():
    with serve_subprocess() as server:
        session = requests.Session()
        session.mount("https://", ToServer(server.base_url))
        sf = login(session)
        results = sf.bulk.Contact.insert([{"LastName": f"S{i}"} for i in range(5)] + [{"FirstName": "x"}],
                                         batch_size=4)
        assert [r["success"] for r in results] == [True] * 5 + [False]
        ids = [r["id"] for r in results[:5]]
        assert [r["success"] for r in sf.bulk.Contact.update([{"Id": i, "Title": "Srv"} for i in ids])] == [True] * 5
        upserted = sf.bulk.Contact.upsert([{"Id": ids[0], "LastName": "S0b"}, {"Id": "", "LastName": "S6"}], "Id")
        assert [(r["success"], r["created"]) for r in upserted] == [(True, False), (True, True)]
        rows = sf.bulk.Contact.query("SELECT LastName FROM Contact WHERE Title = 'Srv' ORDER BY LastName")
        assert [r["LastName"] for r in rows] == ["S0b", "S1", "S2", "S3", "S4"]
        assert all(r["success"] for r in sf.bulk.Contact.delete([{"Id": i} for i in ids[:2]]))
        assert len(sf.bulk.Contact.query_all("SELECT Id FROM Contact WHERE IsDeleted = true")) == 2

        bulk = Async(session, sf.session_id, f"{HOST}/services/async/59.0")
        job = xml_fields(bulk.call("POST", "job", jsforce_job("insert", "Contact"), XML["Content-Type"]), "jobInfo")
        batch = xml_fields(bulk.call("POST", f"job/{job['id']}/batch", "LastName\nServedCsv\n", "text/csv"),
                           "batchInfo")
        result = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result")
        assert list(csv.DictReader(io.StringIO(result.text)))[0]["Success"] == "true"
        xml_error(bulk.call("GET", f"job/{job['id']}", token="bad"), 400, "InvalidSessionId")
        xml_error(bulk.call("POST", "job", b"<jobInfo", "application/xml"), 400, "InvalidXML")

        base = f"{HOST}/services/data/v59.0"
        auth = {"Authorization": f"Bearer {sf.session_id}"}
        limit = session.get(f"{base}/query", params={"q": "SELECT Id FROM Contact LIMIT 99999999999999999999"},
                            headers=auth)
        assert limit.status_code == 400 and limit.json()[0]["errorCode"] == "MALFORMED_QUERY"
        start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
        short = session.get(f"{base}/sobjects/Contact/deleted/", headers=auth, params={
            "start": start.isoformat(), "end": (start + timedelta(seconds=30)).isoformat()})
        assert short.status_code == 400
        assert short.json()[0] == {"errorCode": "INVALID_REPLICATION_DATE",
                                   "message": "endDate must be at least one minute greater than startDate"}
