"""Bulk API 2.0 ingest jobs through the HTTP routes. Covers SF-REST-12 (with SF-REST-5 row validation).

Each rule both ways, with the real status and body: job creation and its
errors, the one-upload-per-job rule, the state machine, per-row results
(``sf__Id``/``sf__Created``/``sf__Error``), job-level failures, the
processing delay on the emulator clock, and malformed input never giving 500.
"""
from __future__ import annotations

import csv
import io

import copy
import random
from datetime import datetime, timedelta, timezone

import pytest

from emulator.pytest_plugin import fresh_emulator
from emulator.salesforce.bulk import jobs as bulk_jobs, routes as bulk
from emulator.salesforce.errors import ValidationFailure
from emulator.salesforce.sobjects.render import sf_datetime

ADMIN = "https://harness.my.salesforce.com/__emulator"
CSV = {"Content-Type": "text/csv"}


def create(rest, **body) -> dict:
    response = rest.post("jobs/ingest", json={"object": "Contact", "operation": "insert", **body})
    assert response.status_code == 200, response.text
    return response.json()


def put(rest, job_id: str, text: str | bytes, headers: dict | None = None):
    return rest.call("PUT", f"jobs/ingest/{job_id}/batches", data=text, headers=headers or CSV)


def close(rest, job_id: str, state: str = "UploadComplete"):
    return rest.patch(f"jobs/ingest/{job_id}", json={"state": state})


def run(rest, text: str | bytes, **body) -> dict:
    """Create, upload, close and read a job; returns its info."""
    job = create(rest, **body)
    assert put(rest, job["id"], text).status_code == 201
    assert close(rest, job["id"]).status_code == 200
    info = rest.get(f"jobs/ingest/{job['id']}")
    assert info.status_code == 200, info.text
    return info.json()


def results(rest, job_id: str, which: str) -> str:
    response = rest.get(f"jobs/ingest/{job_id}/{which}/")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    return response.text


