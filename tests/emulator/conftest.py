"""Shared helpers for emulator tests: an authenticated REST caller on the in-process app."""
from __future__ import annotations

import pytest

V = "v59.0"


class Rest:
    """Calls /services/data/vXX.X/... with a demo-user token through ``crm_session``."""

    def __init__(self, session, token: str, base: str = "https://harness.my.salesforce.com") -> None:
        self.session = session
        self.token = token
        self.base = base

    def url(self, path: str) -> str:
        if path.startswith("/services"):
            return self.base + path
        return f"{self.base}/services/data/{V}/{path.lstrip('/')}"

    def call(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.url(path), headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def password_token(session, base: str = "https://login.salesforce.com") -> str:
    response = session.post(f"{base}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def rest(crm_session) -> Rest:
    return Rest(crm_session, password_token(crm_session))
