"""A scenario's ``fixtures`` section merged over the demo org (``fixtures/demo.yaml``)."""
from __future__ import annotations

import copy
import functools
from typing import Any

from fixtures.files import DEMO_FIXTURE, load_fixture_file, validate_fixture


@functools.lru_cache(maxsize=1)
def _demo() -> dict:
    demo = load_fixture_file(DEMO_FIXTURE)
    demo.pop("data", None)
    return demo


def build_fixture(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The full fixture of a scenario, validated.

    ``org`` and ``aep`` are merged key by key over the demo; ``users`` and
    ``connected_apps`` replace the demo lists; ``data`` (generated or explicit
    records) is loaded only when given. Raises ``ValueError`` naming the bad key.
    """
    fixture = copy.deepcopy(_demo())
    for key, value in (spec or {}).items():
        if key in ("org", "aep") and isinstance(value, dict):
            fixture[key] = {**fixture.get(key, {}), **copy.deepcopy(value)}
        else:
            fixture[key] = copy.deepcopy(value)
    return validate_fixture(fixture, "fixtures")


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
