"""CON-DEST-1 end to end, in-process and against `serve`: connect, validate the mapping, export, report."""
from __future__ import annotations

import pytest

from connector.destination import (UNKNOWN_ERRORS, ActivationJournal, Destination, DestinationConnectionError,
                                   FieldMapping, InvalidMappingId, MissingIdentityMapping, MissingRequiredField,
                                   SegmentMapping, UnknownTargetField, connect, standard_mapping)
from dest_helpers import NO_WAIT, SECRETS, UpdateCounter, add_field, make_records, profile

SEG = [SegmentMapping("seg-a", "Segment_A__c", "Segment A")]


def activate(target, client, id_type="Contact", segments=SEG, mappings=None, journal=None):
    return Destination.activate(client, target.config(id_type), journal or ActivationJournal(":memory:"),
                                mappings or standard_mapping(id_type), segments)


def setup_contacts(target, count=3, fields=("Segment_A__c",), sobject="Contact"):
    client = target.client()
    for name in fields:
        assert add_field(client, sobject, name).status_code == 201
    return client, make_records(client, sobject, count)


# -- connection (SF-OAUTH-2 as seed 000's form) -------------------------------------------------
def test_connects_with_the_seed_form_and_the_token_appended(target):
    client = connect(target.config(), session=target.session, retry=NO_WAIT)
    assert client.describe("Contact")["name"] == "Contact"


@pytest.mark.parametrize("password", ["wrong", "password123"])
def test_a_bad_or_token_less_password_fails_the_connection_with_the_reason(target, password):
    with pytest.raises(DestinationConnectionError) as caught:
        connect(target.config(password=password), session=target.session, retry=NO_WAIT)
    assert caught.value.error_code == "invalid_grant"
    assert "authentication failure" in caught.value.reason
    assert password not in str(caught.value)


def test_the_password_alone_works_from_a_trusted_ip_range(target):
    assert target.admin("POST", "/config", {"salesforce": {"trusted_ip_ranges": ["127.0.0.0/8"]}}).status_code == 200
    client = connect(target.config(password="password123"), session=target.session, retry=NO_WAIT)
    assert client.access_token


def test_an_unknown_my_domain_fails_the_connection(target):
    response = target.session.post(f"{target.base}/services/oauth2/token", headers={"Host": "nope.my.salesforce.com"},
                                   data={"grant_type": "password", "client_id": "harness-client-id",
                                         "client_secret": "harness-client-secret", "username": "admin@example.com",
                                         "password": "password123TOKEN123"})
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


# -- mapping validation before any export ---------------------------------------------------------
def test_mapping_validation_names_the_field_at_fault(target):
    client, _ids = setup_contacts(target, 0)
    contact = standard_mapping("Contact")
    cases = [
        ([m for m in contact if m.target != "SalesforceId"], SEG, MissingIdentityMapping, "SalesforceId"),
        ([m for m in contact if m.target != "LastName"], SEG, MissingRequiredField, "LastName"),
        ([*contact, FieldMapping("person.nickname", "NickName__x")], SEG, UnknownTargetField, "NickName__x"),
        (contact, [SegmentMapping("seg-b", "Segment B__c")], InvalidMappingId, "Segment B__c"),
        (contact, [SegmentMapping("seg-b", "Segment_B__c")], InvalidMappingId, "Segment_B__c"),
        (contact, [SegmentMapping("seg-b", "Email")], InvalidMappingId, "Email"),
    ]
    for mappings, segments, error, field in cases:
        with pytest.raises(error) as caught:
            activate(target, client, mappings=mappings, segments=segments)
        assert caught.value.field == field


def test_company_is_required_for_leads_only(target):
    client, _ids = setup_contacts(target, 0, sobject="Lead")
    no_company = [m for m in standard_mapping("Lead") if m.target != "Company"]
    with pytest.raises(MissingRequiredField) as caught:
        activate(target, client, "Lead", mappings=no_company)
    assert caught.value.field == "Company"
    assert add_field(client, "Contact", "Segment_A__c").status_code == 201
    assert activate(target, client, "Contact").mapping.sobject == "Contact"


