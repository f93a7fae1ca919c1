"""Shared pieces of the business-card tests: the seed-002 fixture and an :class:`Env` per mode."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from connector.integrations import WorkflowRegistry
from connector.salesforce import SalesforceClient

ADMIN = {"username": "admin@example.com", "password": "password123", "security_token": "TOKEN123",
         "last_name": "Admin"}
CARDS_USER = "integration@cards.example.com"

# Seed 002: connected apps as the user creates them in Setup > App Manager.
SEED_FIXTURE = {
    "users": [ADMIN, {"username": CARDS_USER, "password": "cards-password", "first_name": "Card",
                      "last_name": "Integration"}],
    "connected_apps": [
        {"name": "Harness App", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
         "scopes": ["api", "refresh_token"]},
        {"name": "Business Cards", "client_id": "cards-key", "client_secret": "cards-secret",
         "scopes": ["api", "refresh_token", "offline_access"], "client_credentials_enabled": True,
         "run_as": CARDS_USER},
        {"name": "Business Cards (new)", "client_id": "fresh-key", "client_secret": "fresh-secret",
         "scopes": ["api", "refresh_token", "offline_access"], "client_credentials_enabled": True,
         "run_as": CARDS_USER, "propagation_delay_seconds": 600},
        {"name": "Business Cards (flow off)", "client_id": "noflow-key", "client_secret": "noflow-secret",
         "scopes": ["api", "refresh_token", "offline_access"], "run_as": CARDS_USER},
        {"name": "Business Cards (no api)", "client_id": "noapi-key", "client_secret": "noapi-secret",
         "scopes": ["refresh_token", "offline_access"], "client_credentials_enabled": True, "run_as": CARDS_USER},
    ],
}


@dataclass
class Env:
    mode: str
    session: requests.Session
    login_url: str
    admin_headers: dict[str, str]

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.session.request(method, f"{self.login_url}/__emulator{path}", json=body,
                                        headers=self.admin_headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def now(self) -> datetime:
        return datetime.fromisoformat(self.admin("GET", "/clock")["now"].replace("Z", "+00:00"))

    def advance(self, delta: timedelta) -> None:
        self.admin("POST", "/clock", {"advance": delta.total_seconds()})

    def registry(self) -> WorkflowRegistry:
        return WorkflowRegistry(self.session, now=self.now)

    def admin_client(self) -> SalesforceClient:
        return SalesforceClient.login_password(self.login_url, "harness-client-id", "harness-client-secret",
                                               ADMIN["username"], ADMIN["password"], ADMIN["security_token"],
                                               session=self.session)

    def count(self, sobject: str) -> int:
        return self.admin("GET", "/state")["salesforce"]["orgs"][0]["records"].get(sobject, 0)