def error(response, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body[0]["errorCode"] == code, body
    if message is not None:
        assert body[0]["message"] == message


def config(crm_session, **values) -> None:
    assert crm_session.post(f"{ADMIN}/config", json={"salesforce": values}).status_code == 200


def stored(crm_emulator, record_id: str | None = None):
    """The Contact store (deleted rows included), or one stored Contact."""
    store = crm_emulator.salesforce.default_org().store("Contact")
    return store if record_id is None else store.get(record_id)


# -- creating jobs ----------------------------------------------------------------------------
def test_create_returns_the_real_job_info(rest):
    job = create(rest, lineEnding="LF", columnDelimiter="COMMA", contentType="CSV")
    assert list(job) == ["id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
                         "concurrencyMode", "contentType", "apiVersion", "contentUrl", "lineEnding", "columnDelimiter"]
    assert job["id"].startswith("750") and len(job["id"]) == 18
    assert (job["state"], job["operation"], job["object"]) == ("Open", "insert", "Contact")
    assert (job["concurrencyMode"], job["contentType"], job["apiVersion"]) == ("Parallel", "CSV", 59.0)
    assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    assert job["createdDate"].endswith(".000+0000") and job["createdById"].startswith("005")
    upsert = create(rest, operation="upsert", externalIdFieldName="email")
    assert upsert["externalIdFieldName"] == "Email" and list(upsert).index("externalIdFieldName") == 7


@pytest.mark.parametrize("body, code, message", [
    ({"object": "Nope__c"}, "INVALIDJOB", "InvalidJob : Unable to find object: Nope__c"),
    ({"object": ""}, "INVALIDJOB", "InvalidJob : Unable to find object: "),
    ({"operation": "merge"}, "API_ERROR", "Invalid value: 'merge' supplied for property: 'operation'"),
    ({"operation": "query"}, "API_ERROR", "Invalid value: 'query' supplied for property: 'operation'"),
    ({"contentType": "JSON"}, "API_ERROR", "Invalid value: 'JSON' supplied for property: 'contentType'"),
    ({"lineEnding": "CR"}, "API_ERROR", "Invalid value: 'CR' supplied for property: 'lineEnding'"),
    ({"columnDelimiter": "COLON"}, "API_ERROR", "Invalid value: 'COLON' supplied for property: 'columnDelimiter'"),
    ({"operation": "upsert"}, "INVALIDJOB",
     "InvalidJob : Field name provided,  does not match an External ID for Contact"),
    ({"operation": "upsert", "externalIdFieldName": "LastName"}, "INVALIDJOB",
     "InvalidJob : Field name provided, LastName does not match an External ID for Contact"),
])
def test_create_refuses_bad_job_definitions(rest, body, code, message):
    error(rest.post("jobs/ingest", json={"object": "Contact", "operation": "insert", **body}), 400, code, message)


def test_create_refuses_malformed_bodies_and_old_versions(rest):
    error(rest.post("jobs/ingest", data="{oops", headers={"Content-Type": "application/json"}), 400,
          "JSON_PARSER_ERROR")
    error(rest.post("jobs/ingest", json=["insert"]), 400, "JSON_PARSER_ERROR")
    error(rest.post("jobs/ingest", data="a,b", headers=CSV), 415, "UNSUPPORTED_MEDIA_TYPE")
    error(rest.post("/services/data/v40.0/jobs/ingest", json={"object": "Contact", "operation": "insert"}), 404,
          "NOT_FOUND")
    assert rest.post("/services/data/v41.0/jobs/ingest", json={"object": "Contact",
                                                               "operation": "insert"}).status_code == 200


def test_unknown_jobs_are_not_found(rest):
    for path in ("jobs/ingest/750Hs0000000999IAA", "jobs/ingest/nonsense", "jobs/ingest/750Hs0000000999IAA/"
                 "successfulResults"):
        error(rest.get(path), 404, "NOT_FOUND", "The requested resource does not exist")
    error(put(rest, "750Hs0000000999IAA", "LastName\nx\n"), 404, "NOT_FOUND")
    error(close(rest, "750Hs0000000999IAA"), 404, "NOT_FOUND")
    error(rest.delete("jobs/ingest/750Hs0000000999IAA"), 404, "NOT_FOUND")
    query_job = rest.post("jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"}).json()
    error(rest.get(f"jobs/ingest/{query_job['id']}"), 404, "NOT_FOUND")