def test_mapping_names_match_ignoring_case(target):
    client, _ids = setup_contacts(target, 0)
    mappings = [FieldMapping("crmID", "salesforceid"), FieldMapping("person.name.lastName", "lastname")]
    destination = activate(target, client, mappings=mappings, segments=[SegmentMapping("seg-a", "SEGMENT_a__C")])
    assert destination.mapping.fields == ["LastName", "Segment_A__c"]


# -- the export ---------------------------------------------------------------------------------------
def test_contacts_get_the_status_and_attributes_and_the_report_has_seed_000_figures(target):
    client, ids = setup_contacts(target, 450)
    counter = UpdateCounter().install(target.session)
    destination = activate(target, client)
    profiles = [profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)]
    report = destination.export(profiles)
    assert (report.status, report.profiles_in_segments, report.records_updated) == ("success", 450, 450)
    assert counter.calls == 3  # chunks of at most 200
    record = client.get("Contact", ids[7], ["LastName", "FirstName", "Email", "Segment_A__c"])
    assert (record["LastName"], record["Email"], record["Segment_A__c"]) == ("Last7", "p7@example.com", "realized")

    again = destination.export(profiles)
    assert (again.records_updated, again.records_unchanged, counter.calls) == (0, 450, 3)

    profiles[3]["segmentMembership"]["ups"]["seg-a"]["status"] = "exited"
    exited = destination.export(profiles)
    assert (exited.records_updated, exited.profiles_in_segments, counter.calls) == (1, 449, 4)
    assert client.get("Contact", ids[3], ["Segment_A__c"])["Segment_A__c"] == "exited"
    assert all(n == 2 if rid == ids[3] else n == 1 for rid, n in counter.applied.items())


def test_leads_get_company_and_status(target):
    client, ids = setup_contacts(target, 2, sobject="Lead")
    destination = activate(target, client, "Lead")
    report = destination.export([profile(i, rid, {"seg-a": "existing"}, company=f"Co{i}") for i, rid in enumerate(ids)])
    assert report.records_updated == 2
    lead = client.get("Lead", ids[1], ["Company", "Segment_A__c"])
    assert (lead["Company"], lead["Segment_A__c"]) == ("Co1", "existing")


def test_a_bad_crm_id_fails_that_profile_only(target):
    client, ids = setup_contacts(target, 4)
    lead = make_records(client, "Lead", 1)[0]
    client.delete("Contact", ids[1])
    destination = activate(target, client)
    profiles = [profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate([*ids, lead, "003000000000000AAA"])]
    report = destination.export(profiles)
    assert report.records_updated == 3 and report.status == "partial"
    failed = {f.profile_id: f for f in report.failures}
    assert set(failed) == {"p1", "p4", "p5"}
    assert failed["p1"].status_code == "ENTITY_IS_DELETED"
    assert failed["p4"].status_code == "MALFORMED_ID" and lead in failed["p4"].detail
    assert client.get("Contact", ids[2], ["Segment_A__c"])["Segment_A__c"] == "realized"


def test_a_mapping_id_field_gone_gives_the_seed_message_with_the_invalid_field_detail(target):
    client, ids = setup_contacts(target, 2, fields=("Segment_A__c", "Segment_B__c"))
    segments = [*SEG, SegmentMapping("seg-b", "Segment_B__c")]
    destination = activate(target, client, segments=segments)
    found = client.request("GET", "tooling/query", params={
        "q": "SELECT Id, DeveloperName FROM CustomField WHERE TableEnumOrId = 'Contact'"}).json()["records"]
    field_id = next(r["Id"] for r in found if r["DeveloperName"] == "Segment_B")
    client.request("DELETE", f"tooling/sobjects/CustomField/{field_id}")
    report = destination.export([profile(i, rid, {"seg-a": "realized", "seg-b": "realized"})
                                 for i, rid in enumerate(ids)])
    assert report.records_updated == 0 and len(report.failures) == 2
    failure = report.failures[0]
    assert failure.message == UNKNOWN_ERRORS
    assert failure.status_code == "INVALID_FIELD" and "Segment_B__c" in failure.detail


