"""Import of deleted objects and delete by primary key, in-process (CON-CAMP-1, on SF-REST-6 and SF-REST-9)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import add_recipients, table

from connector.campaign_sync import (
    ConfigurationError,
    DeletedSpec,
    DeleteSpec,
    DeletionWindowError,
    ImportSpec,
    ProcessError,
    run_delete,
    run_deleted_import,
    run_import,
)

ADMIN = "https://harness.my.salesforce.com/__emulator"


def replication_calls(crm_emulator) -> int:
    return sum(1 for e in crm_emulator.journal.entries(None) if "/deleted" in e["path"])


def test_deleted_objects_between_two_dates_both_included(sf, db, clock, crm_emulator):
    ids = [sf.create("Contact", {"LastName": f"D{i}"}) for i in range(4)]
    clock.advance(timedelta(minutes=1))
    run_import(sf, db, ImportSpec("imp", "Contact", ["LastName"]), now=clock.now)
    sf.delete("Contact", ids[0])                     # 2030-03-01 09:01
    clock.advance(timedelta(days=2))
    sf.delete("Contact", ids[1])                     # 2030-03-03 09:01
    clock.advance(timedelta(days=2))
    sf.delete("Contact", ids[2])                     # 2030-03-05 09:01
    clock.advance(timedelta(days=1))
    outcome = run_deleted_import(sf, db, DeletedSpec("del", "Contact", "2030/03/01", "2030/03/03"), now=clock.now)
    assert outcome.rows_read == 2 and outcome.deleted == 2  # the end day is included
    assert {r["crm_id"] for r in table(db, "crm_deleted")} == {ids[0], ids[1]}
    marked = {r["crm_id"]: r["crm_deleted"] for r in table(db, "recipients")}
    assert marked[ids[1]] == "2030-03-03T09:01:00.000+0000" and marked[ids[2]] is None and marked[ids[3]] is None
    exact = run_deleted_import(sf, db, DeletedSpec("del", "Contact", "2030/03/05 09:01:00", "2030/03/05 09:01:00"),
                               now=clock.now)
    assert exact.rows_read == 1  # start and end instants are included too
    assert replication_calls(crm_emulator) >= 2


@pytest.mark.parametrize("start, end, error, text", [
    ("2030/01/29", None, DeletionWindowError, "more than 30 days ago"),
    ("2030/03/04", "2030/03/01", DeletionWindowError, "before start date"),
    ("yesterday", None, ConfigurationError, "is not a date"),
])
def test_bad_periods_are_refused_before_any_call(sf, db, clock, crm_emulator, start, end, error, text):
    clock.advance(timedelta(days=5))  # now 2030-03-06 09:00; 30 days back is 2030-02-04
    before = replication_calls(crm_emulator)
    with pytest.raises(error, match=text):
        run_deleted_import(sf, db, DeletedSpec("del", "Contact", start, end), now=clock.now)
    assert replication_calls(crm_emulator) == before and table(db, "crm_deleted") == []


def test_the_limit_is_the_deletions_age_not_the_periods_width(sf, db, clock):
    clock.advance(timedelta(days=29))
    gone = sf.create("Contact", {"LastName": "Late"})
    sf.delete("Contact", gone)
    # a 29-day-wide period is fine as long as its start is within 30 days
    outcome = run_deleted_import(sf, db, DeletedSpec("del", "Contact", "2030/03/01 09:00:00"), now=clock.now)
    assert outcome.rows_read == 1
    clock.advance(timedelta(days=2))
    with pytest.raises(DeletionWindowError, match="more than 30 days ago"):
        run_deleted_import(sf, db, DeletedSpec("del", "Contact", "2030/03/01 09:00:00"), now=clock.now)


def test_delete_by_primary_key_with_rejects(sf, db, clock, caplog):
    ids = [sf.create("Contact", {"LastName": f"K{i}"}) for i in range(3)]
    mine = add_recipients(db, [{"n": 0}], crm_object="Contact", crm_id=ids[0])
    add_recipients(db, [{"n": 1}], crm_object="Contact", crm_id=ids[1])
    sf.delete("Contact", ids[1])  # already gone: rejected with ENTITY_IS_DELETED
    outcome = run_delete(sf, db, DeleteSpec("del", "Contact"), now=clock.now)
    assert (outcome.processed, outcome.deleted, outcome.status) == (2, 1, "rejects")
    [reject] = outcome.rejects
    assert (reject.error_symbol, reject.crm_id, reject.error_message) == ("ENTITY_IS_DELETED", ids[1],
                                                                          "entity is deleted")
    assert len(outcome.warnings) == 1 and "ENTITY_IS_DELETED" in caplog.text
    assert table(db, "recipients")[0]["crm_deleted"] == "2030-03-01T09:00:00.000+0000"
    assert sf.query_page("SELECT count() FROM Contact")["totalSize"] == 1
    by_id = run_delete(sf, db, DeleteSpec("del2", "Contact", ids=[ids[2], "003000000000000AAA"],
                                          process_rejects=True), now=clock.now)
    assert by_id.deleted == 1 and [r["error_symbol"] for r in table(db, "rejects")] == [
        by_id.rejects[0].error_symbol]
    assert mine == [1]


def test_delete_process_error_keeps_ids_for_the_next_run(sf, db, clock, crm_session):
    ids = [sf.create("Contact", {"LastName": f"K{i}"}) for i in range(2)]
    for crm_id in ids:
        add_recipients(db, [{}], crm_object="Contact", crm_id=crm_id)
    crm_session.post(f"{ADMIN}/faults", json={"path": "*/composite/sobjects*", "drop": 3})
    failed = run_delete(sf, db, DeleteSpec("del", "Contact"), now=clock.now)
    assert failed.status == "error" and failed.pending == 2
    assert all(r["crm_deleted"] is None for r in table(db, "recipients"))
    assert run_delete(sf, db, DeleteSpec("del", "Contact"), now=clock.now).deleted == 2
    crm_session.post(f"{ADMIN}/faults", json={"exhaust_api_limit": True})
    with pytest.raises(ProcessError):
        run_deleted_import(sf, db, DeletedSpec("x", "Contact", "2030/03/01", process_errors=False), now=clock.now)
