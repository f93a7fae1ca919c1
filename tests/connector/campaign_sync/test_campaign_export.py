"""Export to the CRM end to end against the in-process emulator: modes, keys, rejects, resume (CON-CAMP-1)."""
from __future__ import annotations

import json

import pytest
from conftest import add_recipients, no_sleep, table

from connector.campaign_sync import ConfigurationError, ExportSpec, ProcessError, run_export
from connector.campaign_sync import journal as journal_mod

ADMIN = "https://harness.my.salesforce.com/__emulator"
MAPPING = ["LastName=last", "Email=email", "Birthdate=birth"]


def people(count: int, start: int = 0) -> list[dict]:
    return [{"last": f"Person {i:03d}", "email": f"p{i}@example.com", "birth": "1990-01-02"}
            for i in range(start, start + count)]


def spec(mode: str = "bulk", **kw) -> ExportSpec:
    return ExportSpec(kw.pop("activity", f"export-{mode}"), "Contact", kw.pop("mapping", MAPPING),
                      kw.pop("key", "crm_id"), mode, sleep=no_sleep, **kw)


def sf_count(sf, where: str = "") -> int:
    return sf.query_page(f"SELECT count() FROM Contact {where}")["totalSize"]


def exactly_once(sf, db, expected: int) -> None:
    """Salesforce holds `expected` exported Contacts, once each, and the journal agrees."""
    assert sf_count(sf, "WHERE LastName LIKE 'Person %'") == expected
    names = [r["LastName"] for r in sf.query("SELECT LastName FROM Contact WHERE LastName LIKE 'Person %'")]
    assert len(set(names)) == expected
    journal = table(db, "export_journal")
    done = [r for r in journal if r["state"] == "done"]
    assert len(done) == expected and {r["state"] for r in journal} == {"done"}
    linked = {r["id"]: r["crm_id"] for r in table(db, "recipients")}
    ids = {linked[r["recipient_id"]] for r in done}
    assert len(ids) == expected and None not in ids
    assert ids == {r["Id"] for r in sf.query("SELECT Id FROM Contact WHERE LastName LIKE 'Person %'")}


@pytest.mark.parametrize("mode", ["bulk", "collections"])
def test_export_inserts_then_updates_rows_whose_key_is_mapped(sf, db, clock, mode):
    ids = add_recipients(db, people(5))
    first = run_export(sf, db, spec(mode, batch_size=2), now=clock.now)
    assert (first.status, first.inserted, first.updated, first.processed) == ("ok", 5, 0, 5)
    exactly_once(sf, db, 5)
    linked = {r["id"]: r["crm_id"] for r in table(db, "recipients")}
    assert set(linked) == set(ids) and all(v.startswith("003") for v in linked.values())
    with db:
        db.execute("UPDATE recipients SET data = json_set(data, '$.email', 'changed@example.com') WHERE id = ?",
                   (ids[2],))
    second = run_export(sf, db, spec(mode, batch_size=2), now=clock.now)
    assert (second.inserted, second.updated) == (0, 5)
    assert sf.get("Contact", linked[ids[2]], ["Email"])["Email"] == "changed@example.com"
    assert sf_count(sf) == 5
    assert sf.get("Contact", linked[ids[0]], ["Birthdate"])["Birthdate"] == "1990-01-02"


def test_without_a_mapped_key_every_row_is_inserted(sf, db, clock):
    add_recipients(db, people(2))
    run_export(sf, db, spec(key=None), now=clock.now)
    run_export(sf, db, spec(key=None), now=clock.now)
    assert sf_count(sf) == 4


def test_key_from_a_local_column_updates_existing_records(sf, db, clock):
    existing = sf.create("Contact", {"LastName": "Old"})
    add_recipients(db, [{"last": "Renamed", "sfid": existing}, {"last": "Fresh"}])
    outcome = run_export(sf, db, spec("collections", key="sfid", mapping=["LastName=last"]), now=clock.now)
    assert (outcome.updated, outcome.inserted) == (1, 1)
    assert sf.get("Contact", existing, ["LastName"])["LastName"] == "Renamed" and sf_count(sf) == 2