def test_the_26th_mapping_id_field_is_refused_by_the_custom_field_cap(target):
    client = target.client()
    for n in range(25):
        assert add_field(client, "Contact", f"Segment_{n}__c").status_code == 201
    refused = add_field(client, "Contact", "Segment_25__c")
    assert refused.status_code == 400 and "25" in refused.text
    segments = [SegmentMapping(f"seg-{n}", f"Segment_{n}__c") for n in range(26)]
    with pytest.raises(InvalidMappingId) as caught:
        activate(target, client, segments=segments)
    assert caught.value.field == "Segment_25__c"
    assert len(activate(target, client, segments=segments[:25]).mapping.segments) == 25


def test_request_limit_exceeded_mid_export_is_retried_without_loss(target):
    client, ids = setup_contacts(target, 600)
    waits: list[float] = []
    client.retry = type(NO_WAIT)(max_attempts=4, sleep=waits.append)
    limit = {"path": "*/composite/sobjects", "method": "PATCH", "status": 403, "drop": 2,
             "body": [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]}
    counter = UpdateCounter(after_call=lambda n: n == 1 and target.admin("POST", "/faults", limit))
    counter.install(target.session)
    report = activate(target, client).export([profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)])
    assert report.status == "success" and report.records_updated == 600
    assert len(waits) == 2 and waits[1] > waits[0]
    assert sorted(counter.applied.values()) == [1] * 600


def test_an_expired_session_mid_export_logs_in_again(target):
    client, ids = setup_contacts(target, 400)
    expire = {"path": "*/composite/sobjects", "expire_tokens": True, "times": 1}
    counter = UpdateCounter(after_call=lambda n: n == 1 and target.admin("POST", "/faults", expire))
    counter.install(target.session)
    report = activate(target, client).export([profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)])
    assert report.records_updated == 400 and sorted(counter.applied.values()) == [1] * 400


def test_a_5xx_burst_past_the_retries_stops_the_run_and_the_next_run_finishes_exactly_once(target, tmp_path):
    client, ids = setup_contacts(target, 500)
    journal = ActivationJournal(tmp_path / "journal.sqlite")
    burst = {"path": "*/composite/sobjects", "method": "PATCH", "status": 503, "drop": 6}
    counter = UpdateCounter(after_call=lambda n: n == 1 and target.admin("POST", "/faults", burst))
    counter.install(target.session)
    destination = activate(target, client, journal=journal)
    profiles = [profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)]
    first = destination.export(profiles)
    assert first.status == "incomplete" and "503" in first.error and first.records_updated == 200
    assert len(journal.pending()) > 0  # kept for the next run, never dropped
    second = destination.export(profiles)
    assert second.status == "success" and second.records_updated == 300
    assert journal.pending() == []
    assert sorted(counter.applied.values()) == [1] * 500
    assert [r["status"] for r in journal.runs()] == ["incomplete", "success"]


def test_no_secret_reaches_reports_journal_or_the_emulator_journal(target, tmp_path):
    client, ids = setup_contacts(target, 2)
    path = tmp_path / "journal.sqlite"
    report = activate(target, client, journal=ActivationJournal(path)).export(
        [profile(0, ids[0], {"seg-a": "realized"})])
    with pytest.raises(DestinationConnectionError) as caught:
        connect(target.config(password="wrong-secret-pw"), session=target.session, retry=NO_WAIT)
    texts = [str(report.as_dict()), path.read_bytes().decode("latin-1"), str(caught.value),
             repr(target.config()), target.admin("GET", "/journal").text]
    for text in texts:
        for secret in (*SECRETS, "wrong-secret-pw"):
            assert secret not in text
