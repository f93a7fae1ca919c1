"""Connector Bulk API 2.0 helpers against the in-process emulator.

Covers CON-SF-1 (bulk ingest split into uploads of at most 100 MB, one job
per upload; polling with an injectable sleep; results collected; query
results followed through Sforce-Locator) on top of SF-REST-12.
"""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from connector.salesforce import MalformedRequest, NotFound
from connector.salesforce.bulk2 import BulkJobFailed, BulkJobTimeout, chunks, ingest, query

ADMIN = "https://harness.my.salesforce.com/__emulator"


def no_sleep(_seconds: float) -> None:
    """Polling never waits in these tests."""


def test_ingest_text_collects_every_result(salesforce):
    text = "FirstName,LastName,Email\nAda,Lovelace,ada@example.com\nGrace,,grace@example.com\n"
    result = ingest(salesforce, "Contact", "insert", text, sleep=no_sleep)
    assert len(result.jobs) == 1 and result.jobs[0]["state"] == "JobComplete"
    assert (result.number_records_processed, result.number_records_failed) == (2, 1)
    assert result.successful[0]["sf__Created"] == "true" and result.successful[0]["LastName"] == "Lovelace"
    assert result.failed[0]["sf__Error"] == "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    assert result.unprocessed == [] and result.job_errors == []
    record = salesforce.get("Contact", result.successful[0]["sf__Id"], ["Name"])
    assert record["Name"] == "Ada Lovelace"


def test_ingest_rows_and_null_marker(salesforce):
    created = ingest(salesforce, "Contact", "insert", [{"LastName": "A", "Title": "Boss"}, {"LastName": "B"}],
                     sleep=no_sleep)
    first = created.successful[0]["sf__Id"]
    updated = ingest(salesforce, "Contact", "update", [{"Id": first, "Title": None}], sleep=no_sleep)
    assert updated.number_records_failed == 0
    assert salesforce.get("Contact", first, ["Title"])["Title"] is None


def test_large_loads_are_split_into_one_job_per_upload(salesforce):
    rows = [{"LastName": f"Row {i:03d}", "Email": f"r{i}@example.com"} for i in range(120)]
    sizes = [len(c) for c in chunks(rows, max_bytes=1024)]
    assert len(sizes) >= 3 and max(sizes) <= 1024
    result = ingest(salesforce, "Contact", "insert", rows, sleep=no_sleep, max_upload_bytes=1024)
    assert len(result.job_ids) == len(sizes) == len(set(result.job_ids))
    assert result.number_records_processed == 120 and len(result.successful) == 120
    assert sorted(r["LastName"] for r in result.successful) == [f"Row {i:03d}" for i in range(120)]


def test_upsert_reports_created_flags(salesforce):
    salesforce.create("Contact", {"LastName": "Old", "Email": "old@example.com"})
    result = ingest(salesforce, "Contact", "upsert", "Email,LastName\nold@example.com,X\nnew@example.com,Y\n",
                    external_id_field="Email", sleep=no_sleep)
    assert sorted(r["sf__Created"] for r in result.successful) == ["false", "true"]


def test_failed_job_is_reported_with_its_unprocessed_rows(salesforce):
    result = ingest(salesforce, "Contact", "insert", "LastName,Bogus__c\nA,1\n", sleep=no_sleep)
    assert result.jobs[0]["state"] == "Failed"
    assert result.job_errors == ["InvalidBatch : Field name not found : Bogus__c"]
    assert result.unprocessed == [{"LastName": "A", "Bogus__c": "1"}]


def test_request_errors_raise_typed_errors(salesforce):
    with pytest.raises(MalformedRequest) as caught:
        ingest(salesforce, "Nope__c", "insert", "Name\nx\n", sleep=no_sleep)
    assert caught.value.error_code == "INVALIDJOB"
    with pytest.raises(MalformedRequest) as caught:
        list(query(salesforce, "SELECT Nope__c FROM Contact", sleep=no_sleep))
    assert caught.value.error_code == "INVALID_FIELD"
    with pytest.raises(NotFound):
        salesforce.request("GET", "jobs/ingest/750Hs0000000999IAA")


def test_query_follows_locators(salesforce):
    ingest(salesforce, "Contact", "insert", [{"LastName": f"Q{i}"} for i in range(7)], sleep=no_sleep)
    found = list(query(salesforce, "SELECT Id, LastName FROM Contact ORDER BY LastName", max_records=3,
                       sleep=no_sleep))
    assert [r["LastName"] for r in found] == [f"Q{i}" for i in range(7)]
    assert all(r["Id"].startswith("003") for r in found)


def test_polling_follows_a_frozen_emulator_clock(salesforce, crm_emulator, crm_session):
    crm_session.post(f"{ADMIN}/config", json={"salesforce": {"bulk_processing_seconds": 45}})
    crm_emulator.clock.freeze()
    slept: list[float] = []

    def travel(seconds: float) -> None:
        slept.append(seconds)
        crm_emulator.clock.advance(timedelta(seconds=seconds))

    result = ingest(salesforce, "Contact", "insert", "LastName\nA\n", poll_interval=10, sleep=travel)
    assert result.jobs[0]["state"] == "JobComplete" and slept == [10, 10, 10, 10, 10]
    with pytest.raises(BulkJobTimeout) as caught:
        ingest(salesforce, "Contact", "insert", "LastName\nB\n", poll_interval=10, timeout=30, sleep=no_sleep)
    assert caught.value.job["state"] == "InProgress"
    rows = list(query(salesforce, "SELECT LastName FROM Contact", poll_interval=15, sleep=travel))
    assert sorted(r["LastName"] for r in rows) == ["A", "B"]  # B's job, closed earlier, was due first


def test_failed_query_job_raises(salesforce, crm_emulator, crm_session, monkeypatch):
    from emulator.salesforce.bulk import query as bulk_query

    def broken(job, data, at):
        job.state, job.error_message = "Failed", "InvalidBatch : Failed to process query: boom"

    monkeypatch.setattr(bulk_query, "process", broken)
    with pytest.raises(BulkJobFailed) as caught:
        list(query(salesforce, "SELECT Id FROM Contact", sleep=no_sleep))
    assert caught.value.job["errorMessage"] == "InvalidBatch : Failed to process query: boom"


def test_connector_does_not_import_the_emulator():
    source = Path(__file__).resolve().parents[2] / "connector" / "salesforce" / "bulk2.py"
    imported = {node.module or "" for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not any(name.startswith("emulator") for name in imported)
