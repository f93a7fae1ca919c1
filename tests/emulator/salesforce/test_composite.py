"""Composite, composite batch and sObject tree: references, allOrNone, haltOnError, limits. Covers SF-REST-7."""
from __future__ import annotations

import pytest

from emulator import session_for
from emulator.salesforce.composite.subrequests import Reply, UnresolvedReference, lookup
from emulator.testing import run_in_threads

V = "/services/data/v59.0"
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


def sub(method: str, url: str, ref: str, body=None, **extra) -> dict:
    item = {"method": method, "url": V + url, "referenceId": ref, **extra}
    if body is not None:
        item["body"] = body
    return item


def composite(rest, subrequests: list[dict], all_or_none: bool | None = None):
    body: dict = {"compositeRequest": subrequests}
    if all_or_none is not None:
        body["allOrNone"] = all_or_none
    return rest.post("composite", json=body)


def live_count(rest, sobject: str) -> int:
    state = rest.session.get(f"{rest.base}/__emulator/state").json()
    return state["salesforce"]["orgs"][0]["records"].get(sobject, 0)


def api_used(rest) -> int:
    return int(rest.get("limits").headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])


# -- /composite ----------------------------------------------------------------------------------------------
def test_references_chain_subrequests_and_the_response_has_the_real_shape(rest):
    response = composite(rest, [
        sub("POST", "/sobjects/Account", "refAccount", {"Name": "Sample Account"}),
        sub("POST", "/sobjects/Contact/", "refContact", {"LastName": "Sample", "AccountId": "@{refAccount.id}"}),
        sub("GET", "/sobjects/Contact/@{refContact.id}?fields=AccountId,LastName", "getContact"),
        sub("PATCH", "/sobjects/Contact/@{refContact.id}", "rename", {"FirstName": "Named @{getContact.LastName}"}),
    ])
    assert response.status_code == 200
    results = response.json()["compositeResponse"]
    assert [list(r) for r in results] == [["body", "httpHeaders", "httpStatusCode", "referenceId"]] * 4
    account, contact, fetched, renamed = results
    account_id, contact_id = account["body"]["id"], contact["body"]["id"]
    assert account == {"body": {"id": account_id, "success": True, "errors": []}, "httpStatusCode": 201,
                       "httpHeaders": {"Location": f"{V}/sobjects/Account/{account_id}"}, "referenceId": "refAccount"}
    assert fetched["httpStatusCode"] == 200 and fetched["body"]["AccountId"] == account_id
    assert renamed == {"body": None, "httpHeaders": {}, "httpStatusCode": 204, "referenceId": "rename"}
    assert rest.get(f"sobjects/Contact/{contact_id}").json()["FirstName"] == "Named Sample"


def test_index_references_into_list_results(rest):
    contact_id = rest.post("sobjects/Contact", json={"LastName": "Listed"}).json()["id"]
    results = composite(rest, [
        sub("GET", f"/composite/sobjects/Contact?ids={contact_id}&fields=Id,LastName", "found"),
        sub("GET", "/sobjects/Contact/@{found[0].Id}", "again"),
    ]).json()["compositeResponse"]
    assert results[1]["httpStatusCode"] == 200 and results[1]["body"]["LastName"] == "Listed"


def test_reference_paths_follow_dots_and_indexes():
    results = {"refContact": Reply(200, {}, {"totalSize": 1, "records": [{"Id": "003X", "Account": {"Name": "A"}}]})}
    assert lookup("refContact.records[0].Id", results) == "003X"
    assert lookup("refContact.records[0].Account.Name", results) == "A"
    for missing in ("refContact.records[1].Id", "refContact.Id", "nope.id", "refContact.records[0].id"):
        with pytest.raises(UnresolvedReference):
            lookup(missing, results)


