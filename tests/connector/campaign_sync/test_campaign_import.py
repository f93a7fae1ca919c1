"""Import from the CRM end to end against the in-process emulator (CON-CAMP-1, on SF-REST-8)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import table

from connector.campaign_sync import (
    ConfigurationError,
    FilterError,
    ImportSpec,
    OptionFormatError,
    ProcessError,
    run_import,
    transaction,
)
from connector.campaign_sync.options import write_option

ADMIN = "https://harness.my.salesforce.com/__emulator"


def contacts(sf, count: int, **extra) -> list[str]:
    return [sf.create("Contact", {"LastName": f"Person {i:02d}", "Email": f"p{i}@example.com", **extra})
            for i in range(count)]


def queries(crm_emulator) -> list[dict]:
    return [e for e in crm_emulator.journal.entries(None) if e["path"].endswith("/query")]


def test_full_then_incremental_import_reads_only_changed_rows(sf, db, clock, crm_emulator):
    ids = contacts(sf, 6)
    clock.advance(timedelta(minutes=5))
    spec = ImportSpec("importContacts", "Contact", ["LastName=last_name", "Email=email"], instance="prod")
    first = run_import(sf, db, spec, now=clock.now)
    assert (first.rows_read, first.processed, first.status) == (6, 6, "ok")
    assert first.variables == {"crmOptionName": "LASTIMPORT_prod_importContacts", "crmStartImport": "",
                               "crmEndDate": "2030/03/01 09:05:00"}
    rows = table(db, "recipients")
    assert sorted(r["crm_id"] for r in rows) == sorted(ids) and {r["crm_object"] for r in rows} == {"Contact"}
    assert json.loads(rows[0]["data"]) == {"last_name": "Person 00", "email": "p0@example.com"}
    assert rows[0]["crm_modified"] == "2030-03-01T09:00:00.000+0000"  # last-modified added automatically
    assert table(db, "options") == [{"name": "LASTIMPORT_prod_importContacts", "value": "2030/03/01 09:05:00"}]

    clock.advance(timedelta(hours=1))  # time travel, then two updates and one new Contact
    sf.update("Contact", ids[1], {"LastName": "Changed"})
    sf.update("Contact", ids[4], {"Email": "new4@example.com"})
    new = sf.create("Contact", {"LastName": "Newcomer"})
    clock.advance(timedelta(minutes=1))
    second = run_import(sf, db, spec, now=clock.now)
    assert second.rows_read == 3 and second.processed == 3
    assert second.variables["crmStartImport"] == "2030/03/01 09:05:00"
    assert second.variables["crmEndDate"] == "2030/03/01 10:06:00"
    assert "LastModifiedDate >= 2030-03-01T09:05:00Z AND LastModifiedDate < 2030-03-01T10:06:00Z" in second.soql
    rows = {r["crm_id"]: json.loads(r["data"]) for r in table(db, "recipients")}
    assert len(rows) == 7  # reconciled on the CRM Id: no duplicates
    assert rows[ids[1]]["last_name"] == "Changed" and rows[ids[4]]["email"] == "new4@example.com"
    assert rows[new] == {"last_name": "Newcomer", "email": None}

    third = run_import(sf, db, spec, now=clock.now)  # nothing changed since: nothing read
    assert third.rows_read == 0 and third.variables["crmStartImport"] == "2030/03/01 10:06:00"


def test_window_start_is_included_and_end_excluded(sf, db, clock):
    spec = ImportSpec("edges", "Contact", ["LastName"])
    with transaction(db):
        write_option(db, "LASTIMPORT_default_edges", "2030/03/01 09:00:00")
    at_start = sf.create("Contact", {"LastName": "AtStart"})  # 09:00:00 == crmStartImport: included
    clock.advance(timedelta(hours=1))
    at_end = sf.create("Contact", {"LastName": "AtEnd"})  # 10:00:00 == crmEndDate: excluded
    outcome = run_import(sf, db, spec, now=clock.now)
    assert [r["crm_id"] for r in table(db, "recipients")] == [at_start]
    clock.advance(timedelta(seconds=1))
    run_import(sf, db, spec, now=clock.now)
    assert sorted(r["crm_id"] for r in table(db, "recipients")) == sorted([at_start, at_end])
    assert outcome.variables["crmEndDate"] == "2030/03/01 10:00:00"


def test_seed_filter_order_by_conversions_and_upstream_ids(sf, db, clock):
    old = sf.create("Contact", {"LastName": "Old", "Email": "old@example.com"})
    crm = [sf.create("Contact", {"LastName": name, "Email": f"{name.lower()}@example.com"})
           for name in ("Brown", "Adams", "Clark")]
    for record_id, day in zip(crm, ("2013-01-05", "2012-11-02", "2012-12-24")):
        sf.update("Contact", record_id, {"Birthdate": day})
    clock.advance(timedelta(minutes=1))
    spec = ImportSpec("active", "Contact", ["LastName", "LastModifiedDate=modified:date_only",
                                            "CreatedDate=created:without_offset", "Birthdate=birth:copy_paste"],
                      filter="Birthdate > date(2012, 11, 1) AND Email IS NOT NULL", order_by=["LastName DESC"],
                      auto_index=False, timezone="America/New_York")
    outcome = run_import(sf, db, spec, now=clock.now)
    assert "WHERE (Birthdate > 2012-11-01 AND Email != null) ORDER BY LastName DESC" in outcome.soql
    assert "LastModifiedDate <" not in outcome.soql and table(db, "options") == []
    data = [json.loads(r["data"]) for r in table(db, "recipients")]
    assert [d["LastName"] for d in data] == ["Clark", "Brown", "Adams"]  # inserted in the query's order
    assert data[0]["modified"] == "2030-03-01"  # 09:00 UTC is 04:00 in New York: same day
    assert data[0]["created"] == "2030-03-01 09:00:00" and data[0]["birth"] == "2012-12-24"
    assert old not in {r["crm_id"] for r in table(db, "recipients")}

    upstream = ImportSpec("upstream", "Contact", ["LastName"], ids=[old, crm[1]], auto_index=False)
    assert run_import(sf, db, upstream, now=clock.now).rows_read == 2
    assert len(table(db, "recipients")) == 4


def test_option_name_and_delta_field_overrides(sf, db, clock):
    sf.create("Contact", {"LastName": "Only"})
    clock.advance(timedelta(minutes=2))
    spec = ImportSpec("x", "Contact", ["LastName"], option_name="MY_OPTION", delta_field="SystemModstamp")
    outcome = run_import(sf, db, spec, now=clock.now)
    assert outcome.variables["crmOptionName"] == "MY_OPTION" and "SystemModstamp < 2030-03-01T09:02:00Z" in outcome.soql
    assert table(db, "options") == [{"name": "MY_OPTION", "value": "2030/03/01 09:02:00"}]


@pytest.mark.parametrize("spec, error, text", [
    (ImportSpec("bad", "Contact", ["LastName", "Nickname__c"]), ConfigurationError, "unknown remote field 'Nickname__c'"),
    (ImportSpec("bad", "Contact", ["LastName"], filter="LastName = 'x'"), FilterError, "NULL_OR_NUMBER_ONLY"),
    (ImportSpec("bad", "Contact", ["LastName"], order_by=["Nope"]), ConfigurationError, "order-by field"),
    (ImportSpec("bad", "Contact", ["LastName"], delta_field="LastName"), ConfigurationError, "not a dateTime"),
    (ImportSpec("bad", "Nope__c", ["Name"]), ConfigurationError, "unknown remote object"),
    (ImportSpec("bad", "Contact", ["LastName:sideways"]), ConfigurationError, "unknown conversion"),
])
def test_bad_settings_are_refused_before_anything_is_read_or_written(sf, db, clock, crm_emulator, spec, error, text):
    sf.create("Contact", {"LastName": "Someone"})
    before = len(queries(crm_emulator))
    with pytest.raises(error, match=text):
        run_import(sf, db, spec, now=clock.now)
    assert len(queries(crm_emulator)) == before
    assert table(db, "recipients") == [] and table(db, "options") == []


def test_a_malformed_option_is_a_clear_error_and_a_missing_one_a_full_import(sf, db, clock):
    sf.create("Contact", {"LastName": "Someone"})
    clock.advance(timedelta(minutes=1))
    with transaction(db):
        write_option(db, "LASTIMPORT_default_imp", "01/11/2012 5:00 PM")
    with pytest.raises(OptionFormatError, match="LASTIMPORT_default_imp holds '01/11/2012 5:00 PM'"):
        run_import(sf, db, ImportSpec("imp", "Contact", ["LastName"]), now=clock.now)
    assert table(db, "recipients") == []
    assert table(db, "options")[0]["value"] == "01/11/2012 5:00 PM"
    with transaction(db):
        db.execute("DELETE FROM options")
    assert run_import(sf, db, ImportSpec("imp", "Contact", ["LastName"]), now=clock.now).rows_read == 1


def test_a_process_error_writes_nothing_and_the_next_run_reads_the_same_window(sf, db, clock, crm_session):
    contacts(sf, 3)
    clock.advance(timedelta(minutes=1))
    spec = ImportSpec("imp", "Contact", ["LastName"])
    crm_session.post(f"{ADMIN}/faults", json={"path": "/services/data/*/query*", "drop": 5})
    outcome = run_import(sf, db, spec, now=clock.now)
    assert outcome.status == "error" and outcome.process_errors[0]["type"] == "ServerError"
    assert outcome.processed == 0 and table(db, "recipients") == [] and table(db, "options") == []
    assert table(db, "process_errors")[0]["operation"] == "import"
    crm_session.delete(f"{ADMIN}/faults")
    again = run_import(sf, db, spec, now=clock.now)
    assert again.rows_read == 3 and again.variables["crmStartImport"] == ""
    assert len(table(db, "recipients")) == 3 and len(table(db, "options")) == 1


def test_limits_are_a_process_error_raised_when_errors_are_not_processed(sf, db, clock, crm_session):
    crm_session.post(f"{ADMIN}/faults", json={"exhaust_api_limit": True})
    with pytest.raises(ProcessError, match="REQUEST_LIMIT_EXCEEDED"):
        run_import(sf, db, ImportSpec("imp", "Contact", ["LastName"], process_errors=False), now=clock.now)
    assert table(db, "recipients") == [] and table(db, "options") == [] and table(db, "process_errors") == []