@pytest.mark.parametrize("mode", ["bulk", "collections"])
def test_rejects_carry_error_symbol_and_message_and_warn_per_column(sf, db, clock, mode, caplog):
    rows = people(3)
    rows[1]["email"] = "not-an-email"
    rows[2]["last"] = None
    add_recipients(db, rows)
    outcome = run_export(sf, db, spec(mode), now=clock.now)
    assert outcome.status == "rejects" and outcome.inserted == 1
    symbols = sorted((r.error_symbol, tuple(r.columns)) for r in outcome.rejects)
    assert symbols == [("INVALID_EMAIL_ADDRESS", ("Email",)), ("REQUIRED_FIELD_MISSING", ("LastName",))]
    assert all(r.error_message and r.recipient_id for r in outcome.rejects)
    assert len(outcome.warnings) == 2 and "INVALID_EMAIL_ADDRESS" in caplog.text  # reject processing off
    assert table(db, "rejects") == []
    states = sorted(r["state"] for r in table(db, "export_journal"))
    assert states == ["done", "rejected", "rejected"]


def test_processed_rejects_go_to_the_reject_table(sf, db, clock):
    add_recipients(db, [{"last": "Ok", "email": "bad"}])
    run_export(sf, db, spec(process_rejects=True), now=clock.now)
    [reject] = table(db, "rejects")
    assert reject["error_symbol"] == "INVALID_EMAIL_ADDRESS" and "invalid email" in reject["error_message"]
    assert json.loads(reject["columns"]) == ["Email"]


@pytest.mark.parametrize("bad, text", [
    ({"mapping": ["LastName=last", "Shoe_Size__c=shoe"]}, "unknown mapped remote field 'Shoe_Size__c'"),
    ({"mapping": ["Name=last"]}, "Contact.Name is not createable"),
    ({"mapping": ["Id=last"]}, "map the primary key with `key`"),
    ({"mode": "smoke"}, "unknown export mode"),
    ({"mode": "collections", "batch_size": 201}, "out of range"),
])
def test_bad_settings_are_refused_before_anything_is_written(sf, db, clock, crm_emulator, bad, text):
    add_recipients(db, people(2))
    with pytest.raises(ConfigurationError, match=text):
        run_export(sf, db, spec(**bad), now=clock.now)
    assert table(db, "export_runs") == [] and table(db, "export_journal") == [] and sf_count(sf) == 0


def test_5xx_burst_on_closing_a_job_then_restart_exports_every_record_once(sf, db, clock, crm_session):
    add_recipients(db, people(10))
    crm_session.post(f"{ADMIN}/faults", json={"path": "/services/data/*/jobs/ingest/*", "method": "PATCH",
                                              "drop": 3})  # the client's 3 attempts all fail
    stopped = run_export(sf, db, spec(batch_size=4), now=clock.now)
    assert stopped.status == "error" and stopped.process_errors[0]["type"] == "ServerError"
    assert stopped.pending == 10 and sf_count(sf) == 0
    [batch] = table(db, "export_batches")
    assert batch["state"] == "sent"  # its job was created and filled, never closed
    resumed = run_export(sf, db, spec(batch_size=4), now=clock.now)
    assert resumed.status == "ok" and resumed.variables["resumed"] == "true" and resumed.inserted == 10
    assert [b["state"] for b in table(db, "export_batches")] == ["aborted", "done", "done", "done"]
    exactly_once(sf, db, 10)


def test_5xx_burst_on_reading_results_then_restart_reconciles_without_resending(sf, db, clock, crm_session,
                                                                                crm_emulator):
    add_recipients(db, people(6))
    crm_session.post(f"{ADMIN}/faults", json={"path": "*/successfulResults*", "drop": 3})
    stopped = run_export(sf, db, spec(batch_size=3), now=clock.now)
    assert stopped.status == "error" and sf_count(sf) == 3  # Salesforce did the work, the results were lost
    uploads = [e for e in crm_emulator.journal.entries(None) if e["path"].endswith("/batches")]
    resumed = run_export(sf, db, spec(batch_size=3), now=clock.now)
    assert resumed.status == "ok" and resumed.inserted == 6
    after = [e for e in crm_emulator.journal.entries(None) if e["path"].endswith("/batches")]
    assert len(after) - len(uploads) == 1  # only the second batch was uploaded by the restart
    exactly_once(sf, db, 6)


def _killed_after_the_second_call(sf, db, clock, monkeypatch):
    """Run a Collections export (3 rows a call) killed after its second call went out; the real ``settle``."""
    real_settle = journal_mod.settle
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed after the second call went out")
        return real_settle(*args, **kwargs)

    monkeypatch.setattr(journal_mod, "settle", crash_once)
    with pytest.raises(KeyboardInterrupt):
        run_export(sf, db, spec("collections", batch_size=3), now=clock.now)
    return real_settle