# -- uploading ------------------------------------------------------------------------------------
def test_upload_needs_text_csv(rest):
    job = create(rest)
    error(put(rest, job["id"], "LastName\nx\n", {"Content-Type": "application/json"}), 415,
          "UNSUPPORTED_MEDIA_TYPE", "MediaType of 'application/json' is not supported by this resource")
    error(put(rest, job["id"], "LastName\nx\n", {"Content-Type": ""}), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert put(rest, job["id"], "LastName\nx\n", {"Content-Type": "text/csv; charset=UTF-8"}).status_code == 201


def test_a_job_takes_one_upload_only(rest):
    job = create(rest)
    first = put(rest, job["id"], "LastName\nx\n")
    assert (first.status_code, first.content) == (201, b"")
    error(put(rest, job["id"], "LastName\ny\n"), 400, "BULK_API_ERROR",
          f"Found multipe contents for job: <{job['id'][:15]}>, please 'Close' / 'Abort' / 'Delete' the current Job "
          "then create a new Job and make sure you only do 'PUT' once on a given Job.")


def test_upload_only_while_open(rest):
    job = create(rest)
    assert close(rest, job["id"]).status_code == 200
    response = put(rest, job["id"], "LastName\nx\n")
    error(response, 400, "INVALIDJOBSTATE")
    assert response.json()[0]["message"].endswith("the job is in state JobComplete; data can only be uploaded "
                                                  "while it is Open")
    aborted = create(rest)
    close(rest, aborted["id"], "Aborted")
    error(put(rest, aborted["id"], "LastName\nx\n"), 400, "INVALIDJOBSTATE")


def test_upload_size_limit_is_the_bulk_one_not_the_rest_one(rest, monkeypatch, crm_session):
    config(crm_session, max_body_bytes=200)  # the REST body limit does not apply to uploads
    job = create(rest)
    assert put(rest, job["id"], "LastName\n" + "x\n" * 500).status_code == 201
    monkeypatch.setattr(bulk, "UPLOAD_LIMIT", 40)
    other = create(rest)
    error(put(rest, other["id"], "LastName\n" + "x\n" * 50), 413, "REQUEST_ENTITY_TOO_LARGE")


# -- state machine --------------------------------------------------------------------------------
def test_close_abort_and_delete_follow_the_state_machine(rest):
    job = create(rest)
    put(rest, job["id"], "LastName\nA\nB\n")
    error(rest.delete(f"jobs/ingest/{job['id']}"), 400, "INVALIDJOBSTATE")  # Open jobs cannot be deleted
    error(close(rest, job["id"], "JobComplete"), 400, "INVALIDJOBSTATE")
    error(close(rest, job["id"], "Open"), 400, "INVALIDJOBSTATE")
    error(rest.patch(f"jobs/ingest/{job['id']}", json=["UploadComplete"]), 400, "JSON_PARSER_ERROR")
    closed = close(rest, job["id"])
    assert closed.json()["state"] == "UploadComplete"
    assert list(closed.json()) == ["id", "operation", "object", "createdById", "createdDate", "systemModstamp",
                                   "state", "concurrencyMode", "contentType", "apiVersion"]
    error(close(rest, job["id"]), 400, "INVALIDJOBSTATE")
    assert rest.get(f"jobs/ingest/{job['id']}").json()["state"] == "JobComplete"
    error(close(rest, job["id"], "Aborted"), 400, "INVALIDJOBSTATE")
    assert rest.delete(f"jobs/ingest/{job['id']}").status_code == 204
    error(rest.get(f"jobs/ingest/{job['id']}"), 404, "NOT_FOUND")


def test_an_aborted_job_writes_nothing_and_lists_its_rows_as_unprocessed(rest, crm_emulator):
    job = create(rest)
    put(rest, job["id"], "LastName,Email\nA,a@example.com\nB,b@example.com\n")
    aborted = close(rest, job["id"], "Aborted")
    assert aborted.status_code == 200 and aborted.json()["state"] == "Aborted"
    info = rest.get(f"jobs/ingest/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"]) == ("Aborted", 0)
    assert results(rest, job["id"], "unprocessedrecords") == "LastName,Email\nA,a@example.com\nB,b@example.com\n"
    assert results(rest, job["id"], "successfulResults") == '"sf__Id","sf__Created",LastName,Email\n'
    assert len(stored(crm_emulator)) == 0
    assert rest.delete(f"jobs/ingest/{job['id']}").status_code == 204


def test_results_wait_for_the_job(rest):
    job = create(rest)
    put(rest, job["id"], "LastName\nA\n")
    for which in ("successfulResults", "failedResults"):
        error(rest.get(f"jobs/ingest/{job['id']}/{which}"), 400, "INVALIDJOBSTATE")
    assert results(rest, job["id"], "unprocessedRecords") == "LastName\nA\n"  # any case, any state
    error(rest.get(f"jobs/ingest/{job['id']}/otherResults"), 404, "NOT_FOUND")


