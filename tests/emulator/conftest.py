"""Shared helpers for emulator tests: an authenticated REST caller on the in-process app."""
from __future__ import annotations

import pytest

from emulator.testing import ApiCaller

V = "v59.0"


class Rest(ApiCaller):
    """Calls /services/data/vXX.X/... with a demo-user token through ``crm_session``."""

    def __init__(self, session, token: str, base: str = "https://harness.my.salesforce.com") -> None:
        super().__init__(session, base, {"Authorization": f"Bearer {token}"})
        self.token = token

    def url(self, path: str) -> str:
        if path.startswith("/services"):
            return self.base + path
        return f"{self.base}/services/data/{V}/{path.lstrip('/')}"


def password_token(session, base: str = "https://login.salesforce.com") -> str:
    response = session.post(f"{base}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def rest(crm_session) -> Rest:
    return Rest(crm_session, password_token(crm_session))
