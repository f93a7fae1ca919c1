"""CON-SRC-1: the thin AEP client — IMS token refreshed before expiry and after a platform-side expiry,
the four headers and the sandbox, typed errors carrying the AEP code, Catalog paging."""
from __future__ import annotations

from datetime import timedelta

import pytest

from connector.flowservice import AepClient, AuthenticationError, GatewayError, NotFound, ValidationError

CLIENT, SECRET, ORG = "harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg"
SCHEMA = {"title": "People", "type": "object", "meta:class": "https://ns.adobe.com/xdm/context/profile",
          "allOf": [{"$ref": "https://ns.adobe.com/xdm/context/profile"},
                    {"$ref": "https://ns.adobe.com/xdm/context/profile-person-details"}]}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def aep(crm_session, clock) -> AepClient:
    return AepClient(CLIENT, SECRET, ORG, "prod", session=crm_session, clock=clock)


def test_token_is_reused_then_refreshed_before_expiry(aep, clock):
    aep.get("catalog/dataSets")
    aep.get("catalog/dataSets")
    assert aep.token_fetches == 1
    clock.now += 86399 - 299  # inside the refresh margin
    aep.get("catalog/dataSets")
    assert aep.token_fetches == 2


def test_token_expired_on_the_platform_clock_is_refreshed_once(crm_emulator, aep):
    aep.get("catalog/dataSets")
    crm_emulator.clock.advance(timedelta(days=2))  # the platform expires it; the client's clock did not move
    assert aep.get("catalog/dataSets") == {}
    assert aep.token_fetches == 2


def test_bad_secret_is_an_authentication_error(crm_session):
    client = AepClient(CLIENT, "wrong", ORG, session=crm_session)
    with pytest.raises(AuthenticationError) as caught:
        client.get("catalog/dataSets")
    assert (caught.value.status, caught.value.code) == (401, "invalid_client")
    assert "wrong" not in str(caught.value)


def test_wrong_org_is_a_gateway_error(crm_session):
    client = AepClient(CLIENT, SECRET, "OTHER@AdobeOrg", session=crm_session)
    with pytest.raises(GatewayError) as caught:
        client.get("catalog/dataSets")
    assert (caught.value.status, caught.value.code) == (403, "403025")


def test_problem_documents_become_typed_errors_with_their_code(aep):
    with pytest.raises(NotFound) as missing:
        aep.get("catalog/dataSets/5c8c3c555033b814b69f947f")
    assert missing.value.code == "CAT-1404-404"
    with pytest.raises(NotFound) as unknown_schema:
        aep.get("schemaregistry/tenant/schemas/nope", headers={"Accept": "application/vnd.adobe.xed+json; version=1"})
    assert unknown_schema.value.code == "XDM-1012-404"
    with pytest.raises(ValidationError) as bad:
        aep.post("schemaregistry/tenant/schemas",
                 json={**SCHEMA, "allOf": [*SCHEMA["allOf"], {"$ref": "https://example.com/unknown"}]})
    assert bad.value.code == "XDM-1008-400" and "unknown" in bad.value.message


def test_sandbox_header_scopes_every_call(crm_session, aep):
    schema_id = aep.post("schemaregistry/tenant/schemas", json=SCHEMA)["$id"]
    dataset = aep.post("catalog/dataSets", json={"name": "d", "schemaRef": {"id": schema_id}})[0].split("/")[-1]
    dev = AepClient(CLIENT, SECRET, ORG, "dev", session=crm_session)
    with pytest.raises(NotFound):
        dev.get(f"catalog/dataSets/{dataset}")
    assert aep.get(f"catalog/dataSets/{dataset}")[dataset]["sandboxName"] == "prod"


def test_catalog_items_pages_until_a_short_page(aep):
    schema_id = aep.post("schemaregistry/tenant/schemas", json=SCHEMA)["$id"]
    created = [aep.post("catalog/dataSets", json={"name": f"d{i}", "schemaRef": {"id": schema_id}})[0].split("/")[-1]
               for i in range(7)]
    assert [i for i, _ in aep.catalog_items("dataSets", page_size=3)] == created
    assert [i for i, _ in aep.catalog_items("dataSets", page_size=7)] == created


def test_secrets_stay_out_of_reprs_and_errors(crm_session):
    from connector.flowservice import SourcePipelineConfig
    config = SourcePipelineConfig(username="admin@example.com", password="password123", security_token="TOKEN123")
    assert "password123" not in repr(config) and "TOKEN123" not in repr(config)
    client = AepClient(CLIENT, "not-the-secret", ORG, session=crm_session)
    with pytest.raises(AuthenticationError) as caught:
        client.token()
    assert "not-the-secret" not in repr(caught.value.body) and "not-the-secret" not in str(caught.value)
    assert "not-the-secret" not in repr(vars(client).get("headers", ""))


def test_flow_items_follows_next_href_over_pages(aep):
    made = [aep.post("flowservice/connections", json={
        "name": f"c{i}", "auth": {"specName": "Basic Authentication", "params": {
            "username": "admin@example.com", "password": "password123", "securityToken": "TOKEN123"}},
        "connectionSpec": {"id": "cfc0fee1-7dc0-40ef-b73e-d8b134c436f5", "version": "1.0"}})["id"] for i in range(5)]
    listed = [c["id"] for c in aep.flow_items("connections", {"limit": 2})]
    assert sorted(listed) == sorted(made) and len(listed) == 5
