"""A scenario's ``fixtures`` section merged over the demo org (``fixtures/demo.yaml``)."""
from __future__ import annotations

from typing import Any

from fixtures.files import merge_over_demo


def build_fixture(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The full fixture of a scenario: its ``fixtures`` section merged over the demo org."""
    return merge_over_demo(spec, "fixtures")


def credentials(fixture: dict[str, Any]) -> dict[str, Any]:
    """The built-in variables of a fixture: first user, first connected app, AEP credentials."""
    user = (fixture.get("users") or [{}])[0]
    app = (fixture.get("connected_apps") or [{}])[0]
    aep = fixture.get("aep") or {}
    return {
        "username": user.get("username", ""), "password": user.get("password", ""),
        "security_token": user.get("security_token", ""),
        "client_id": app.get("client_id", ""), "client_secret": app.get("client_secret", ""),
        "callback_url": (app.get("callback_urls") or [""])[0],
        "aep_client_id": aep.get("client_id", ""), "aep_client_secret": aep.get("client_secret", ""),
        "aep_org_id": aep.get("org_id", ""), "aep_sandbox": aep.get("sandbox", ""),
    }
