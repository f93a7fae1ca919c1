"""The connector's replication and Tooling helpers against the in-process emulator.

Covers CON-SF-1 (getUpdated/getDeleted windows ≤ 30 days, split and merged), SF-REST-9 and SF-REST-10.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from connector.salesforce import MalformedRequest, SalesforceClient
from connector.salesforce.replication import check_window, get_deleted, get_updated, parse_sf_datetime
from connector.salesforce.tooling import (
    create_custom_field,
    delete_custom_field,
    get_custom_field,
    list_custom_fields,
)


@pytest.fixture
def clock(crm_emulator):
    """The emulator clock, frozen at hh:mm:30."""
    clock = crm_emulator.clock
    clock.freeze()
    clock.set(clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=30))
    return clock


def calls(crm_emulator, fragment: str) -> list[dict]:
    return [e for e in crm_emulator.journal.entries(None) if fragment in e["path"]]


def contact(client: SalesforceClient, name: str = "Doe") -> str:
    return client.create("Contact", {"LastName": name})


# -- replication ----------------------------------------------------------------------------------
def test_get_updated_splits_a_long_window_into_daily_calls_and_merges(salesforce, crm_emulator, clock):
    start = clock.now() - timedelta(minutes=1)
    first = contact(salesforce, "First")
    clock.advance(timedelta(days=3))
    second = contact(salesforce, "Second")
    clock.advance(timedelta(days=3))
    salesforce.update("Contact", first, {"FirstName": "Again"})  # first changes twice: listed once
    before = len(calls(crm_emulator, "/updated"))
    result = get_updated(salesforce, "Contact", start, now=clock.now())
    assert result["ids"] == [second, first]
    assert parse_sf_datetime(result["latestDateCovered"]) == clock.now().replace(second=0)
    assert len(calls(crm_emulator, "/updated")) - before == 7  # 6 days and a bit, one call a day


def test_get_updated_halves_a_slice_that_hits_the_id_limit(salesforce, crm_emulator, clock, monkeypatch):
    from emulator.salesforce.replication import window as replication  # the server side's limit, lowered for the test
    monkeypatch.setattr(replication, "MAX_IDS", 2)
    start = clock.now() - timedelta(minutes=1)
    ids = []
    for i in range(5):
        ids.append(contact(salesforce, f"N{i}"))
        clock.advance(timedelta(minutes=3))
    result = get_updated(salesforce, "Contact", start, now=clock.now(), step=timedelta(days=1))
    assert sorted(result["ids"]) == sorted(ids) and len(result["ids"]) == 5
    refused = [e for e in calls(crm_emulator, "/updated") if e["status"] == 400]
    assert refused, "the first, whole-day call must have hit EXCEEDED_ID_LIMIT"


def test_windows_the_api_would_refuse_are_refused_before_calling(salesforce, crm_emulator, clock):
    now = clock.now()
    before = len(calls(crm_emulator, "/updated")) + len(calls(crm_emulator, "/deleted"))
    with pytest.raises(ValueError, match="more than 30 days ago"):
        get_updated(salesforce, "Contact", now - timedelta(days=31), now=now)
    with pytest.raises(ValueError, match="more than 30 days ago"):
        get_deleted(salesforce, "Contact", now - timedelta(days=30, minutes=2), now=now)
    with pytest.raises(ValueError, match="one minute before end"):
        get_updated(salesforce, "Contact", now - timedelta(seconds=10), now, now=now)
    with pytest.raises(ValueError, match="one minute before end"):
        get_deleted(salesforce, "Contact", now, now - timedelta(hours=1), now=now)
    assert len(calls(crm_emulator, "/updated")) + len(calls(crm_emulator, "/deleted")) == before
    assert get_updated(salesforce, "Contact", now - timedelta(days=29), now=now)["ids"] == []


def test_check_window_aligns_to_minutes_and_reads_naive_times_as_utc():
    now = datetime(2024, 5, 10, 12, 0, 30, tzinfo=timezone.utc)
    start, end = check_window(datetime(2024, 5, 1, 8, 15, 59), now, now)
    assert start == datetime(2024, 5, 1, 8, 15, tzinfo=timezone.utc)
    assert end == datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)


def test_server_refusal_surfaces_as_a_typed_error(salesforce, clock):
    """The connector trusts its caller's clock; a server that disagrees still answers the real error."""
    real_now = clock.now()
    clock.advance(timedelta(days=2))
    with pytest.raises(MalformedRequest) as excinfo:
        get_updated(salesforce, "Contact", real_now - timedelta(days=29, hours=12), now=real_now)
    assert excinfo.value.error_code == "INVALID_REPLICATION_DATE"