# -- processing and results ---------------------------------------------------------------------------
def test_insert_reports_each_row(rest):
    text = ("FirstName,LastName,Email\n"
            "Ada,Lovelace,ada@example.com\n"
            "Grace,,grace@example.com\n"
            "Alan,Turing,not-an-email\n"
            'Kurt,"G\u00f6del, K.",kurt@example.com\n')
    info = run(rest, text)
    assert info["state"] == "JobComplete" and info["jobType"] == "V2Ingest"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (4, 2)
    assert list(info)[-6:] == ["numberRecordsProcessed", "numberRecordsFailed", "retries", "totalProcessingTime",
                               "apiActiveProcessingTime", "apexProcessingTime"]
    success = results(rest, info["id"], "successfulResults").splitlines()
    assert success[0] == '"sf__Id","sf__Created",FirstName,LastName,Email'
    ada_id = success[1].split(",")[0].strip('"')
    assert success[1] == f'"{ada_id}","true","Ada","Lovelace","ada@example.com"'
    assert success[2].endswith('"true","Kurt","G\u00f6del, K.","kurt@example.com"')
    assert results(rest, info["id"], "failedResults") == (
        '"sf__Id","sf__Error",FirstName,LastName,Email\n'
        '"","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --","Grace","",'
        '"grace@example.com"\n'
        '"","INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --","Alan","Turing",'
        '"not-an-email"\n')
    assert results(rest, info["id"], "unprocessedrecords") == "FirstName,LastName,Email\n"
    record = rest.get(f"sobjects/Contact/{ada_id}").json()
    assert (record["Name"], record["Email"]) == ("Ada Lovelace", "ada@example.com")


def test_a_row_error_naming_no_field_ends_with_a_bare_marker(rest):
    rest.post("sobjects/Account", json={"Name": "Acme"})
    info = run(rest, "LastName,AccountId\nA,001Hs0000000999IAA\n")
    assert results(rest, info["id"], "failedResults").splitlines()[1] == (
        '"","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:AccountId --","A","001Hs0000000999IAA"')


