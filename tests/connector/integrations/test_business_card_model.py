"""The workflow model on its own and across two Salesforce orgs (CON-TRIG-1)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from card_helpers import SEED_FIXTURE
from connector.integrations import (
    InvalidCardError,
    CardFilter,
    CardLead,
    InvalidWorkflowError,
    SalesforceService,
    UnknownWorkflowError,
    Workflow,
    WorkflowRegistry,
    contact_fields,
)
from connector.integrations.connection import classify
from connector.salesforce.errors import AuthenticationError, SalesforceError
from connector.salesforce import SalesforceClient


def test_empty_filter_takes_every_card_and_a_filter_is_a_union_of_ids_and_tags():
    assert CardFilter().matches(CardLead("any"))
    selected = CardFilter.of(card_ids=["c1"], tags=["Trade Show"])
    assert selected.matches(CardLead("c1"))
    assert selected.matches(CardLead("c9", card_tags=("trade show",)))
    assert not selected.matches(CardLead("c9", card_tags=("trade",)))
    assert not selected.matches(CardLead("C1"))  # ids compare exactly
    assert CardFilter.of(["b", "a"]) == CardFilter.of(["a", "b"])


def test_card_events_are_checked():
    with pytest.raises(InvalidCardError, match="unknown card field"):
        CardLead.from_dict({"card_id": "c", "company_name": "x"})
    with pytest.raises(InvalidCardError, match="card_id"):
        CardLead.from_dict({"last_name": "x"})
    assert CardLead.from_dict({"card_id": "c", "card_tags": ["a"]}).card_tags == ("a",)


def test_workflow_definitions_are_checked():
    service = SalesforceService("k", "s")
    with pytest.raises(InvalidWorkflowError, match="unknown trigger"):
        Workflow("w", service, trigger="new_form_lead")
    with pytest.raises(InvalidWorkflowError, match="unknown use case"):
        Workflow("w", service, use_case="add_lead")
    with pytest.raises(InvalidWorkflowError, match="consumer key and a consumer secret"):
        SalesforceService("k", "")
    with pytest.raises(UnknownWorkflowError, match="no workflow named 'w'"):
        WorkflowRegistry().history("w")


def test_secrets_never_show():
    service = SalesforceService("key", "top-secret-value", login_url="https://example.my.salesforce.com/")
    workflow = Workflow("w", service)
    assert "top-secret-value" not in repr(workflow) + repr(service) + str(workflow.describe())
    assert service.login_url == "https://example.my.salesforce.com"
    assert service.consumer_secret == "top-secret-value"  # still usable for the grant
    naive = SalesforceService("k", "s", app_changed_at=datetime(2026, 1, 1))
    assert naive.app_changed_at == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_contact_fields_follow_the_documented_table():
    card = CardLead("c1", last_name="Doe", first_name="", email="d@example.com", company="Acme", title="CEO")
    assert contact_fields(card) == {"LastName": "Doe", "Email": "d@example.com", "Title": "CEO",
                                    "Description": "Business card exchange on card c1"}


def test_classify_maps_real_oauth_bodies():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    service = SalesforceService("k", "s")
    old = now - timedelta(hours=1)

    def cause(error, changed=old):
        return classify(error, service, changed, now).cause

    assert cause(AuthenticationError(400, "invalid_client_id", "client identifier invalid")) == "WRONG_CONSUMER_KEY"
    assert cause(AuthenticationError(400, "invalid_client_id", "client identifier invalid"),
                 now - timedelta(minutes=3)) == "APP_NOT_PROPAGATED"
    assert cause(AuthenticationError(400, "invalid_client", "invalid client credentials")) == "WRONG_CONSUMER_SECRET"
    assert cause(AuthenticationError(400, "invalid_grant", "no client credentials user enabled")) == \
        "CLIENT_CREDENTIALS_DISABLED"
    assert cause(AuthenticationError(400, "invalid_grant", "request not supported on this domain")) == \
        "WRONG_LOGIN_URL"
    odd = classify(AuthenticationError(400, "invalid_grant", "authentication failure"), service, old, now)
    assert odd.cause == "UNEXPECTED" and "authentication failure" in odd.message
    assert cause(SalesforceError(403, "API_DISABLED_FOR_ORG", "API is not enabled")) == "API_ACCESS_DENIED"


def test_two_workflows_send_two_cards_to_two_orgs(crm_emulator, crm_session):
    """Seed 002: "connect one card to Salesforce ... and another card to another Salesforce account"."""
    assert crm_session.post("https://login.salesforce.com/__emulator/fixture", json=SEED_FIXTURE).status_code == 200
    crm_emulator.salesforce.add_org({  # a second org: the admin API loads one org, the backend holds many
        "org": {"name": "Second Org"},
        "users": [{"username": "cards@second.example.com", "password": "pw", "last_name": "Second"}],
        "connected_apps": [{"client_id": "second-key", "client_secret": "second-secret", "scopes": ["api"],
                            "client_credentials_enabled": True, "run_as": "cards@second.example.com"}]})
    registry = WorkflowRegistry(crm_session, now=crm_emulator.clock.now)
    registry.add("card A → first org", SalesforceService("cards-key", "cards-secret"), CardFilter.of(["A"]))
    registry.add("card B → second org", SalesforceService("second-key", "second-secret"), CardFilter.of(["B"]))
    assert registry.dispatch(CardLead("A", last_name="Alpha")).results[0].ok
    assert registry.dispatch(CardLead("B", last_name="Bravo")).results[0].ok

    def names(key: str, secret: str) -> list[str]:
        client = SalesforceClient.login_client_credentials("https://login.salesforce.com", key, secret,
                                                           session=crm_session)
        return [r["LastName"] for r in client.query("SELECT LastName FROM Contact")]

    assert names("cards-key", "cards-secret") == ["Alpha"]
    assert names("second-key", "second-secret") == ["Bravo"]


def test_unreachable_salesforce_is_its_own_cause():
    registry = WorkflowRegistry()
    registry.add("cards", SalesforceService("k", "s", login_url="http://127.0.0.1:9"))  # discard port: refused
    report = registry.test_connection("cards")
    assert (report.ok, report.cause, report.error) == (False, "UNREACHABLE", None)
    result = registry.dispatch(CardLead("c1", last_name="Doe")).results[0]
    assert (result.status, result.error_code) == ("failed", "UNREACHABLE")


def test_a_removed_workflow_frees_its_identity():
    registry = WorkflowRegistry()
    registry.add("cards", SalesforceService("k", "s"))
    registry.remove("cards")
    assert registry.workflows() == []
    registry.add("cards again", SalesforceService("k", "s"))
    with pytest.raises(UnknownWorkflowError):
        registry.remove("cards")