def test_all_or_none_failure_rolls_back_everything_and_others_report_processing_halted(rest):
    before = (live_count(rest, "Account"), live_count(rest, "Contact"))
    results = composite(rest, [
        sub("POST", "/sobjects/Account", "refAccount", {"Name": "Rolled"}),
        sub("POST", "/sobjects/Contact", "badContact", {"LastName": "X", "Email": "Not a real email address"}),
        sub("POST", "/sobjects/Contact", "never", {"LastName": "Never"}),
    ], all_or_none=True).json()["compositeResponse"]
    assert results[1] == {"body": [{"message": "Email: invalid email address: Not a real email address",
                                    "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]}],
                          "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "badContact"}
    for index in (0, 2):
        assert results[index]["httpStatusCode"] == 400
        assert results[index]["body"] == [{"errorCode": "PROCESSING_HALTED", "message": HALTED}]
    assert (live_count(rest, "Account"), live_count(rest, "Contact")) == before


def test_without_all_or_none_only_dependent_subrequests_fail(rest):
    results = composite(rest, [
        sub("POST", "/sobjects/Account", "refNewAccount", {"Name": "Kept"}),
        sub("POST", "/sobjects/Contact", "bad", {"FirstName": "No last name"}),
        sub("POST", "/sobjects/Contact", "dependent", {"LastName": "D", "AccountId": "@{bad.id}"}),
        sub("POST", "/sobjects/Account", "refNewAccount2", {"Name": "Also kept"}),
    ], all_or_none=False).json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in results] == [201, 400, 400, 201]
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["body"] == [{"errorCode": "PROCESSING_HALTED",
                                   "message": "Invalid reference specified. No value for bad.id found in bad."}]
    assert live_count(rest, "Account") == 2


def test_collections_inside_all_or_none_composite_roll_back_too(rest):
    results = composite(rest, [
        sub("POST", "/composite/sobjects", "many", {"records": [
            {"attributes": {"type": "Contact"}, "LastName": f"C{i}"} for i in range(5)]}),
        sub("GET", "/sobjects/Contact/003Hs000000zzzzAAA", "missing"),
    ], all_or_none=True).json()["compositeResponse"]
    assert results[1]["httpStatusCode"] == 404
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert live_count(rest, "Contact") == 0


def test_composite_counts_once_against_the_api_limit(rest):
    used = api_used(rest)
    composite(rest, [sub("POST", "/sobjects/Contact", f"c{i}", {"LastName": f"C{i}"}) for i in range(10)])
    assert api_used(rest) - used == 2  # the composite call and the limits call that reads the header


@pytest.mark.parametrize("mutate,code", [
    (lambda reqs: reqs.extend(sub("GET", "/limits", f"more{i}") for i in range(25)), "INVALID_BATCH_REQUEST"),
    (lambda reqs: reqs[0].update(referenceId="ref[1]"), "JSON_PARSER_ERROR"),
    (lambda reqs: reqs[0].update(referenceId="_x"), "JSON_PARSER_ERROR"),
    (lambda reqs: reqs.append(sub("GET", "/limits", "a")), "INVALID_INPUT"),
    (lambda reqs: reqs[0].update(url="/services/oauth2/userinfo"), "INVALID_INPUT"),
    (lambda reqs: reqs[0].update(url=V + "/composite/batch"), "INVALID_INPUT"),
    (lambda reqs: reqs[0].update(method="TRACE"), "INVALID_BATCH_REQUEST"),
    (lambda reqs: reqs[0].update(httpHeaders={"Authorization": "Bearer x"}), "INVALID_INPUT"),
    (lambda reqs: reqs[0].update(httpHeaders=["x"]), "JSON_PARSER_ERROR"),
    (lambda reqs: reqs.extend(sub("GET", f"/composite/sobjects/Contact?ids=x{i}&fields=Id", f"q{i}")
                              for i in range(6)), "INVALID_BATCH_REQUEST"),
])
def test_request_level_validation_fails_the_whole_call(rest, mutate, code):
    subrequests = [sub("GET", "/limits", "a")]
    mutate(subrequests)
    response = composite(rest, subrequests)
    assert response.status_code == 400, response.text
    assert response.json()[0]["errorCode"] == code


def test_subrequests_take_no_concurrency_slot_of_their_own(rest):
    rest.session.post(f"{rest.base}/__emulator/config", json={"salesforce": {"concurrent_request_limit": 1}})
    results = composite(rest, [
        sub("GET", "/sobjects/Contact/describe", "describe"),
        sub("POST", "/sobjects/Contact", "created", {"LastName": "Slot"}),
        sub("GET", "/limits", "limits"),
    ]).json()["compositeResponse"]
    assert [r["httpStatusCode"] for r in results] == [200, 201, 200]
    assert rest.get("limits").status_code == 200  # the composite call gave its slot back


def test_twenty_five_subrequests_are_allowed(rest):
    response = composite(rest, [sub("POST", "/sobjects/Contact", f"c{i}", {"LastName": f"C{i}"}) for i in range(25)])
    assert response.status_code == 200 and len(response.json()["compositeResponse"]) == 25
    assert live_count(rest, "Contact") == 25


# -- /composite/batch ---------------------------------------------------------------------------------------
def test_batch_runs_independent_subrequests(rest):
    contact_id = rest.post("sobjects/Contact", json={"LastName": "Before"}).json()["id"]
    response = rest.post("composite/batch", json={"batchRequests": [
        {"method": "PATCH", "url": f"v59.0/sobjects/Contact/{contact_id}", "richInput": {"LastName": "NewName"}},
        {"method": "GET", "url": f"v59.0/sobjects/Contact/{contact_id}?fields=LastName"},
    ]})
    assert response.status_code == 200
    assert response.json() == {"hasErrors": False, "results": [
        {"statusCode": 204, "result": None},
        {"statusCode": 200, "result": {"attributes": {"type": "Contact", "url": f"{V}/sobjects/Contact/{contact_id}"},
                                       "LastName": "NewName"}}]}


def test_batch_halt_on_error_answers_412_for_the_rest_and_keeps_earlier_commits(rest):
    body = rest.post("composite/batch", json={"haltOnError": True, "batchRequests": [
        {"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": {"LastName": "Kept"}},
        {"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": {"FirstName": "Bad"}},
        {"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": {"LastName": "Skipped"}},
    ]}).json()
    assert body["hasErrors"] is True
    assert [r["statusCode"] for r in body["results"]] == [201, 400, 412]
    assert body["results"][2]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"
    assert live_count(rest, "Contact") == 1
    without_halt = rest.post("composite/batch", json={"batchRequests": [
        {"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": {"FirstName": "Bad"}},
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "richInput": {"LastName": "Ran"}},
    ]}).json()
    assert [r["statusCode"] for r in without_halt["results"]] == [400, 201]


def test_batch_subrequests_each_count_and_bad_requests_are_refused(rest):
    used = api_used(rest)
    rest.post("composite/batch", json={"batchRequests": [{"method": "GET", "url": "v59.0/limits"}] * 3})
    assert api_used(rest) - used == 5  # the batch call, its 3 subrequests, the limits call
    too_many = rest.post("composite/batch", json={"batchRequests": [{"method": "GET", "url": "v59.0/limits"}] * 26})
    assert too_many.status_code == 400
    for bad in ({"method": "GET", "url": "limits"}, {"method": "GET", "url": 5}, {"method": "FOO", "url": "v59.0/x"}):
        response = rest.post("composite/batch", json={"batchRequests": [bad]})
        assert response.status_code == 400 and response.json()[0]["errorCode"] == "INVALID_BATCH_REQUEST"


# -- /composite/tree ----------------------------------------------------------------------------------------
def tree_account(ref: str, name: str | None, contacts: list[dict] | None = None) -> dict:
    record: dict = {"attributes": {"type": "Account", "referenceId": ref}}
    if name is not None:
        record["Name"] = name
    if contacts is not None:
        record["Contacts"] = {"records": contacts}
    return record


def tree_contact(ref: str, last_name: str, **fields) -> dict:
    return {"attributes": {"type": "Contact", "referenceId": ref}, "LastName": last_name, **fields}


def test_tree_creates_nested_records_level_by_level(rest):
    response = rest.post("composite/tree/Account", json={"records": [
        tree_account("ref1", "SampleAccount", [tree_contact("ref2", "Smith"), tree_contact("ref3", "Evans")]),
        tree_account("ref4", "SampleAccount2")]})
    assert response.status_code == 201
    body = response.json()
    assert body["hasErrors"] is False
    assert [r["referenceId"] for r in body["results"]] == ["ref1", "ref4", "ref2", "ref3"]
    ids = {r["referenceId"]: r["id"] for r in body["results"]}
    assert rest.get(f"sobjects/Contact/{ids['ref2']}").json()["AccountId"] == ids["ref1"]


def test_tree_failure_rolls_back_and_names_the_record(rest):
    response = rest.post("composite/tree/Account", json={"records": [
        tree_account("ref1", "Ok", [tree_contact("ref2", "Smith", Email="123")])]})
    assert response.status_code == 400
    assert response.json() == {"hasErrors": True, "results": [{"referenceId": "ref2", "errors": [{
        "statusCode": "INVALID_EMAIL_ADDRESS", "message": "Email: invalid email address: 123", "fields": ["Email"]}]}]}
    assert live_count(rest, "Account") == 0 and live_count(rest, "Contact") == 0


def test_tree_structure_errors(rest):
    duplicate = rest.post("composite/tree/Account", json={"records": [tree_account("r", "A"), tree_account("r", "B")]})
    assert duplicate.status_code == 400 and len(duplicate.json()["results"]) == 2
    wrong_root = rest.post("composite/tree/Account", json={"records": [tree_contact("c", "X")]})
    assert wrong_root.status_code == 400 and wrong_root.json()["results"][0]["errors"][0]["statusCode"] == "INVALID_TYPE"
    no_ref = rest.post("composite/tree/Account", json={"records": [{"attributes": {"type": "Account"}, "Name": "x"}]})
    assert no_ref.status_code == 400 and no_ref.json()["hasErrors"] is True
    unknown_child = rest.post("composite/tree/Account", json={"records": [
        {**tree_account("a", "A"), "Widgets": {"records": [tree_contact("c", "X")]}}]})
    assert unknown_child.status_code == 400
    assert unknown_child.json()["results"][0]["errors"][0]["statusCode"] == "INVALID_FIELD"
    too_many = rest.post("composite/tree/Account", json={"records": [tree_account(f"a{i}", "A") for i in range(201)]})
    assert too_many.status_code == 400 and isinstance(too_many.json(), list)
    assert rest.post("composite/tree/Nope", json={"records": [tree_account("a", "A")]}).status_code == 404
    assert live_count(rest, "Account") == 0


# -- malformed input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,body", [
    ("composite", b"{oops"), ("composite", b"[]"), ("composite", b'{"compositeRequest": []}'),
    ("composite", b'{"compositeRequest": [1]}'), ("composite", b'{"compositeRequest": {}, "allOrNone": 3}'),
    ("composite/batch", b'{"batchRequests": "x"}'), ("composite/batch", b"null"),
    ("composite/tree/Account", b'{"records": [1]}'), ("composite/tree/Account", b'{"records": {}}'),
    ("composite/tree/Account", b'{"records": [{"attributes": {"type": "Account", "referenceId": "a"}, '
                               b'"Contacts": {"records": [7]}}]}'),
    ("composite", b'{"compositeRequest": [{"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", '
                  b'"referenceId": "a", "body": ' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}]}"),
    ("composite/batch", b'{"batchRequests": [{"method": "POST", "url": "v59.0/sobjects/Contact", "richInput": '
                        + b"[" * 500 + b"]" * 500 + b"}]}"),
    ("composite/tree/Account", b"[" * 100000),
])
def test_garbage_bodies_are_400_not_500(rest, path, body):
    response = rest.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"] == "application/json"