def test_unknown_header_fails_the_whole_job(rest):
    info = run(rest, "LastName,Foo__c\nA,1\nB,2\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Foo__c"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (0, 0)
    assert results(rest, info["id"], "unprocessedrecords") == "LastName,Foo__c\nA,1\nB,2\n"
    assert results(rest, info["id"], "failedResults") == '"sf__Id","sf__Error",LastName,Foo__c\n'


def test_line_ending_must_match_the_job(rest):
    info = run(rest, "LastName\r\nA\r\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"] == ("ClientInputError : LineEnding is invalid on user data. Current LineEnding "
                                    "setting is LF")
    crlf = run(rest, "LastName\r\nA\r\nB\r\n", lineEnding="CRLF")
    assert (crlf["state"], crlf["numberRecordsProcessed"]) == ("JobComplete", 2)
    assert results(rest, crlf["id"], "successfulResults").endswith('"true","B"\r\n')
    assert run(rest, "LastName\nA\n", lineEnding="CRLF")["state"] == "Failed"


def test_column_delimiter_and_null_marker(rest):
    info = run(rest, "LastName|Title|Email\nA|Boss|a@example.com\n", columnDelimiter="PIPE")
    line = results(rest, info["id"], "successfulResults").splitlines()
    assert line[0] == '"sf__Id"|"sf__Created"|LastName|Title|Email'
    record_id = line[1].split("|")[0].strip('"')
    update = run(rest, f"Id,Title,Email\n{record_id},#N/A,\n", operation="update")
    assert (update["numberRecordsProcessed"], update["numberRecordsFailed"]) == (1, 0)
    record = rest.get(f"sobjects/Contact/{record_id}").json()
    assert (record["Title"], record["Email"]) == (None, "a@example.com")  # #N/A nulls, empty leaves as is
    success = results(rest, update["id"], "successfulResults").splitlines()
    assert success[1] == f'"{record_id}","false","{record_id}","#N/A",""'


def test_update_delete_and_hard_delete_report_row_errors(rest, crm_emulator):
    ids = [rest.post("sobjects/Contact", json={"LastName": n}).json()["id"] for n in ("A", "B", "C")]
    update = run(rest, f"Id,LastName\n{ids[0]},A2\nnot-an-id,X\n003Hs0000000999IAA,Y\n{ids[1]},\n",
                 operation="update")
    assert (update["numberRecordsProcessed"], update["numberRecordsFailed"]) == (4, 2)
    failed = results(rest, update["id"], "failedResults").splitlines()
    assert failed[1] == ('"not-an-id","MALFORMED_ID:Contact ID: id value of incorrect type: not-an-id:Id --",'
                         '"not-an-id","X"')
    assert failed[2].startswith('"003Hs0000000999IAA","NOT_FOUND:The requested resource does not exist:--"')
    assert rest.get(f"sobjects/Contact/{ids[0]}").json()["LastName"] == "A2"
    assert rest.get(f"sobjects/Contact/{ids[1]}").json()["LastName"] == "B"  # empty value: unchanged
    delete = run(rest, f"Id\n{ids[0]}\n{ids[0]}\n", operation="delete")
    assert (delete["numberRecordsProcessed"], delete["numberRecordsFailed"]) == (2, 1)
    assert "ENTITY_IS_DELETED:entity is deleted:--" in results(rest, delete["id"], "failedResults")
    assert stored(crm_emulator, ids[0])["IsDeleted"] is True  # soft delete: in the recycle bin
    hard = run(rest, f"Id\n{ids[2]}\n", operation="hardDelete")
    assert hard["numberRecordsFailed"] == 0
    assert stored(crm_emulator, ids[2]) is None


def test_upsert_reports_created_flags(rest):
    existing = rest.post("sobjects/Contact", json={"LastName": "Old", "Email": "old@example.com"}).json()["id"]
    info = run(rest, "Email,LastName\nOLD@example.com,Renamed\nnew@example.com,New\n,NoKey\n",
               operation="upsert", externalIdFieldName="Email")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3, 1)
    rows = results(rest, info["id"], "successfulResults").splitlines()
    assert rows[1] == f'"{existing}","false","OLD@example.com","Renamed"'
    assert rows[2].split(",")[1:] == ['"true"', '"new@example.com"', '"New"']
    assert results(rest, info["id"], "failedResults").splitlines()[1] == (
        '"","MISSING_ARGUMENT:Email not specified:--","","NoKey"')
    assert rest.get(f"sobjects/Contact/{existing}").json()["LastName"] == "Renamed"


def test_upsert_with_several_matches_fails_the_row(rest):
    for _ in range(2):
        rest.post("sobjects/Contact", json={"LastName": "Twin", "Email": "twin@example.com"})
    info = run(rest, "Email,LastName\ntwin@example.com,X\n", operation="upsert", externalIdFieldName="Email")
    assert "DUPLICATE_EXTERNAL_ID:Email: more than one record found for external id field: [003" in \
        results(rest, info["id"], "failedResults")


def test_relationship_columns_resolve_parents_by_external_id(rest):
    field = rest.post("tooling/sobjects/CustomField", json={"FullName": "Account.ExtId__c", "Metadata": {
        "type": "Text", "length": 20, "label": "Ext Id", "externalId": True}})
    assert field.status_code == 201, field.text
    account = rest.post("sobjects/Account", json={"Name": "Acme", "ExtId__c": "ACME-1"}).json()["id"]
    info = run(rest, "LastName,Account.ExtId__c\nA,acme-1\nB,NOPE\nC,\n")
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (3, 1)
    assert results(rest, info["id"], "failedResults").splitlines()[1] == (
        '"","INVALID_FIELD:Foreign key external ID: NOPE not found for field ExtId__c in entity Account:--","B",'
        '"NOPE"')
    first = results(rest, info["id"], "successfulResults").splitlines()[1].split(",")[0].strip('"')
    assert rest.get(f"sobjects/Contact/{first}").json()["AccountId"] == account
    for header, message in (("LastName,Boss.ExtId__c", "InvalidBatch : Unable to find relationship: Boss"),
                            ("LastName,Account.Name", "InvalidBatch : Field name not found : Account.Name"),
                            ("LastName,Account:Account.ExtId__c",
                             "InvalidBatch : type is not needed for non polymorphic foreign key references: "
                             "Account")):
        failed = run(rest, f"{header}\nA,x\n")
        assert (failed["state"], failed["errorMessage"]) == ("Failed", message)


