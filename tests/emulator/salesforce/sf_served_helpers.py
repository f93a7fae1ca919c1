"""simple_salesforce against ``crm-harness serve``: the library always speaks https to its
instance, so a session adapter sends its https calls to the served http URL instead."""
from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce


class _ToServer(HTTPAdapter):
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        scheme_host, _, rest = request.url.partition("://")[2].partition("/")
        request.url = f"{self.base_url}/{rest}"
        return super().send(request, **kwargs)


def served_token(base_url: str) -> str:
    response = requests.post(f"{base_url}/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def served_salesforce(base_url: str) -> Salesforce:
    """An unmodified ``Salesforce`` client whose requests reach the served emulator."""
    session = requests.Session()
    session.mount("https://", _ToServer(base_url))
    return Salesforce(instance="harness.my.salesforce.com", session_id=served_token(base_url), session=session)