def test_collections_insert_interrupted_after_sending_is_queried_back_not_resent(sf, db, clock, monkeypatch):
    add_recipients(db, people(5) + people(1))  # the last row duplicates the first: still two records
    real_settle = _killed_after_the_second_call(sf, db, clock, monkeypatch)
    assert sf_count(sf) == 6  # both calls were processed by Salesforce
    monkeypatch.setattr(journal_mod, "settle", real_settle)
    resumed = run_export(sf, db, spec("collections", batch_size=3), now=clock.now)
    assert resumed.status == "ok" and resumed.inserted == 3
    assert sf_count(sf) == 6
    done = [r for r in table(db, "export_journal") if r["state"] == "done"]
    linked = {r["id"]: r["crm_id"] for r in table(db, "recipients")}
    assert len(done) == 6 and len({linked[r["recipient_id"]] for r in done}) == 6
    assert {linked[r["recipient_id"]] for r in done} == {r["Id"] for r in sf.query("SELECT Id FROM Contact")}


def test_process_errors_off_raise_and_keep_rows(sf, db, clock, crm_session):
    add_recipients(db, people(2))
    crm_session.post(f"{ADMIN}/faults", json={"path": "/services/data/*/jobs/ingest", "method": "POST", "drop": 3})
    with pytest.raises(ProcessError, match="2 rows kept for the next run"):
        run_export(sf, db, spec(process_errors=False), now=clock.now)
    assert {r["state"] for r in table(db, "export_journal")} == {"pending"}
    assert run_export(sf, db, spec(), now=clock.now).inserted == 2
    exactly_once(sf, db, 2)


def test_nulls_and_dates_round_trip_through_the_bulk_results(sf, db, clock):
    add_recipients(db, [{"last": "Nully", "email": None, "birth": None}, {"last": "Dated", "birth": "2001-02-03"}])
    outcome = run_export(sf, db, spec(), now=clock.now)
    assert (outcome.status, outcome.inserted) == ("ok", 2)
    exactly_once_names = sorted(r["LastName"] for r in sf.query("SELECT LastName FROM Contact"))
    assert exactly_once_names == ["Dated", "Nully"]


def test_a_completed_job_whose_results_cannot_be_matched_is_reported_not_resent(sf, db, clock, monkeypatch):
    from connector.campaign_sync import exporter
    add_recipients(db, people(3))
    real = exporter._Exporter._bulk_results

    def scrambled(self, job_id, which, header):
        for found, key in real(self, job_id, which, header):
            yield found, key if key[0] != "Person 001" else ("someone else",) + key[1:]

    monkeypatch.setattr(exporter._Exporter, "_bulk_results", scrambled)
    outcome = run_export(sf, db, spec(), now=clock.now)
    assert outcome.inserted == 2 and [r.error_symbol for r in outcome.rejects] == ["UNRECONCILED"]
    assert sf_count(sf) == 3  # nothing was sent twice
    assert sorted(r["state"] for r in table(db, "export_journal")) == ["done", "done", "rejected"]


@pytest.mark.parametrize("mode", ["bulk", "collections"])
def test_booleans_and_a_key_column_survive_the_local_json(sf, db, clock, mode):
    existing = sf.create("Contact", {"LastName": "Keyed", "HasOptedOutOfEmail": True})
    add_recipients(db, [{"last": "Flag", "optout": True}, {"last": "Keyed", "optout": False, "sfid": existing}])
    outcome = run_export(sf, db, spec(mode, key="sfid", mapping=["LastName=last", "HasOptedOutOfEmail=optout"]),
                         now=clock.now)
    assert (outcome.status, outcome.inserted, outcome.updated) == ("ok", 1, 1)
    flags = {r["LastName"]: r["HasOptedOutOfEmail"] for r in sf.query("SELECT LastName, HasOptedOutOfEmail FROM Contact")}
    assert flags == {"Flag": True, "Keyed": False}


def test_a_batch_with_rows_not_found_marks_its_rows_one_by_one_and_the_rest_go_out_again(sf, db, clock, monkeypatch):
    """Rows of an interrupted insert call that Salesforce did not create stay pending and are sent again, once;
    the batches whose every row came back record them through their range (schema version 3)."""
    add_recipients(db, people(6))
    real_settle = _killed_after_the_second_call(sf, db, clock, monkeypatch)
    [lost] = sf.query("SELECT Id FROM Contact WHERE LastName = 'Person 004'")
    sf.delete("Contact", lost["Id"])  # as if Salesforce had not created that one
    monkeypatch.setattr(journal_mod, "settle", real_settle)
    resumed = run_export(sf, db, spec("collections", batch_size=3), now=clock.now)
    assert resumed.status == "ok" and resumed.inserted == 3  # two found back, one sent again
    exactly_once(sf, db, 6)
    batches = table(db, "export_batches")
    assert [(b["state"], b["done_range"], b["first_position"], b["last_position"]) for b in batches] == [
        ("done", 1, 1, 3), ("done", 0, 4, 6), ("done", 1, 5, 5)]
    by_batch = {r["position"]: r["batch_id"] for r in table(db, "export_journal")}
    assert by_batch == {1: batches[0]["id"], 2: batches[0]["id"], 3: batches[0]["id"], 4: batches[1]["id"],
                        5: batches[2]["id"], 6: batches[1]["id"]}
    written = dict(db.execute("SELECT position, state FROM export_rows"))  # what was written row by row
    assert written == {1: "pending", 2: "pending", 3: "pending", 4: "done", 5: "pending", 6: "done"}


