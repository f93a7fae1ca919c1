"""Junk bodies and parameters on the Schema Registry, Catalog and Conversion: always an error document of
that service, never a 500 (AEP-SR-1, AEP-CAT-1, AEP-CONV-1)."""
from __future__ import annotations

import pytest

from aep_helpers import ims_token
from aep_platform_helpers import Platform

BODIES = ["null", "[]", "\"x\"", "5", "{}", "{\"title\": 5, \"allOf\": 5}", "{\"allOf\": [{\"$ref\": 5}]}",
          "{\"name\": 5, \"schemaRef\": \"x\"}", "{\"name\": \"n\", \"schemaRef\": {\"id\": 5}, \"tags\": []}",
          "{\"mappings\": [1], \"xdmSchema\": 5}", "{\"outputSchema\": 5, \"mappings\": {}}",
          "{\"outputSchema\": {\"schemaRef\": {\"id\": \"x\"}}, \"mappings\": [{\"source\": 5, \"destination\": []}]}",
          "{\"inputSchema\": {\"id\": 5}, \"xdmSchema\": \"x\", \"mappings\": [{\"sourceAttribute\": \"a\"}]}"]
POSTS = ["schemaregistry/tenant/schemas", "catalog/dataSets", "conversion/mappingSets?validate=true"]
GETS = [("catalog/dataSets", {"limit": "-1"}), ("catalog/dataSets", {"start": "x"}),
        ("catalog/dataSets", {"orderBy": "asc:"}), ("catalog/dataSets", {"property": "name~("}),
        ("catalog/dataSets", {"property": "??"}), ("catalog/batches", {"limit": "1000"}),
        ("conversion/mappingSets", {"limit": "x"}), ("schemaregistry/tenant/schemas", {"limit": "0"})]


@pytest.fixture
def aep(crm_session) -> Platform:
    return Platform(crm_session, ims_token(crm_session))


@pytest.mark.parametrize("path", POSTS)
def test_junk_bodies_are_400_documents(aep, path):
    for body in BODIES:
        response = aep.post(path, data=body)
        assert response.status_code == 400, (path, body, response.text)
        document = response.json()
        assert document["status"] == 400 and document["type"].rsplit("-", 1)[-1] == "400"


@pytest.mark.parametrize("path,params", GETS)
def test_junk_parameters_are_400_documents(aep, path, params):
    response = aep.get(path, params=params, headers={"Accept": "application/vnd.adobe.xed-id+json"})
    assert response.status_code == 400, response.text
    assert response.json()["status"] == 400


def test_valid_looking_junk_params_still_answer(aep):
    assert aep.get("catalog/dataSets", params={"orderBy": "desc:nothing.here", "properties": ",,"}).status_code == 200
    assert aep.get("catalog/dataSets", params={"property": "name!=x"}).status_code == 200
