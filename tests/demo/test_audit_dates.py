"""Audit dates in fixture data (what lets the demo org look months old) and the generator's ``history_days``."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from emulator.control import ControlError
from fixtures.generate import audit_age, generate_dataset


AUDIT = ("CreatedDate", "LastModifiedDate")


def contact(emulator, last_name: str) -> dict:
    return next(r for r in emulator.salesforce.default_org().store("Contact").scan() if r["LastName"] == last_name)


@freeze_time("2026-05-01T12:00:00Z")  # loading a fixture resets the emulator clock: freeze the real one
def test_fixture_records_set_created_and_modified_dates(crm_emulator):
    crm_emulator.use_fixture({"data": {"Contact": [
        {"LastName": "Iso", "CreatedDate": "2025-12-24T08:15:00Z", "LastModifiedDate": "2026-02-01T00:00:00Z"},
        {"LastName": "Relative", "createddate": "now-3w2d4h5m6s"},
        {"LastName": "Plain"}]}})
    iso, relative, plain = (contact(crm_emulator, n) for n in ("Iso", "Relative", "Plain"))
    assert iso["CreatedDate"] == datetime(2025, 12, 24, 8, 15, tzinfo=timezone.utc)
    assert iso["LastModifiedDate"] == iso["SystemModstamp"] == datetime(2026, 2, 1, tzinfo=timezone.utc)
    moment = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert relative["CreatedDate"] == relative["LastModifiedDate"] == moment - timedelta(
        weeks=3, days=2, hours=4, minutes=5, seconds=6)
    assert plain["CreatedDate"] == moment
    store = crm_emulator.salesforce.default_org().store("Contact")
    ordered = [record_id for _, record_id in store.ordered["CreatedDate"]]
    assert ordered == [iso["Id"], relative["Id"], plain["Id"]]  # the date index follows the stamped dates


def test_soql_filters_on_the_stamped_dates(crm_emulator, crm_session):
    crm_emulator.seed(Contact=[{"LastName": "Old", "CreatedDate": "now-60d"}, {"LastName": "New"}])
    token = crm_session.post("https://login.salesforce.com/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    answer = crm_session.get("https://harness.my.salesforce.com/services/data/v59.0/query",
                             params={"q": "SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:30"},
                             headers={"Authorization": f"Bearer {token}"}).json()
    assert [r["LastName"] for r in answer["records"]] == ["New"]


@pytest.mark.parametrize("record, message", [
    ({"CreatedDate": "now-1d", "LastModifiedDate": "now-2d"}, "LastModifiedDate is before CreatedDate"),
    ({"CreatedDate": "2999-01-01T00:00:00Z"}, "cannot be in the future"),
    ({"LastModifiedDate": "yesterday"}, "neither an ISO-8601 instant nor now-<age>"),
])
def test_bad_audit_dates_fail_the_load_naming_the_record(crm_emulator, record, message):
    with pytest.raises(ControlError, match=rf"INVALID_FIELD: Contact\[1\]: .*{message}"):
        crm_emulator.use_fixture({"data": {"Contact": [{"LastName": "Fine"}, {"LastName": "Bad", **record}]}})
    assert crm_emulator.salesforce.default_org().store("Contact").records == {}  # nothing half-loaded


def test_history_days_adds_dates_and_changes_nothing_else():
    plain = generate_dataset(seed=5, count=20, opportunities=6, cases=6)
    dated = generate_dataset(seed=5, count=20, opportunities=6, cases=6, history_days=90)
    assert dated == generate_dataset(seed=5, count=20, opportunities=6, cases=6, history_days=90)
    for name, rows in dated.items():
        assert [{k: v for k, v in r.items() if k not in AUDIT} for r in rows] == plain[name]
        assert all(r["CreatedDate"].startswith("now-") for r in rows)
    assert "CreatedDate" not in plain["Contact"][0]


def test_audit_age_text():
    assert audit_age(124_332) == "now-86d8h12m"
    assert audit_age(60) == "now-1h"
    assert audit_age(0) == "now"
