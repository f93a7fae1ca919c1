"""IMS tokens and the platform gateway's header checks. Covers AEP-AUTH-1 and AEP-ERR-1."""
from __future__ import annotations

import base64
import json

import pytest
from freezegun import freeze_time

from aep_helpers import CLIENT, IMS, SECRET, Flow, ims_token


def test_client_credentials_token_has_integer_seconds_and_a_decodable_payload(crm_session):
    response = crm_session.post(IMS, data={"grant_type": "client_credentials", "client_id": CLIENT,
                                           "client_secret": SECRET, "scope": "openid,AdobeID"})
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399 and isinstance(body["expires_in"], int)
    payload = body["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["client_id"] == CLIENT and claims["type"] == "access_token"


def test_client_id_may_come_in_the_query_string(crm_session):
    response = crm_session.post(f"{IMS}?client_id={CLIENT}",
                                data={"grant_type": "client_credentials", "client_secret": SECRET})
    assert response.status_code == 200


@pytest.mark.parametrize("form,status,error", [
    ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": SECRET}, 400, "invalid_client"),
    ({"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": "wrong"}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": CLIENT, "client_secret": SECRET}, 400, "unsupported_grant_type"),
    ({"grant_type": "client_credentials", "client_secret": SECRET}, 400, "invalid_request"),
])
def test_bad_token_requests_get_oauth_errors(crm_session, form, status, error):
    response = crm_session.post(IMS, data=form)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_a_call_with_every_header_passes(flow):
    assert flow.get("connectionSpecs").status_code == 200


@pytest.mark.parametrize("headers,status,body", [
    ({"Authorization": None}, 403, {"error_code": "403010", "message": "Oauth token is missing."}),
    ({"Authorization": "Bearer garbage"}, 401, {"error_code": "401013", "message": "Oauth token is not valid"}),
    ({"x-api-key": None}, 403, {"error_code": "403000", "message": "Api Key is required"}),
    ({"x-api-key": "someone-else"}, 403, {"error_code": "403003", "message": "Api Key is invalid"}),
    ({"x-gw-ims-org-id": None}, 400, {"error_code": "400003", "message": "Missing header"}),
    ({"x-gw-ims-org-id": "OTHER@AdobeOrg"}, 403, {"error_code": "403025", "message": "Profile is not valid"}),
])
def test_gateway_refusals_have_the_real_codes(flow, headers, status, body):
    response = flow.get("connectionSpecs", headers=headers)
    assert (response.status_code, response.json()) == (status, body)


def test_sandbox_header_is_required_and_must_name_a_sandbox(flow):
    missing = flow.get("connectionSpecs", headers={"x-sandbox-name": None})
    assert missing.status_code == 400 and missing.json()["type"].endswith("/FLOW-2105-400")
    unknown = flow.get("connectionSpecs", headers={"x-sandbox-name": "nowhere"})
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/FLOW-2101-404")
    assert flow.get("connectionSpecs", headers={"x-sandbox-name": "dev"}).status_code == 200


def test_bodies_need_json_content_type_but_gets_may_carry_one(flow):
    refused = flow.post("connections", data=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert refused.status_code == 400
    assert refused.json() == {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                              "detail": "A valid content-type must be specified"}
    assert flow.get("connectionSpecs", headers={"Content-Type": "application/json"}).status_code == 200


def test_tokens_expire_on_the_emulator_clock(crm_session):
    with freeze_time("2026-01-01T00:00:00Z") as frozen:
        caller = Flow(crm_session, ims_token(crm_session))
        frozen.tick(86398)
        assert caller.get("connectionSpecs").status_code == 200
        frozen.tick(2)
        expired = caller.get("connectionSpecs")
        assert (expired.status_code, expired.json()["error_code"]) == (401, "401013")


def test_unknown_flow_service_paths_answer_a_problem_document(flow):
    response = flow.get("nothing-here")
    assert response.status_code == 404 and response.json()["type"].endswith("/FLOW-1101-404")


def test_ims_secrets_stay_out_of_the_journal(crm_emulator, crm_session):
    crm_session.post(f"{IMS}?client_id={CLIENT}&client_secret={SECRET}", data={"grant_type": "client_credentials"})
    token = ims_token(crm_session)
    dumped = json.dumps(crm_emulator.journal.entries())
    assert SECRET not in dumped and token not in dumped