# -- time and limits ------------------------------------------------------------------------------------
def test_processing_delay_runs_on_the_emulator_clock(rest, crm_emulator, crm_session):
    config(crm_session, bulk_processing_seconds=60)
    clock = crm_emulator.clock
    clock.freeze()
    clock.set(clock.now().replace(microsecond=0))
    closed_at = clock.now()
    job = create(rest)
    put(rest, job["id"], "LastName\nA\n")
    assert close(rest, job["id"]).json()["state"] == "UploadComplete"
    assert rest.get(f"jobs/ingest/{job['id']}").json()["state"] == "InProgress"
    error(rest.get(f"jobs/ingest/{job['id']}/successfulResults"), 400, "INVALIDJOBSTATE")
    error(rest.delete(f"jobs/ingest/{job['id']}"), 400, "INVALIDJOBSTATE")
    clock.advance(timedelta(seconds=59))
    assert rest.get(f"jobs/ingest/{job['id']}").json()["state"] == "InProgress"
    assert len(stored(crm_emulator)) == 0
    clock.advance(timedelta(minutes=30))
    done_at = sf_datetime(closed_at + timedelta(seconds=60))
    info = rest.get(f"jobs/ingest/{job['id']}").json()
    assert (info["state"], info["systemModstamp"], info["totalProcessingTime"]) == ("JobComplete", done_at, 60000)
    record_id = results(rest, job["id"], "successfulResults").splitlines()[1].split(",")[0].strip('"')
    assert rest.get(f"sobjects/Contact/{record_id}").json()["CreatedDate"] == done_at


def test_bulk_batches_are_counted_and_capped(rest, crm_session):
    before = rest.get("limits").json()["DailyBulkApiBatches"]
    run(rest, "LastName\n" + "x\n" * 12_000)  # 12 000 rows: two batches of 10 000
    after = rest.get("limits").json()["DailyBulkApiBatches"]
    assert before["Remaining"] - after["Remaining"] == 2
    config(crm_session, daily_bulk_api_limit=2)
    error(rest.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}), 400, "EXCEEDEDQUOTA")
    response = rest.get("jobs/ingest")
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_list_jobs_pages_with_query_locators(rest, monkeypatch):
    monkeypatch.setattr(bulk_jobs, "LIST_PAGE", 2)
    ids = [create(rest)["id"] for _ in range(3)]
    first = rest.get("jobs/ingest").json()
    assert list(first) == ["done", "records", "nextRecordsUrl"]
    assert first["done"] is False and [j["id"] for j in first["records"]] == ids[:2]
    assert first["records"][0]["jobType"] == "V2Ingest" and "numberRecordsProcessed" not in first["records"][0]
    second = rest.get(first["nextRecordsUrl"]).json()
    assert (second["done"], [j["id"] for j in second["records"]], second["nextRecordsUrl"]) == (True, ids[2:], None)
    assert rest.get("jobs/ingest", params={"jobType": "Classic"}).json()["records"] == []
    error(rest.get("jobs/ingest", params={"queryLocator": "garbage"}), 400, "API_ERROR")


# -- malformed input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    b"", b"\n\n", b"LastName\n", b"\xff\xfe\x00garbage\x00\n\x00", b'LastName\n"unterminated\n',
    b"LastName,Email\nA,a@example.com,extra,values\n", b'LastName\n"a""b"x\n', b"\x00\x00\x00",
    b"LastName\n" + b"y" * 200_000 + b"\n", "LastName\n\u00e9\u00e8\n".encode("latin-1"),
    b"\xef\xbb\xbfLastName\nA\n",
])
def test_garbage_uploads_never_give_500(rest, body):
    info = run(rest, body)
    assert info["state"] in ("JobComplete", "Failed")
    for which in ("successfulResults", "failedResults", "unprocessedrecords"):
        assert rest.get(f"jobs/ingest/{info['id']}/{which}").status_code == 200


