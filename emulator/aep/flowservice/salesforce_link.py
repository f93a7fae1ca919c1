"""What Flow Service learns from the emulated Salesforce org behind a connection (AEP-FS-2).

A Salesforce connection's credentials are checked, and its objects explored,
against the emulator's own Salesforce backend, as the real service would
reach the real org.
"""
from __future__ import annotations

from typing import Any

from ...salesforce.oauth.grants import check_client, check_password
from ...salesforce.backend import SalesforceBackend
from ...salesforce.errors import OAuthError, SalesforceError
from ...salesforce.sobjects.records import OrgData
from ...salesforce.sobjects.render import json_value

SALESFORCE_SPECS = frozenset({"cfc0fee1-7dc0-40ef-b73e-d8b134c436f5", "cb66ab34-8619-49cb-96d1-39b37ede86ea"})
DESTINATION_SPEC = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"  # "Salesforce CRM" (AEP-DEST-1; the emulator's id)
EXPORT_ADDRESS = "127.0.0.1"  # where the platform's calls come from (the in-process transport's REMOTE_ADDR)
PREVIEW_ROWS = 10
_COLUMN_TYPES = {"boolean": ("boolean", "boolean"), "int": ("integer", "integer"), "double": ("double", "number"),
                 "currency": ("double", "number"), "percent": ("double", "number"), "date": ("date", "string"),
                 "datetime": ("datetime", "string")}


def check_credentials(salesforce: SalesforceBackend, params: dict) -> str | None:
    """None when the username, password and security token log in; else the reason."""
    username = params.get("username")
    with salesforce.lock:
        if not salesforce.orgs:
            return "no Salesforce org is loaded in the emulator"
        data = salesforce.org_for_username(username)
        try:
            check_password(data.org, username, f"{params.get('password', '')}{params.get('securityToken', '')}")
        except OAuthError as error:
            return f"Salesforce login failed: {error.description}"
    return None


def check_destination_credentials(salesforce: SalesforceBackend, params: dict) -> str | None:
    """None when seed 000's form logs in with the password grant on ``<customDomain>.my.salesforce.com``.

    The same checks, in the same order, as that grant (My Domain, connected app,
    password with the security token appended, or alone from a trusted IP range);
    nothing is issued. Else the reason, without any secret.
    """
    prefix = str(params.get("customDomain", ""))
    with salesforce.lock:
        try:
            data = salesforce.org_for_my_domain(prefix.lower())
        except SalesforceError:
            return (f"Salesforce login failed: no org has the My Domain {prefix}.my.salesforce.com "
                    "(NOT_FOUND: The requested resource does not exist)")
        try:
            app = check_client(data.org, params.get("clientId"), params.get("clientSecret"), salesforce.now())
            check_password(data.org, params.get("username"), params.get("password"), EXPORT_ADDRESS, app)
        except OAuthError as error:
            return f"Salesforce login failed: {error.error}: {error.description}"
    return None


def _org(salesforce: SalesforceBackend, params: dict) -> OrgData:
    return salesforce.org_for_username(params.get("username"))


def root_objects(salesforce: SalesforceBackend, params: dict) -> list[dict]:
    """``explore?objectType=root``: one table per object of the org."""
    with salesforce.lock:
        return [{"type": "table", "name": schema.label, "path": schema.name, "canPreview": True,
                 "canFetchSchema": True} for schema in _org(salesforce, params).schema.all()]


def table(salesforce: SalesforceBackend, params: dict, object_name: str, preview: bool) -> dict[str, Any] | None:
    """``explore?objectType=table&object=X``: its columns, and sample rows with ``preview=true``."""
    with salesforce.lock:
        data = _org(salesforce, params)
        schema = data.schema.get(object_name)
        if schema is None:
            return None
        columns = []
        for field_def in schema.fields.values():
            kind, xdm = _COLUMN_TYPES.get(field_def.type, ("string", "string"))
            columns.append({"name": field_def.name, "type": kind, "xdm": {"type": xdm}})
        answer: dict[str, Any] = {"format": "flat", "schema": {"columns": columns}}
        if preview:
            rows = []
            for record in data.store(schema.name).scan():
                rows.append({c["name"]: json_value(record.get(c["name"])) for c in columns})
                if len(rows) == PREVIEW_ROWS:
                    break
            answer["data"] = rows
        return answer
