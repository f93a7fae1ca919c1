"""Bulk API 2.0 query jobs through the HTTP routes. Covers SF-REST-12 (with SF-REST-8 query errors).

Creation and its errors, the lazy state machine on the emulator clock,
abort/delete, CSV results paged with ``Sforce-Locator`` (the string "null"
on the last page) and ``Sforce-NumberOfRecords``, queryAll, and bad paging
parameters never giving 500.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

ADMIN = "https://harness.my.salesforce.com/__emulator"


def error(response, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body[0]["errorCode"] == code, body
    if message is not None:
        assert body[0]["message"] == message


def create(rest, soql: str, operation: str = "query", **body) -> dict:
    response = rest.post("jobs/query", json={"operation": operation, "query": soql, **body})
    assert response.status_code == 200, response.text
    return response.json()


def contacts(rest, count: int) -> list[str]:
    return [rest.post("sobjects/Contact", json={"LastName": f"L{i:02d}", "Email": f"c{i}@example.com"}).json()["id"]
            for i in range(count)]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_create_returns_the_real_job_info(rest):
    job = create(rest, "SELECT Id, Name FROM contact")
    assert list(job) == ["id", "operation", "object", "createdById", "createdDate", "systemModstamp", "state",
                         "concurrencyMode", "contentType", "apiVersion", "lineEnding", "columnDelimiter"]
    assert job["id"].startswith("750") and (job["object"], job["state"]) == ("Contact", "UploadComplete")
    info = rest.get(f"jobs/query/{job['id']}").json()
    assert (info["state"], info["jobType"], info["numberRecordsProcessed"]) == ("JobComplete", "V2Query", 0)
    assert "numberRecordsFailed" not in info


@pytest.mark.parametrize("body, status, code", [
    ({"operation": "query", "query": "SELEC Id FROM Contact"}, 400, "MALFORMED_QUERY"),
    ({"operation": "query", "query": "SELECT Id FROM Nope__c"}, 400, "INVALID_TYPE"),
    ({"operation": "query", "query": "SELECT Foo__c FROM Contact"}, 400, "INVALID_FIELD"),
    ({"operation": "query", "query": "SELECT COUNT() FROM Contact"}, 400, "API_ERROR"),
    ({"operation": "query", "query": "SELECT Id FROM Contact LIMIT 5 OFFSET 2"}, 400, "API_ERROR"),
    ({"operation": "insert", "query": "SELECT Id FROM Contact"}, 400, "API_ERROR"),
    ({"operation": "query"}, 400, "API_ERROR"),
    ({"operation": "query", "query": 42}, 400, "API_ERROR"),
    ({"operation": "query", "query": "SELECT Id FROM Contact", "columnDelimiter": "x"}, 400, "API_ERROR"),
])
def test_create_refuses_what_cannot_run(rest, body, status, code):
    error(rest.post("jobs/query", json=body), status, code)


def test_create_error_texts(rest):
    error(rest.post("jobs/query", json={"operation": "insert", "query": "SELECT Id FROM Contact"}), 400,
          "API_ERROR", "Invalid value: 'insert' supplied for property: 'operation'")
    error(rest.post("jobs/query", data="{", headers={"Content-Type": "application/json"}), 400, "JSON_PARSER_ERROR")
    error(rest.post("/services/data/v46.0/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"}),
          404, "NOT_FOUND")
    error(rest.get("jobs/query/750Hs0000000999IAA"), 404, "NOT_FOUND", "The requested resource does not exist")
    error(rest.get("jobs/query/750Hs0000000999IAA/results"), 404, "NOT_FOUND")


def test_results_are_csv_pages_chained_by_locators(rest):
    contacts(rest, 5)
    job = create(rest, "SELECT Id, LastName, Email, CreatedDate, Account.Name FROM Contact ORDER BY LastName")
    first = rest.get(f"jobs/query/{job['id']}/results", params={"maxRecords": 2})
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("text/csv")
    assert first.headers["Sforce-NumberOfRecords"] == "2"
    table = rows(first.text)
    assert table[0] == ["Id", "LastName", "Email", "CreatedDate", "Account.Name"]
    assert first.text.startswith('"Id","LastName","Email","CreatedDate","Account.Name"\n"003')
    assert [r[1] for r in table[1:]] == ["L00", "L01"]
    assert table[1][3].endswith(".000Z") and table[1][4] == ""
    seen, locator, pages = [r[1] for r in table[1:]], first.headers["Sforce-Locator"], 1
    while locator != "null":
        page = rest.get(f"jobs/query/{job['id']}/results", params={"maxRecords": 2, "locator": locator})
        assert page.status_code == 200
        seen += [r[1] for r in rows(page.text)[1:]]
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(rows(page.text)) - 1
        locator, pages = page.headers["Sforce-Locator"], pages + 1
    assert seen == ["L00", "L01", "L02", "L03", "L04"] and pages == 3
    again = rest.get(f"jobs/query/{job['id']}/results", params={"maxRecords": 2,
                                                                 "locator": first.headers["Sforce-Locator"]})
    assert [r[1] for r in rows(again.text)[1:]] == ["L02", "L03"]  # a locator can be used again
    whole = rest.get(f"jobs/query/{job['id']}/results")
    assert (whole.headers["Sforce-Locator"], whole.headers["Sforce-NumberOfRecords"]) == ("null", "5")


def test_results_snapshot_and_empty_results(rest):
    job = create(rest, "SELECT Id FROM Contact")
    assert rest.get(f"jobs/query/{job['id']}").json()["state"] == "JobComplete"
    contacts(rest, 2)  # created after the job ran
    empty = rest.get(f"jobs/query/{job['id']}/results")
    assert (empty.text, empty.headers["Sforce-NumberOfRecords"], empty.headers["Sforce-Locator"]) == (
        '"Id"\n', "0", "null")


def test_query_all_includes_deleted_rows(rest):
    ids = contacts(rest, 2)
    assert rest.delete(f"sobjects/Contact/{ids[0]}").status_code == 204
    live = create(rest, "SELECT Id, IsDeleted FROM Contact")
    every = create(rest, "SELECT Id, IsDeleted FROM Contact", operation="queryAll")
    assert rows(rest.get(f"jobs/query/{live['id']}/results").text)[1:] == [[ids[1], "false"]]
    assert sorted(rows(rest.get(f"jobs/query/{every['id']}/results").text)[1:]) == sorted(
        [[ids[0], "true"], [ids[1], "false"]])


def test_delimiter_and_line_ending_of_the_job(rest):
    contacts(rest, 1)
    job = create(rest, "SELECT LastName, Email FROM Contact", columnDelimiter="SEMICOLON", lineEnding="CRLF")
    text = rest.get(f"jobs/query/{job['id']}/results").text
    assert text == '"LastName";"Email"\r\n"L00";"c0@example.com"\r\n'


@pytest.mark.parametrize("params", [{"maxRecords": "0"}, {"maxRecords": "-1"}, {"maxRecords": "many"},
                                    {"locator": "%%%"}, {"locator": "null"}, {"locator": "OTk5OTk5"}])
def test_bad_paging_parameters(rest, params):
    contacts(rest, 1)
    job = create(rest, "SELECT Id FROM Contact")
    rest.get(f"jobs/query/{job['id']}")
    error(rest.get(f"jobs/query/{job['id']}/results", params=params), 400, "API_ERROR")


def test_processing_delay_abort_and_delete(rest, crm_emulator, crm_session):
    crm_session.post(f"{ADMIN}/config", json={"salesforce": {"bulk_processing_seconds": 30}})
    crm_emulator.clock.freeze()
    contacts(rest, 3)
    job = create(rest, "SELECT Id FROM Contact")
    assert rest.get(f"jobs/query/{job['id']}").json()["state"] == "InProgress"
    error(rest.get(f"jobs/query/{job['id']}/results"), 400, "INVALIDJOBSTATE")
    error(rest.delete(f"jobs/query/{job['id']}"), 400, "INVALIDJOBSTATE")
    crm_emulator.clock.advance(timedelta(seconds=30))
    info = rest.get(f"jobs/query/{job['id']}").json()
    assert (info["state"], info["numberRecordsProcessed"]) == ("JobComplete", 3)
    error(rest.patch(f"jobs/query/{job['id']}", json={"state": "Aborted"}), 400, "INVALIDJOBSTATE")
    other = create(rest, "SELECT Id FROM Contact")
    error(rest.patch(f"jobs/query/{other['id']}", json={"state": "UploadComplete"}), 400, "INVALIDJOBSTATE")
    aborted = rest.patch(f"jobs/query/{other['id']}", json={"state": "Aborted"})
    assert aborted.status_code == 200 and aborted.json()["state"] == "Aborted"
    crm_emulator.clock.advance(timedelta(minutes=5))
    assert rest.get(f"jobs/query/{other['id']}").json()["state"] == "Aborted"  # never runs
    error(rest.get(f"jobs/query/{other['id']}/results"), 400, "INVALIDJOBSTATE")
    assert rest.delete(f"jobs/query/{other['id']}").status_code == 204
    error(rest.get(f"jobs/query/{other['id']}"), 404, "NOT_FOUND")


def test_list_query_jobs(rest):
    job = create(rest, "SELECT Id FROM Contact")
    listing = rest.get("jobs/query").json()
    assert (listing["done"], listing["nextRecordsUrl"]) == (True, None)
    assert [j["id"] for j in listing["records"]] == [job["id"]] and listing["records"][0]["jobType"] == "V2Query"
    assert rest.get("jobs/ingest").json()["records"] == []