def test_an_export_interrupted_under_schema_version_2_resumes_after_the_migration(sf, tmp_path, clock):
    """A version-2 file (one journal row per record, done rows rewritten one by one) with a run half done."""
    import sqlite3

    from connector.campaign_sync import db as dbmod
    from connector.campaign_sync import open_db
    path = tmp_path / "v2.db"
    old = sqlite3.connect(path, isolation_level=None)
    for script in dbmod.MIGRATIONS[:2]:
        old.executescript(script)
    old.execute(f"PRAGMA application_id = {dbmod.APPLICATION_ID}")
    old.execute("PRAGMA user_version = 2")
    rows = people(5)
    ids = [sf.create("Contact", {"LastName": r["last"], "Email": r["email"], "Birthdate": r["birth"]})
           for r in rows[:2]]  # exported by the interrupted run
    for number, row in enumerate(rows, start=1):
        linked = ("Contact", ids[number - 1]) if number <= 2 else (None, None)
        old.execute("INSERT INTO recipients (id, crm_object, crm_id, data) VALUES (?, ?, ?, ?)",
                    (number, *linked, json.dumps(row)))
    settings = {"mapping": [["LastName", "last", "default"], ["Email", "email", "default"],
                            ["Birthdate", "birth", "default"]],
                "types": {"LastName": "string", "Email": "email", "Birthdate": "date"}, "key": "crm_id",
                "timezone": None}
    old.execute("INSERT INTO export_runs VALUES (1, 'export-bulk', 'Contact', 'bulk', ?, 'running')",
                (json.dumps(settings),))
    old.execute("INSERT INTO export_batches VALUES ('750000000000001AAA', 1, 'bulk', 'insert', 1, 2, NULL, "
                "'LastName,Email,Birthdate', 'done')")
    for number in range(1, 6):
        old.execute("INSERT INTO export_journal (run_id, position, recipient_id, operation, state, batch_id) "
                    "VALUES (1, ?, ?, 'insert', ?, ?)", (number, number, "done" if number <= 2 else "pending",
                                                          "750000000000001AAA" if number <= 2 else None))
    old.close()
    db = open_db(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [r["state"] for r in table(db, "export_journal")] == ["done", "done", "pending", "pending", "pending"]
        resumed = run_export(sf, db, spec(), now=clock.now)
        assert resumed.status == "ok" and resumed.variables["resumed"] == "true" and resumed.inserted == 3
        exactly_once(sf, db, 5)
        assert [(b["state"], b["done_range"]) for b in table(db, "export_batches")] == [("done", 0), ("done", 1)]
    finally:
        db.close()


@pytest.mark.parametrize("mode, path", [("bulk", "/services/data/*/jobs/ingest"),
                                        ("collections", "/services/data/*/composite/sobjects")])
def test_a_recipient_deleted_before_its_row_is_sent_is_rejected_never_counted_done(sf, db, clock, crm_session,
                                                                                   mode, path):
    ids = add_recipients(db, people(5))
    crm_session.post(f"{ADMIN}/faults", json={"path": path, "method": "POST", "drop": 3})
    stopped = run_export(sf, db, spec(mode, batch_size=2), now=clock.now)
    assert stopped.status == "error" and stopped.pending == 5 and sf_count(sf) == 0
    with db:
        db.execute("DELETE FROM recipients WHERE id = ?", (ids[1],))
    resumed = run_export(sf, db, spec(mode, batch_size=2), now=clock.now)
    assert resumed.status == "rejects" and resumed.inserted == 4
    assert [(r.error_symbol, r.recipient_id) for r in resumed.rejects] == [("RECIPIENT_DELETED", ids[1])]
    states = {r["recipient_id"]: r["state"] for r in table(db, "export_journal")}
    assert states == {ids[0]: "done", ids[1]: "rejected", ids[2]: "done", ids[3]: "done", ids[4]: "done"}
    assert sf_count(sf) == 4