def test_get_deleted_follows_the_recycle_bin_and_the_30_day_log(salesforce, crm_emulator, clock):
    start = clock.now() - timedelta(minutes=1)
    gone, kept = contact(salesforce, "Gone"), contact(salesforce, "Kept")
    clock.advance(timedelta(hours=1))
    salesforce.delete("Contact", gone)
    deleted_at = clock.now()
    clock.advance(timedelta(days=16))  # purged from the recycle bin, still in the deletion log
    result = get_deleted(salesforce, "Contact", start, now=clock.now())
    assert result["deletedRecords"] == [{"id": gone, "deletedDate": deleted_at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")}]
    assert parse_sf_datetime(result["earliestDateAvailable"]) == (clock.now() - timedelta(days=30)).replace(second=0)
    store = crm_emulator.salesforce.default_org().store("Contact")
    assert store.get(gone) is None and store.get(kept) is not None  # hard-purged after 15 days
    clock.advance(timedelta(days=15))  # 31 days after the deletion
    recent = get_deleted(salesforce, "Contact", clock.now() - timedelta(days=30), now=clock.now())
    assert recent["deletedRecords"] == []
    with pytest.raises(ValueError):
        get_deleted(salesforce, "Contact", start, now=clock.now())


# -- custom fields -----------------------------------------------------------------------------------
def test_custom_field_lifecycle_through_the_connector(salesforce):
    field_id = create_custom_field(salesforce, "Contact", "Segment_A__c", "LongTextArea", "Segment A",
                                   length=32768, visibleLines=3)
    assert field_id.startswith("00N")
    assert list_custom_fields(salesforce, "Contact") == [
        {"id": field_id, "developerName": "Segment_A", "apiName": "Segment_A__c"}]
    assert list_custom_fields(salesforce, "Lead") == []
    record = get_custom_field(salesforce, field_id)
    assert record["FullName"] == "Contact.Segment_A__c" and record["Metadata"]["visibleLines"] == 3
    contact_id = contact(salesforce)
    salesforce.update("Contact", contact_id, {"Segment_A__c": "realized"})
    assert salesforce.get("Contact", contact_id, ["Segment_A__c"])["Segment_A__c"] == "realized"
    delete_custom_field(salesforce, field_id)
    assert list_custom_fields(salesforce, "Contact") == []
    with pytest.raises(MalformedRequest) as excinfo:
        salesforce.update("Contact", contact_id, {"Segment_A__c": "exited"})
    assert excinfo.value.error_code == "INVALID_FIELD"


def test_seed_000_cap_of_25_segment_fields(salesforce, crm_session):
    ids = [create_custom_field(salesforce, "Lead", f"Segment_{i}__c", "LongTextArea", f"Segment {i}",
                               length=32768, visibleLines=3) for i in range(25)]
    with pytest.raises(MalformedRequest) as excinfo:
        create_custom_field(salesforce, "Lead", "Segment_25__c", "LongTextArea", "Segment 25", length=32768,
                            visibleLines=3)
    assert excinfo.value.error_code == "LIMIT_EXCEEDED" and "25" in excinfo.value.message
    delete_custom_field(salesforce, ids[0])
    assert create_custom_field(salesforce, "Lead", "Segment_25__c", "LongTextArea", "Segment 25", length=32768,
                               visibleLines=3).startswith("00N")
    assert len(list_custom_fields(salesforce, "Lead")) == 25


def test_names_are_checked(salesforce):
    with pytest.raises(ValueError):
        create_custom_field(salesforce, "Contact", "Segment_A", "Text", "Segment A", length=10)
    with pytest.raises(MalformedRequest) as excinfo:
        create_custom_field(salesforce, "Contact", "Segment A__c", "Text", "Segment A", length=10)
    assert excinfo.value.error_code == "FIELD_INTEGRITY_EXCEPTION"
    create_custom_field(salesforce, "Contact", "Segment_A__c", "Text", "Segment A", length=10)
    with pytest.raises(MalformedRequest) as excinfo:
        create_custom_field(salesforce, "Contact", "Segment_A__c", "Text", "Segment A", length=10)
    assert excinfo.value.error_code == "DUPLICATE_DEVELOPER_NAME"


def test_unknown_mapping_id_is_invalid_field_until_created(salesforce):
    """Seed 000: "Unknown errors encountered while pushing events" is a write to a field that does not exist."""
    contact_id = contact(salesforce)
    with pytest.raises(MalformedRequest) as excinfo:
        salesforce.update("Contact", contact_id, {"Segment_B__c": "realized"})
    assert excinfo.value.error_code == "INVALID_FIELD"
    assert excinfo.value.message == "No such column 'Segment_B__c' on sobject of type Contact"
    create_custom_field(salesforce, "Contact", "Segment_B__c", "LongTextArea", "Segment B", length=32768,
                        visibleLines=3)
    salesforce.update("Contact", contact_id, {"Segment_B__c": "realized"})