def test_a_job_closed_without_data_completes_empty(rest):
    job = create(rest)
    close(rest, job["id"])
    info = rest.get(f"jobs/ingest/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 0)


# -- the batch create path keeps REST validation ------------------------------------------------------------
def test_create_many_matches_create_record_for_record():
    """Records.create_many (the bulk insert path) gives what create() gives, errors included (SF-REST-5)."""
    rnd = random.Random(7)
    keys = ["LastName", "lastname", "FirstName", "Email", "Phone", "Title", "Name", "Id", "Salutation",
            "AccountId", "Birthdate", "HasOptedOutOfEmail", "Foo__c", "attributes", "DoNotCall"]
    values = ["", "x", "Smith", "a" * 90, "bad-email", "ok@example.com", None, 5, 3.5, True, "Mr.", "Bogus",
              "2020-01-01", "true", "001Hs0000000001IAA", "003xx", {"a": 1}, [1]]

    def payload():
        if rnd.random() < 0.03:
            return rnd.choice(["text", 5, None, ["x"]])
        body = {rnd.choice(keys): rnd.choice(values) for _ in range(rnd.randint(0, 4))}
        return {"LastName": rnd.choice(["Smith", "x"]), **body} if rnd.random() < 0.6 else body

    payloads = [payload() for _ in range(3000)]

    def outcomes(many: bool) -> list:
        emulator = fresh_emulator()
        emulator.clock.freeze()
        emulator.clock.set(datetime(2030, 1, 1, tzinfo=timezone.utc))
        backend = emulator.salesforce
        data = backend.default_org()
        with backend.lock:
            records = backend.records(data.org.id, next(iter(data.org.users)))
            records.create("Account", {"Name": "A"})
            if many:
                return [(dict(r) if r else None, f.details if f else None)
                        for r, f in records.create_many("Contact", copy.deepcopy(payloads))]
            found = []
            for body in copy.deepcopy(payloads):
                try:
                    found.append((dict(records.create("Contact", body)), None))
                except ValidationFailure as failure:
                    found.append((None, failure.details))
            return found

    one_by_one, batched = outcomes(False), outcomes(True)
    assert batched == one_by_one
    assert sum(1 for r, _ in batched if r) > 500


# -- a real client ----------------------------------------------------------------------------------------
def test_simple_salesforce_bulk2_runs_unmodified(crm_session):
    """simple_salesforce 1.12's ``sf.bulk2`` (create, PUT, close, poll, results, query pages) works as is."""
    from simple_salesforce import Salesforce

    sf = Salesforce(username="admin@example.com", password="password123", security_token="TOKEN123",
                    session=crm_session)
    loaded = sf.bulk2.Contact.insert(records=[{"LastName": "A", "Email": "a@example.com"},
                                              {"LastName": "", "Email": "b@example.com"}], wait=0)
    assert (loaded[0]["numberRecordsProcessed"], loaded[0]["numberRecordsFailed"]) == (2, 1)
    successes = list(csv.DictReader(io.StringIO(sf.bulk2.Contact.get_successful_records(loaded[0]["job_id"]))))
    assert [(r["sf__Created"], r["Email"], r["LastName"]) for r in successes] == [("true", "a@example.com", "A")]
    assert "REQUIRED_FIELD_MISSING" in sf.bulk2.Contact.get_failed_records(loaded[0]["job_id"])
    pages = list(sf.bulk2.Contact.query("SELECT LastName FROM Contact", max_records=1, wait=0))
    assert pages == ['"LastName"\n"A"\n']
