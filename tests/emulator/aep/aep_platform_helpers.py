"""Callers and seed-004 bodies for the Schema Registry, Catalog and Conversion tests (imported by name)."""
from __future__ import annotations

import json

from aep_helpers import CLIENT, ORG, PLATFORM_HOST
from emulator.testing import ApiCaller

TENANT = "harness"
XED_FULL = "application/vnd.adobe.xed-full+json; version=1"
SEED_SCHEMA = {
    "type": "object", "title": "Salesforce target XDM schema", "description": "Salesforce target XDM schema",
    "allOf": [{"$ref": "https://ns.adobe.com/xdm/context/profile"},
              {"$ref": "https://ns.adobe.com/xdm/context/profile-person-details"},
              {"$ref": "https://ns.adobe.com/xdm/context/profile-personal-details"}],
    "meta:containerId": "tenant", "meta:resourceType": "schemas", "meta:xdmType": "object",
    "meta:class": "https://ns.adobe.com/xdm/context/profile"}


class Platform(ApiCaller):
    """Calls any ``/data/foundation/<service>/...`` path with the four platform headers.

    ``host`` is the platform gateway, or a served emulator's base URL."""

    def __init__(self, session, token: str, sandbox: str = "prod", host: str = PLATFORM_HOST) -> None:
        super().__init__(session, f"{host}/data/foundation", {
            "Authorization": f"Bearer {token}", "x-api-key": CLIENT, "x-gw-ims-org-id": ORG,
            "x-sandbox-name": sandbox, "Content-Type": "application/json"})

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    # -- seed-004 steps ------------------------------------------------------------------------
    def schema(self, body: dict | None = None, title: str | None = None) -> dict:
        body = dict(body or SEED_SCHEMA)
        if title:
            body["title"] = title
        response = self.post("schemaregistry/tenant/schemas", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def dataset(self, schema_id: str, name: str = "Salesforce target dataset") -> str:
        response = self.post("catalog/dataSets?requestDataSource=true", json={
            "name": name, "schemaRef": {"id": schema_id,
                                        "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"}})
        assert response.status_code == 201, response.text
        return response.json()[0].split("/")[-1]

    def mapping_set(self, schema_id: str, **params) -> dict:
        response = self.post("conversion/mappingSets", params=params, json=seed_mapping(schema_id))
        assert response.status_code == 200, response.text
        return response.json()


def seed_mapping(schema_id: str, first: str = "FirstName", last: str = "LastName", email: str = "Email",
                 first_path: str = "person.name.firstName") -> dict:
    """Seed 004's mapping-set body, with Salesforce API names for its source attributes."""
    entry = {"identity": False, "identityGroup": None, "namespaceCode": None, "version": 0}
    return {"version": 0, "xdmSchema": schema_id, "xdmVersion": "1.0", "id": None, "mappings": [
        {"destinationXdmPath": first_path, "sourceAttribute": first, **entry},
        {"destinationXdmPath": "person.name.lastName", "sourceAttribute": last, **entry},
        {"destinationXdmPath": "personalEmail.address", "sourceAttribute": email, **entry}]}


def verbatim_seed_mapping(schema_id: str) -> str:
    """Seed 004's mapping body exactly as printed, ``{TENANT_ID}`` schema id substituted."""
    return json.dumps(seed_mapping(schema_id, "first_name", "last_name", "email"))
