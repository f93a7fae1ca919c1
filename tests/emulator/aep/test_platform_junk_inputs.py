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


def test_random_json_never_gives_a_500(crm_session):
    """Property: any JSON body on any write of the three services is answered below 500."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    aep = Platform(crm_session, ims_token(crm_session))
    leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(
        ["https://ns.adobe.com/xdm/context/profile", "person.name.firstName", "identityMap.crmID", "ATTRIBUTE", "/tags/x"])
    keys = st.sampled_from(["title", "allOf", "$ref", "name", "schemaRef", "id", "mappings", "xdmSchema", "source",
                            "destination", "sourceType", "outputSchema", "inputSchema", "op", "path", "value", "tags"])
    bodies = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
                          max_leaves=12)
    writes = st.sampled_from([("POST", "schemaregistry/tenant/schemas"), ("POST", "catalog/dataSets"),
                              ("POST", "conversion/mappingSets?validate=true"),
                              ("PATCH", "schemaregistry/tenant/schemas/{alt}"), ("PATCH", "catalog/dataSets/{ds}"),
                              ("PUT", "conversion/mappingSets/{ms}")])
    created = aep.schema()
    ids = {"alt": created["meta:altId"], "ds": aep.dataset(created["$id"]), "ms": aep.mapping_set(created["$id"])["id"]}

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(writes, bodies)
    def check(write, body):
        method, path = write
        response = aep.call(method, path.format(**ids), json=body)
        assert response.status_code < 500, (method, path, body, response.text)
        assert isinstance(response.json(), (dict, list))

    check()
