"""Business-card trigger → Salesforce "add contact", end to end in-process and against serve.

Covers CON-TRIG-1 (on SF-OAUTH-1, SF-OAUTH-3 and SF-REST-5): test connection and each
named failure, the contact created in the same run with the documented mapping,
REQUIRED_FIELD_MISSING on the workflow's history, the card filter, duplicates.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from card_helpers import CARDS_USER, Env
from connector.integrations import CardFilter, CardLead, DuplicateWorkflowError, SalesforceService

def service(env: Env, key: str = "cards-key", secret: str = "cards-secret", **kw) -> SalesforceService:
    return SalesforceService(key, secret, login_url=env.login_url, **kw)


def run_as_id(env: Env) -> str:
    rows = env.admin_client().query_page(f"SELECT Id FROM User WHERE Username = '{CARDS_USER}'")["records"]
    return rows[0]["Id"]


JOHN = CardLead("card-john", last_name="Doe", first_name="John", email="john.doe@example.com",
                phone="+33 1 23 45 67 89", mobile="+33 6 12 34 56 78", company="Acme Corp", title="CTO",
                card_owner="maya@cards.example.com", event_id="evt-1")


# -- test connection ----------------------------------------------------------------------

def test_connection_succeeds_and_runs_as_the_apps_user(env):
    registry = env.registry()
    registry.add("cards", service(env))
    report = registry.test_connection("cards")
    assert report.ok and report.cause == "OK", report
    assert report.run_as == run_as_id(env)
    assert registry.last_check("cards") == report


@pytest.mark.parametrize(("key", "secret", "cause", "error"), [
    ("not-a-key", "cards-secret", "WRONG_CONSUMER_KEY", "invalid_client_id"),
    ("cards-key", "wrong-secret", "WRONG_CONSUMER_SECRET", "invalid_client"),
    ("noflow-key", "noflow-secret", "CLIENT_CREDENTIALS_DISABLED", "invalid_grant"),
])
def test_connection_names_the_exact_failure(env, key, secret, cause, error):
    registry = env.registry()
    # the app was set up long ago: an unknown key is a wrong key, not a slow propagation
    registry.add("cards", service(env, key, secret, app_changed_at=env.now() - timedelta(hours=1)))
    report = registry.test_connection("cards")
    assert (report.ok, report.cause, report.error) == (False, cause, error), report
    assert report.retry_after is None


def test_connection_without_api_scope_is_refused_on_the_rest_check(env):
    registry = env.registry()
    registry.add("cards", service(env, "noapi-key", "noapi-secret"))
    report = registry.test_connection("cards")
    assert (report.cause, report.error) == ("API_ACCESS_DENIED", "API_DISABLED_FOR_ORG"), report


def test_new_app_is_not_propagated_until_ten_minutes_pass(env):
    registry = env.registry()
    registry.add("cards", service(env, "fresh-key", "fresh-secret"))
    registered = env.now()
    first = registry.test_connection("cards")
    assert (first.cause, first.error) == ("APP_NOT_PROPAGATED", "invalid_client_id"), first
    assert timedelta(minutes=9) < first.retry_after - registered <= timedelta(minutes=10)
    env.advance(timedelta(minutes=9))
    assert registry.test_connection("cards").cause == "APP_NOT_PROPAGATED"
    env.advance(timedelta(minutes=1, seconds=1))
    assert registry.test_connection("cards").ok
    created = registry.dispatch(JOHN).results[0]
    assert created.ok, created


def test_unknown_key_becomes_a_wrong_key_after_the_window(env):
    registry = env.registry()
    registry.add("cards", service(env, "typo-key", "cards-secret"))
    assert registry.test_connection("cards").cause == "APP_NOT_PROPAGATED"
    env.advance(timedelta(minutes=11))
    report = registry.test_connection("cards")
    assert report.cause == "WRONG_CONSUMER_KEY" and "Consumer Key" in report.message


# -- runs ----------------------------------------------------------------------------------

def test_card_event_creates_the_contact_in_the_same_run(env):
    registry = env.registry()
    registry.add("cards", service(env))
    dispatch = registry.dispatch(JOHN)
    (result,) = dispatch.results
    assert result.ok and result.error_code is None, result
    contact = env.admin_client().query_page(
        "SELECT FirstName, LastName, Email, Phone, MobilePhone, Title, Description, CreatedById, Account.Name "
        f"FROM Contact WHERE Id = '{result.contact_id}'")["records"][0]
    assert {k: contact[k] for k in ("FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title")} == {
        "FirstName": "John", "LastName": "Doe", "Email": "john.doe@example.com", "Phone": "+33 1 23 45 67 89",
        "MobilePhone": "+33 6 12 34 56 78", "Title": "CTO"}
    assert contact["Account"]["Name"] == "Acme Corp"
    assert contact["Description"] == "Business card exchange on card card-john (owner maya@cards.example.com)"
    assert contact["CreatedById"] == run_as_id(env)
    assert registry.history("cards") == [result]
    assert result.as_dict()["event_id"] == "evt-1"


def test_a_known_company_reuses_its_account(env):
    existing = env.admin_client().create("Account", {"Name": "O'Brien & Sons"})
    registry = env.registry()
    registry.add("cards", service(env))
    first = registry.dispatch(CardLead("c1", last_name="One", company="O'Brien & Sons")).results[0]
    second = registry.dispatch(CardLead("c1", last_name="Two", company="O'Brien & Sons")).results[0]
    assert first.account_id == second.account_id == existing
    assert env.count("Account") == 1 and env.count("Contact") == 2


def test_card_without_company_has_no_account(env):
    registry = env.registry()
    registry.add("cards", service(env))
    result = registry.dispatch(CardLead("c1", last_name="Solo")).results[0]
    assert result.ok and result.account_id is None
    assert env.count("Account") == 0


def test_card_without_last_name_fails_with_required_field_missing(env):
    registry = env.registry()
    registry.add("cards", service(env))
    result = registry.dispatch(CardLead("c1", first_name="John", email="j@example.com",
                                        company="Nowhere Ltd")).results[0]
    assert (result.status, result.error_code, result.fields) == ("failed", "REQUIRED_FIELD_MISSING", ("LastName",))
    assert result.message == "Required fields are missing: [LastName]"
    assert registry.history("cards") == [result]
    assert env.count("Contact") == 0 and env.count("Account") == 0  # the new Account was rolled back


def test_card_failing_the_filter_creates_nothing(env):
    registry = env.registry()
    registry.add("vip cards", service(env), CardFilter.of(card_ids=["card-vip"], tags=["Sales"]))
    skipped = registry.dispatch(CardLead("card-other", last_name="Nobody", card_tags=("support",)))
    assert (skipped.results, skipped.skipped) == ((), ("vip cards",))
    assert env.count("Contact") == 0 and registry.history("vip cards") == []
    by_tag = registry.dispatch(CardLead("card-team", last_name="Tagged", card_tags=("sales",)))
    by_id = registry.dispatch(CardLead("card-vip", last_name="Listed"))
    assert [r.ok for r in by_tag.results + by_id.results] == [True, True]
    assert env.count("Contact") == 2


def test_run_with_a_wrong_secret_is_reported_on_the_workflow(env):
    registry = env.registry()
    registry.add("cards", service(env, secret="rotated"))
    result = registry.dispatch(JOHN).results[0]
    assert (result.status, result.error_code) == ("failed", "WRONG_CONSUMER_SECRET")
    assert registry.last_check("cards").cause == "WRONG_CONSUMER_SECRET"
    assert env.count("Contact") == 0


def test_each_card_goes_to_its_own_workflow(env):
    registry = env.registry()
    registry.add("card A", service(env), CardFilter.of(card_ids=["A"]))
    registry.add("card B", service(env), CardFilter.of(card_ids=["B"]))
    registry.add("all cards", service(env))
    dispatch = registry.dispatch(CardLead("A", last_name="Alpha"))
    assert sorted(r.workflow for r in dispatch.results) == ["all cards", "card A"]
    assert dispatch.skipped == ("card B",)
    assert env.count("Contact") == 2
    assert len(registry.history("card B")) == 0


# -- duplicates ----------------------------------------------------------------------------

def test_exact_duplicate_is_refused_but_other_filters_or_accounts_are_allowed(env):
    registry = env.registry()
    registry.add("cards", service(env), CardFilter.of(card_ids=["A"]))
    with pytest.raises(DuplicateWorkflowError, match="duplicates 'cards'") as refused:
        registry.add("cards again", service(env, secret="other-secret"), CardFilter.of(card_ids=["A"]))
    assert refused.value.existing == "cards"
    with pytest.raises(DuplicateWorkflowError, match="already exists"):
        registry.add("cards", service(env), CardFilter.of(card_ids=["B"]))
    registry.add("cards B", service(env), CardFilter.of(card_ids=["B"]))  # another filter
    registry.add("cards A, fresh app", service(env, "fresh-key", "fresh-secret"), CardFilter.of(card_ids=["A"]))
    assert [w.name for w in registry.workflows()] == ["cards", "cards B", "cards A, fresh app"]
    assert env.count("Contact") == 0
