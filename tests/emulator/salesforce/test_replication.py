"""Replication resources, recycle bin and undelete on the emulator clock. Covers SF-REST-9."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emulator.salesforce.replication import window as replication
from emulator.salesforce.sobjects.render import sf_datetime
from emulator.salesforce.soql.cursors import OrgQueryContext
from emulator.salesforce.soql import execute
from emulator.salesforce.sobjects.store import ObjectStore

ADMIN = "https://harness.my.salesforce.com/__emulator"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@pytest.fixture
def api(rest, crm_emulator, crm_session):
    """``rest`` on a frozen clock at hh:mm:30 whose session survives time travel."""
    clock = crm_emulator.clock
    clock.freeze()
    clock.set(minute(clock.now()) + timedelta(minutes=1, seconds=30))
    crm_session.post(f"{ADMIN}/config", json={"salesforce": {"session_timeout_minutes": 60 * 24 * 90}})
    return rest


def now(crm_emulator) -> datetime:
    return crm_emulator.clock.now()


def window(crm_emulator, back: timedelta, ahead: timedelta = timedelta(minutes=5)) -> dict:
    return {"start": iso(now(crm_emulator) - back), "end": iso(now(crm_emulator) + ahead)}


def create(api, last_name: str = "Doe") -> str:
    response = api.post("sobjects/Contact", json={"LastName": last_name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def query_all_ids(crm_emulator, soql: str) -> list[str]:
    """queryAll through the SOQL engine, after the lazy recycle-bin purge a REST call would apply."""
    backend = crm_emulator.salesforce
    with backend.lock:
        data = backend.default_org()
        backend.records(data.org.id, next(iter(data.org.users)))  # purges what is due
        result = execute(soql, OrgQueryContext(data, "v59.0", backend.now()), include_deleted=True)
        return [r["Id"] for r in result.records]


def refused(response, message: str, code: str = "INVALID_REPLICATION_DATE") -> None:
    assert response.status_code == 400, response.text
    assert response.json() == [{"message": message, "errorCode": code}]


# -- /updated --------------------------------------------------------------------------
def test_updated_lists_changed_ids_with_latest_date_covered(api, crm_emulator):
    first, second = create(api, "One"), create(api, "Two")
    response = api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(hours=1)))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["ids", "latestDateCovered"]
    assert body["ids"] == [first, second]
    assert body["latestDateCovered"] == sf_datetime(minute(now(crm_emulator)))  # end lies ahead: now, to the minute
    no_slash = api.get("sobjects/Contact/updated", params=window(crm_emulator, timedelta(hours=1)))
    assert no_slash.json() == body


def test_updated_reads_system_modstamp_and_skips_deleted_rows(api, crm_emulator):
    old, changed, gone = create(api, "Old"), create(api, "Changed"), create(api, "Gone")
    crm_emulator.clock.advance(timedelta(days=2))
    assert api.patch(f"sobjects/Contact/{changed}", json={"FirstName": "New"}).status_code == 204
    assert api.delete(f"sobjects/Contact/{gone}").status_code == 204
    recent = api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(days=1))).json()
    assert recent["ids"] == [changed]
    everything = api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(days=3))).json()
    assert everything["ids"] == [old, changed]


def test_latest_date_covered_is_end_when_the_window_is_past(api, crm_emulator):
    create(api)
    end = now(crm_emulator) - timedelta(hours=1, seconds=-20)  # seconds are dropped
    params = {"start": iso(now(crm_emulator) - timedelta(days=2)), "end": iso(end)}
    body = api.get("sobjects/Contact/updated/", params=params).json()
    assert body == {"ids": [], "latestDateCovered": sf_datetime(minute(end))}


def test_seconds_of_start_and_end_are_ignored(api, crm_emulator):
    record_id = create(api)  # at hh:mm:30
    created = now(crm_emulator)
    params = {"start": iso(created.replace(second=59)), "end": iso(created + timedelta(minutes=1))}
    assert api.get("sobjects/Contact/updated/", params=params).json()["ids"] == [record_id]
    same_minute = {"start": iso(created.replace(second=5)), "end": iso(created.replace(second=55))}
    refused(api.get("sobjects/Contact/updated/", params=same_minute),
            "endDate must be at least one minute greater than startDate")


def test_offsets_other_than_utc_are_read(api, crm_emulator):
    record_id = create(api)
    paris = timezone(timedelta(hours=2))
    params = {"start": (now(crm_emulator) - timedelta(hours=1)).astimezone(paris).isoformat(timespec="seconds"),
              "end": (now(crm_emulator) + timedelta(hours=1)).astimezone(paris).isoformat(timespec="seconds")}
    assert api.get("sobjects/Contact/updated/", params=params).json()["ids"] == [record_id]


@pytest.mark.parametrize("resource", ["updated", "deleted"])
def test_29_days_back_is_accepted_31_refused(api, crm_emulator, resource):
    ok = api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=29)))
    assert ok.status_code == 200, ok.text
    exact = api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=30)))
    assert exact.status_code == 200, exact.text
    refused(api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=30, minutes=1))),
            "startDate cannot be more than 30 days ago")
    refused(api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=31))),
            "startDate cannot be more than 30 days ago")


@pytest.mark.parametrize("resource, key", [("updated", "updated_window_days"), ("deleted", "deletion_window_days")])
def test_windows_are_configurable(api, crm_emulator, crm_session, resource, key):
    crm_session.post(f"{ADMIN}/config", json={"salesforce": {key: 10}})
    refused(api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=11))),
            "startDate cannot be more than 10 days ago")
    assert api.get(f"sobjects/Contact/{resource}/", params=window(crm_emulator, timedelta(days=9))).status_code == 200


@pytest.mark.parametrize("resource", ["updated", "deleted"])
def test_start_not_before_end_is_refused(api, crm_emulator, resource):
    t = now(crm_emulator)
    for start, end in ((t, t), (t, t - timedelta(hours=1))):
        refused(api.get(f"sobjects/Contact/{resource}/", params={"start": iso(start), "end": iso(end)}),
                "endDate must be at least one minute greater than startDate")


@pytest.mark.parametrize("params", [
    {}, {"start": "2024-01-01T00:00:00+00:00"}, {"start": "yesterday", "end": "today"},
    {"start": "2024-01-01", "end": "2024-01-02"}, {"start": "2024-13-45T99:00:00Z", "end": "2024-01-02T00:00:00Z"},
    {"start": "2024-01-01T00:00:00 00:00", "end": "2024-01-02T00:00:00 00:00"},  # '+' sent unencoded
    {"start": "9999-12-31T23:59:00-14:00", "end": "9999-12-31T23:59:00-14:00"},
])
def test_malformed_dates_are_a_400_never_a_500(api, params):
    for resource in ("updated", "deleted"):
        response = api.get(f"sobjects/Contact/{resource}/", params=params)
        assert response.status_code == 400, response.text
        assert response.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"
        assert response.json()[0]["message"].endswith("date is not in the correct format")


def test_unknown_object_wrong_method_and_no_session(api, crm_emulator, crm_session):
    params = window(crm_emulator, timedelta(days=1))
    missing = api.get("sobjects/Nope__c/updated/", params=params)
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
    assert api.post("sobjects/Contact/updated/", params=params).status_code == 405
    anonymous = crm_session.get(api.url("sobjects/Contact/deleted/"), params=params)
    assert anonymous.status_code == 401 and anonymous.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_more_than_the_id_limit_is_exceeded_id_limit(api, crm_emulator, monkeypatch):
    monkeypatch.setattr(replication, "MAX_IDS", 2)
    ids = [create(api, f"N{i}") for i in range(3)]
    response = api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(hours=1)))
    assert response.status_code == 400 and response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    for record_id in ids:
        api.delete(f"sobjects/Contact/{record_id}")
    deleted = api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(hours=1)))
    assert deleted.status_code == 400 and deleted.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    monkeypatch.setattr(replication, "MAX_IDS", 3)
    assert len(api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(hours=1)))
               .json()["deletedRecords"]) == 3


def test_updated_walks_the_ordered_index_not_a_scan(api, crm_emulator, monkeypatch):
    ids = [create(api, f"N{i}") for i in range(3)]

    def no_scan(self, include_deleted=False):
        raise AssertionError("/updated must not scan")
    monkeypatch.setattr(ObjectStore, "scan", no_scan)
    assert api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(hours=1))).json()["ids"] == ids


# -- /deleted, recycle bin, undelete --------------------------------------------------------
def test_deleted_shape_and_dates(api, crm_emulator):
    record_id = create(api)
    crm_emulator.clock.advance(timedelta(hours=3))
    assert api.delete(f"sobjects/Contact/{record_id}").status_code == 204
    deleted_at = now(crm_emulator)
    body = api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(days=1))).json()
    assert list(body) == ["deletedRecords", "earliestDateAvailable", "latestDateCovered"]
    assert body["deletedRecords"] == [{"id": record_id, "deletedDate": sf_datetime(deleted_at)}]
    assert body["earliestDateAvailable"] == sf_datetime(minute(deleted_at - timedelta(days=30)))
    assert body["latestDateCovered"] == sf_datetime(minute(deleted_at))
    before = {"start": iso(deleted_at - timedelta(days=1)), "end": iso(deleted_at - timedelta(hours=1))}
    assert api.get("sobjects/Contact/deleted/", params=before).json()["deletedRecords"] == []
    assert api.get("sobjects/Lead/deleted/", params=window(crm_emulator, timedelta(days=1))).json()[
        "deletedRecords"] == []


def test_recycle_bin_purges_at_15_days_but_deleted_lists_for_30(api, crm_emulator):
    record_id = create(api)
    kept = create(api, "Kept")
    api.delete(f"sobjects/Contact/{record_id}")
    soql = "SELECT Id FROM Contact WHERE IsDeleted = true"
    assert query_all_ids(crm_emulator, soql) == [record_id]

    crm_emulator.clock.advance(timedelta(days=14, hours=23))
    assert query_all_ids(crm_emulator, soql) == [record_id]  # still in the bin on day 14
    crm_emulator.clock.advance(timedelta(hours=2))  # day 15 + 1h: purged
    listing = api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(days=16))).json()
    assert [r["id"] for r in listing["deletedRecords"]] == [record_id]
    assert query_all_ids(crm_emulator, soql) == []
    assert query_all_ids(crm_emulator, "SELECT Id FROM Contact") == [kept]
    assert api.get(f"sobjects/Contact/{record_id}").status_code == 404

    crm_emulator.clock.advance(timedelta(days=14))  # day 29: still listed
    listing = api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(days=30))).json()
    assert [r["id"] for r in listing["deletedRecords"]] == [record_id]
    crm_emulator.clock.advance(timedelta(days=2))  # day 31: gone from the deletion log
    listing = api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(days=30))).json()
    assert listing["deletedRecords"] == []


def test_updates_to_deleted_rows_are_entity_is_deleted_until_purged(api, crm_emulator):
    record_id = create(api)
    api.delete(f"sobjects/Contact/{record_id}")
    crm_emulator.clock.advance(timedelta(days=10))
    response = api.patch(f"sobjects/Contact/{record_id}", json={"LastName": "Back"})
    assert response.status_code == 404
    assert response.json() == [{"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED", "fields": []}]
    crm_emulator.clock.advance(timedelta(days=6))  # purged from the recycle bin
    gone = api.patch(f"sobjects/Contact/{record_id}", json={"LastName": "Back"})
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"


def test_collections_cannot_update_a_deleted_row(api, crm_emulator):
    record_id = create(api)
    api.delete(f"sobjects/Contact/{record_id}")
    crm_emulator.clock.advance(timedelta(days=10))
    response = api.patch("composite/sobjects", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Contact"}, "id": record_id, "LastName": "Back"}]})
    assert response.status_code == 200
    assert response.json()[0]["success"] is False
    assert response.json()[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


def test_undelete_through_the_harness_endpoint(api, crm_emulator, crm_session):
    record_id, live = create(api, "Back"), create(api, "Live")
    api.delete(f"sobjects/Contact/{record_id}")
    crm_emulator.clock.advance(timedelta(days=3))
    response = crm_session.post(f"{ADMIN}/salesforce/undelete", json={"ids": [record_id, live, "bogus"]})
    assert response.status_code == 200
    assert response.json() == {"results": [
        {"id": record_id, "success": True, "errors": []},
        {"id": None, "success": False, "errors": [{"statusCode": "UNDELETE_FAILED",
                                                   "message": "Entity is not in the recycle bin", "fields": []}]},
        {"id": None, "success": False, "errors": [{"statusCode": "MALFORMED_ID", "message": "invalid id: bogus",
                                                   "fields": []}]}]}
    restored = api.get(f"sobjects/Contact/{record_id}")
    assert restored.status_code == 200 and restored.json()["IsDeleted"] is False
    params = window(crm_emulator, timedelta(days=5))
    assert api.get("sobjects/Contact/deleted/", params=params).json()["deletedRecords"] == []
    assert record_id in api.get("sobjects/Contact/updated/", params=window(crm_emulator, timedelta(hours=1))).json()[
        "ids"]
    assert api.patch(f"sobjects/Contact/{record_id}", json={"FirstName": "Again"}).status_code == 204


def test_undelete_after_the_purge_fails(api, crm_emulator, crm_session):
    record_id = create(api)
    api.delete(f"sobjects/Contact/{record_id}")
    crm_emulator.clock.advance(timedelta(days=16))
    api.get("sobjects/Contact/deleted/", params=window(crm_emulator, timedelta(days=20)))
    result = crm_session.post(f"{ADMIN}/salesforce/undelete", json={"ids": [record_id]}).json()["results"][0]
    assert result["success"] is False and result["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b'{"ids": "003"}', b'{"ids": []}', b'{"ids": [1]}'])
def test_undelete_rejects_malformed_bodies(crm_session, body):
    response = crm_session.post(f"{ADMIN}/salesforce/undelete", data=body,
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "error" in response.json()
