"""The activation journal: schema versions, durable intent and confirmation; Faker profiles for the destination."""
from __future__ import annotations

import sqlite3

import pytest

from connector.destination import ActivationJournal, SalesforceCredentials
from connector.destination.journal import MIGRATIONS
from fixtures.files import validate_fixture
from fixtures.generate import generate_profiles


def test_a_new_journal_is_at_the_latest_schema_and_reopening_keeps_its_rows(tmp_path):
    path = tmp_path / "j.sqlite"
    journal = ActivationJournal(path)
    assert journal.version == len(MIGRATIONS) == 1
    run = journal.start_run("t0")
    journal.record_intent(run, "Contact", [("003A", {"Segment_A__c": "realized"}), ("003B", {"LastName": "X"})])
    journal.close()
    reopened = ActivationJournal(path)  # the intent is durable before anything is sent
    assert reopened.pending() == [("Contact", "003A", {"Segment_A__c": "realized"}), ("Contact", "003B", {"LastName": "X"})]
    reopened.confirm("Contact", [("003A", {"Segment_A__c": "realized"})], run_id=run)
    assert reopened.sent_values() == {"003A": {"Segment_A__c": "realized"}}
    assert reopened.pending() == []


def test_a_journal_from_a_newer_connector_is_refused(tmp_path):
    path = tmp_path / "j.sqlite"
    ActivationJournal(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        ActivationJournal(path)


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    journal = ActivationJournal(tmp_path / "j.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        journal.record_intent(1, "Contact", [("003A", {"F": "1"}), (None, {"F": "2"})])
    assert journal.pending() == []


@pytest.mark.parametrize("prefix", ["", "has space", "-x", "a.b"])
def test_a_custom_domain_must_be_a_domain_prefix(prefix):
    with pytest.raises(ValueError, match="custom_domain"):
        SalesforceCredentials(password="p", custom_domain=prefix, client_id="c", client_secret="s", username="u")


def test_credentials_point_at_the_my_domain_and_hide_their_secrets():
    creds = SalesforceCredentials(password="pw-secret", custom_domain="d5i000000isb4eak-dev-ed", client_id="cid",
                                  client_secret="cs-secret", username="u@example.com")
    assert creds.url == "https://d5i000000isb4eak-dev-ed.my.salesforce.com"
    assert "pw-secret" not in repr(creds) and "cs-secret" not in repr(creds) and "cid" in repr(creds)


def test_faker_profiles_are_deterministic_and_valid_fixture_items():
    ids = [f"003Hs00000000{i:02d}IAA" for i in range(20)]
    first = generate_profiles(5, ids, {"seg-a": 0.5})
    assert first == generate_profiles(5, ids, {"seg-a": 0.5}) != generate_profiles(6, ids, {"seg-a": 0.5})
    assert [p["identityMap"]["crmID"][0]["id"] for p in first] == ids
    assert 0 < sum("seg-a" in p["segments"] for p in first) < 20
    validate_fixture({"aep": {"segments": [{"id": "seg-a"}], "profiles": first}})