def test_odd_subrequests_never_500(rest):
    results = composite(rest, [
        sub("POST", "/sobjects/Contact", "a", ["not", "an", "object"]),
        sub("GET", "/sobjects/Contact/%00%ff", "b"),
        sub("DELETE", "/limits", "c"),
        sub("GET", "/sobjects/Contact/@{a.id}@{", "d"),
        sub("POST", "/sobjects/Contact", "e", {"LastName": "@{c}"}),
    ]).json()["compositeResponse"]
    assert all(400 <= r["httpStatusCode"] < 500 for r in results), results


# -- allOrNone under concurrent writers -----------------------------------------------------------------------
def test_all_or_none_composite_is_atomic_under_8_concurrent_writers(rest, crm_app):
    """Each thread sends allOrNone composites of 5 creates; every other one ends with a bad subrequest."""
    threads, rounds = 8, 6
    errors: list[str] = []

    def writer(n: int) -> None:
        client = type(rest)(session_for(crm_app), rest.token)
        for r in range(rounds):
            subrequests = [sub("POST", "/sobjects/Contact", f"c{i}", {"LastName": f"T{n}-{r}-{i}"}) for i in range(5)]
            if r % 2:
                subrequests[4]["body"] = {"FirstName": "missing"}
            codes = [x["httpStatusCode"] for x in composite(client, subrequests, True).json()["compositeResponse"]]
            if codes != ([400] * 5 if r % 2 else [201] * 5):
                errors.append(str(codes))

    run_in_threads(writer, threads)
    assert errors == []
    assert live_count(rest, "Contact") == threads * (rounds // 2) * 5
