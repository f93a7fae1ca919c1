"""The dashboard's pages over a populated emulator: content, paging, search, errors as HTML pages."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from dashboard_world import UI, build_world, csrf_of, plain_emulator
from emulator.app import create_app


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", body.split("<tbody>", 1)[1], re.S)


@pytest.mark.parametrize("path, expected", [
    ("", ["Dashboard Test Org", "admin@example.com", "ops@example.com", "harness-client-id", "ops-client-id",
          "HARNESS@AdobeOrg", "frozen"]),
    ("/objects", ["Contact", "61", "Account", "003"]),
    ("/objects/Contact", ["Ada Lovelace", "ada@example.com", "1–25 of 61 records", "ORDER BY CreatedDate DESC"]),
    ("/fields", ["Custom fields", "At most <strong>5</strong>", "2 / 5"]),
    ("/objects/Contact/fields", ["VIP_Status__c", "Loyalty_Id__c", "2 / 5 counted against the cap"]),
    ("/limits", ["DailyApiRequests", "DailyBulkApiBatches", "DataStorageMB", "daily_api_limit", "15,000"]),
    ("/journal", ["/services/data/v59.0/query", "/services/oauth2/token", "503"]),
    ("/controls", ["Advance", "Unfreeze", "Add fault", "csrf_token"]),
    ("/aep", ["prod", "dev", "HARNESS@AdobeOrg"]),
    ("/aep/prod/connections", ["Salesforce base connection", "Contact", "Salesforce CRM", "credentials hidden"]),
    ("/aep/prod/flows", ["Salesforce dataflow", "CRMToAEP", "every hour", "success", "Salesforce CRM activation"]),
    ("/aep/prod/datasets", ["Salesforce target dataset"]),
    ("/aep/prod/profiles", ["VIP", "seg-vip", "Person00 Tester00", "realized", "VIP_Status__c"]),
    ("/aep/flows", ["Salesforce dataflow"]),
    ("/login", ["without an admin token"]),
])
def test_each_page_renders_with_data(client, path, expected):
    response = client.get(UI + path)
    assert response.status_code == 200, text(response)[:500]
    assert response.content_type.startswith("text/html")
    html = text(response)
    for snippet in expected:
        assert snippet in html, (path, snippet)


def test_the_flows_page_shows_runs_with_their_metrics(client, world):
    html = text(client.get(f"{UI}/aep/prod/flows"))
    assert len(rows(html, "runs-table")) == 3  # two hourly slots of the source flow, one export
    source = rows(text(client.get(f"{UI}/aep/prod/flows", query_string={"flow": world.flow_id})), "runs-table")
    assert len(source) == 2 and all("success" in r and "Salesforce dataflow" in r for r in source)
    assert ">61<" in source[-1]  # the first run read every Contact
    export = rows(text(client.get(f"{UI}/aep/prod/flows", query_string={"flow": world.destination_flow_id})),
                  "runs-table")
    assert len(export) == 1 and "Salesforce CRM activation" in export[0] and "success" in export[0]


def test_the_dataset_page_pages_its_rows(client, world):
    first = text(client.get(f"{UI}/aep/prod/datasets/{world.dataset_id}"))
    assert "1–25 of 61 rows" in first and "person.name.firstName" in first and "identityMap.crmID" in first
    assert len(rows(first, "dataset-rows")) == 25
    last = text(client.get(f"{UI}/aep/prod/datasets/{world.dataset_id}", query_string={"page": 3}))
    assert len(rows(last, "dataset-rows")) == 11
    assert client.get(f"{UI}/aep/prod/datasets/nope").status_code == 404


def test_records_are_paged_newest_first(client, world):
    first = rows(text(client.get(f"{UI}/objects/Contact")), "records")
    assert len(first) == 25 and "Ada Lovelace" in first[0]  # created last, shown first
    third = text(client.get(f"{UI}/objects/Contact", query_string={"page": 3}))
    assert "51–61 of 61 records" in third and len(rows(third, "records")) == 11
    small = text(client.get(f"{UI}/objects/Contact", query_string={"per": 10, "page": 7}))
    assert "61–61 of 61 records" in small


def test_paging_past_soql_offset_limit_serves_the_right_rows():
    emulator = plain_emulator()
    emulator.clock.freeze()
    ids = []
    for batch in range(3):
        ids += emulator.seed(Contact=[{"LastName": f"Bulk{batch}-{i:04d}"} for i in range(1000)])["Contact"]
        emulator.advance_clock("1s")
    client = create_app(emulator).test_client()
    html = text(client.get(f"{UI}/objects/Contact", query_string={"page": 100, "per": 25}))  # offset 2475
    store = emulator.salesforce.default_org().store("Contact")
    newest_first = sorted(ids, key=lambda i: (store.get(i)["CreatedDate"], i), reverse=True)
    shown = re.findall(r'<td><a href="[^"]+"><code>(\w{18})</code>', html)
    assert shown == newest_first[2475:2500]
    assert "2,476–2,500 of 3,000 records" in html and "LIMIT 2500" in html


@pytest.mark.parametrize("term, found", [
    ("lovelace", ["Ada Lovelace"]),
    ("LOVE", ["Ada Lovelace"]),
    ("ada@example.com", ["Ada Lovelace"]),
    ("person07", ["Person07 Tester07"]),
    ("Tester0", [f"Person0{i} Tester0{i}" for i in range(10)]),
])
def test_search_finds_by_name_or_email(client, term, found):
    html = text(client.get(f"{UI}/objects/Contact", query_string={"q": term}))
    shown = rows(html, "records")
    assert len(shown) == len(found), html[:300]
    for name in found:
        assert any(name in r for r in shown), name


def test_search_by_id_and_awkward_terms(client, world):
    by_id = text(client.get(f"{UI}/objects/Contact", query_string={"q": world.contact_ids[5][:15]}))
    assert "Person05" in by_id and "1–1 of 1 records" in by_id
    for awkward in ("O'Brien", "100%", "a_b", "back\\slash", "' OR Name LIKE '%", "x" * 500,
                    "<script>alert(1)</script>", "\x00bad\x1f"):
        response = client.get(f"{UI}/objects/Contact", query_string={"q": awkward})
        assert response.status_code == 200, (awkward, text(response)[:300])
        assert "No record matches." in text(response)
        assert "<script>alert(1)</script>" not in text(response)


def test_search_results_page_too(client):
    html = text(client.get(f"{UI}/objects/Contact", query_string={"q": "person", "per": 25, "page": 3}))
    assert "51–60 of 60 records" in html
    assert client.get(f"{UI}/objects/Contact", query_string={"q": "person", "page": 4}).status_code == 404


def test_the_record_page_shows_fields_and_history(client, world):
    ada = world.contact_ids[-1]
    html = text(client.get(f"{UI}/objects/Contact/{ada}"))
    assert 'id="record-title">Ada Lovelace' in html
    assert "Countess" in html and "ada@example.com" in html
    assert "by admin@example.com" in html and "Last modified" in html
    history = rows(html, "record-journal")
    assert len(history) == 2 and "PATCH" in history[0] and "GET" in history[1]
    assert ada in history[0]
    assert "show" in html and "empty fields" in html
    full = text(client.get(f"{UI}/objects/Contact/{ada[:15]}", query_string={"empty": "1"}))
    assert "MailingAddress" in full or "Department" in full


def test_the_record_page_links_references(client, world):
    user_id = next(iter(world.emulator.salesforce.default_org().org.users))
    html = text(client.get(f"{UI}/objects/Contact/{world.contact_ids[0]}"))
    assert f"/objects/User/{user_id}" in html
    user_page = client.get(f"{UI}/objects/User/{user_id}")
    assert user_page.status_code == 200 and "admin@example.com" in text(user_page)


def test_the_journal_filters(client):
    posts = text(client.get(f"{UI}/journal", query_string={"method": "POST"}))
    assert all(">POST<" in r for r in rows(posts, "journal"))
    faulted = rows(text(client.get(f"{UI}/journal", query_string={"status": "503"})), "journal")
    assert len(faulted) == 1 and "/limits" in faulted[0]
    assert rows(text(client.get(f"{UI}/journal", query_string={"status": "5xx"})), "journal") == faulted
    aep = rows(text(client.get(f"{UI}/journal", query_string={"api": "aep", "per": 100})), "journal")
    assert aep and all("/data/foundation/" in r for r in aep)
    by_path = rows(text(client.get(f"{UI}/journal", query_string={"path": "OAUTH2/TOKEN"})), "journal")
    assert len(by_path) >= 2 and all("/services/oauth2/token" in r for r in by_path)
    client.get(f"{UI}/objects")
    row = "<code>/__emulator/ui/objects</code>"
    assert row not in text(client.get(f"{UI}/journal", query_string={"per": 100}))
    assert row in text(client.get(f"{UI}/journal", query_string={"dashboard": "1", "per": 100}))


def test_the_journal_redacts_secrets_in_query_strings(client, world):
    html = text(client.get(f"{UI}/journal", query_string={"per": 100}))
    for secret in ("qs-pass-3141", "qs-client-secret-2718", "qs-code-1618", world.token, world.secrets[0]):
        assert secret not in html
    for name in ("password", "client_secret", "access_token", "code", "refresh_token"):
        assert f"{name}=***" in html, name
    assert "q=SELECT Id FROM Contact LIMIT 1" in html  # the rest is decoded and readable


@pytest.mark.parametrize("path, status", [
    ("/objects/Contact?page=0", 400),
    ("/objects/Contact?page=-2", 400),
    ("/objects/Contact?page=abc", 400),
    ("/objects/Contact?page=1.5", 400),
    ("/objects/Contact?page=99999999999999999999", 400),
    ("/objects/Contact?page=4", 404),
    ("/objects/Contact?per=7", 400),
    ("/objects/Nope", 404),
    ("/objects/Nope/fields", 404),
    ("/objects/Contact/003000000000000AAA", 404),
    ("/objects/Contact/not-an-id", 404),
    ("/objects/Account/003Hs0000000001", 404),
    ("/objects?org=00Dnope", 404),
    ("/journal?page=9", 404),
    ("/journal?status=abc", 400),
    ("/journal?method=BREW", 400),
    ("/journal?api=ftp", 400),
    ("/aep/nowhere/flows", 404),
    ("/aep/prod/flows?runs_page=x", 400),
    ("/aep/prod/profiles?segments_page=5", 404),
    ("/no/such/page", 404),
    ("/clock", 404),  # a form target answers 404 to a GET, as HTML
])
def test_bad_input_is_a_clean_html_error(client, path, status):
    response = client.get(UI + path)
    assert response.status_code == status, text(response)[:400]
    assert response.content_type.startswith("text/html")
    assert f"<h1>{status}</h1>" in text(response)


def test_pages_without_any_org_or_sandbox_answer_cleanly():
    emulator = plain_emulator()
    emulator.use_fixture({}, over_demo=False)
    client = create_app(emulator).test_client()
    assert client.get(UI).status_code == 200
    assert "No Salesforce org is loaded" in text(client.get(UI))
    for path in ("/objects", "/fields", "/limits", "/aep/flows"):
        response = client.get(UI + path)
        assert response.status_code == 404 and "<h1>404</h1>" in text(response), path
    assert client.get(f"{UI}/aep").status_code == 200 and client.get(f"{UI}/journal").status_code == 200


def test_an_unexpected_error_is_an_html_500_without_details(monkeypatch, client):
    from emulator.dashboard import salesforce_pages

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail")
    monkeypatch.setattr(salesforce_pages, "cap_usage", broken)
    response = client.get(f"{UI}/fields")
    assert response.status_code == 500 and "internal detail" not in text(response)
    assert "<h1>500</h1>" in text(response)


# -- controls (each test builds its own emulator: they change it) ------------------------------------------
@pytest.fixture
def fresh():
    world = build_world()
    return world, world.app.test_client()


def post_form(client, path: str, data: dict, page: str = "/controls"):
    token = csrf_of(text(client.get(UI + page)))
    return client.post(UI + path, data={"csrf_token": token, **data})


def test_the_clock_controls_move_the_clock():
    emulator = plain_emulator()
    emulator.clock.freeze()
    client = create_app(emulator).test_client()
    before = emulator.now()
    response = post_form(client, "/clock", {"action": "advance", "duration": "1d"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/controls")
    assert emulator.now() - before == timedelta(days=1)
    assert "Clock advanced by 1d" in text(client.get(f"{UI}/controls"))
    post_form(client, "/clock", {"action": "set", "instant": "2030-01-02T03:04:05Z"})
    assert emulator.now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    post_form(client, "/clock", {"action": "unfreeze"})
    assert not emulator.clock.frozen
    post_form(client, "/clock", {"action": "freeze"})
    assert emulator.clock.frozen
    frozen_at = emulator.now()
    for bad in ({"action": "advance", "duration": "soon"}, {"action": "advance", "duration": ""},
                {"action": "set", "instant": "yesterday"}, {"action": "rewind"}):
        assert post_form(client, "/clock", bad).status_code == 303
        assert "Clock unchanged" in text(client.get(f"{UI}/controls"))
    assert emulator.now() == frozen_at


def test_advancing_the_clock_fires_scheduled_runs(fresh):
    world, client = fresh
    before = len(world.emulator.aep.sandbox("HARNESS@AdobeOrg", "prod").flowservice.runs.items)
    post_form(client, "/clock", {"action": "advance", "duration": "3h", "back": f"{UI}/aep/prod/flows"},
              page="/aep/prod/flows")
    html = text(client.get(f"{UI}/aep/prod/flows", query_string={"flow": world.flow_id}))
    assert len(rows(html, "runs-table")) == 5  # two before, three hourly slots more
    assert len(world.emulator.aep.sandbox("HARNESS@AdobeOrg", "prod").flowservice.runs.items) == before + 3


def test_the_fault_controls_add_list_remove_and_clear(fresh):
    world, client = fresh
    world.emulator.clear_faults()
    response = post_form(client, "/faults", {"path": "/services/data/*/sobjects/Contact*", "method": "GET",
                                             "status": "503", "count": "2", "count_mode": "drop"})
    assert response.status_code == 303
    rules = world.emulator.active_faults()
    assert len(rules) == 1 and rules[0]["status"] == 503 and rules[0]["remaining"] == 2 and rules[0]["method"] == "GET"
    assert world.rest("GET", f"sobjects/Contact/{world.contact_ids[0]}").status_code == 503
    controls = text(client.get(f"{UI}/controls"))
    assert "/services/data/*/sobjects/Contact*" in controls and "active on" in controls
    journal = rows(text(client.get(f"{UI}/journal", query_string={"status": "503"})), "journal")
    assert any("/sobjects/Contact/" in r for r in journal)
    post_form(client, "/faults", {"path": "*", "latency_ms": "1", "expire_tokens": "1",
                                  "body": '{"message": "x"}'})
    assert "No fault added: invalid fault rule: body: needs a status" in text(client.get(f"{UI}/controls"))
    post_form(client, "/faults", {"path": "*", "status": "abc"})
    assert "status: must be a whole number" in text(client.get(f"{UI}/controls"))
    post_form(client, "/faults", {"path": "/nothing", "latency_ms": "5", "exhaust_api_limit": "1"})
    rule_id = world.emulator.active_faults()[-1]["id"]
    assert world.emulator.active_faults()[-1]["exhaust_api_limit"] is True
    post_form(client, f"/faults/{rule_id}/delete", {})
    assert [r["id"] for r in world.emulator.active_faults()] == [rules[0]["id"]]
    post_form(client, "/faults/nope/delete", {})
    assert "No fault rule nope" in text(client.get(f"{UI}/controls"))
    post_form(client, "/faults/clear", {})
    assert world.emulator.active_faults() == []


def test_a_form_goes_back_only_to_a_dashboard_page(fresh):
    _world, client = fresh
    for back, expected in ((f"{UI}/journal", f"{UI}/journal"), ("https://evil.example/", f"{UI}/controls"),
                           ("//evil.example/__emulator/ui", f"{UI}/controls"), ("/services/data", f"{UI}/controls")):
        response = post_form(client, "/faults/clear", {"back": back})
        assert response.headers["Location"].endswith(expected), back


def test_a_sandbox_address_leads_to_its_flows(client):
    response = client.get(f"{UI}/aep/prod")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{UI}/aep/prod/flows")
    assert client.get(f"{UI}/aep/nowhere").status_code == 404
