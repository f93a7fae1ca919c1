"""A populated emulator for the dashboard's page tests (imported by name: conftest modules are not): records,
custom fields, a flow with runs and its dataset, segments and profiles activated to a destination, journal
entries carrying secrets, a fault."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import timedelta

from connector.flowservice import AepClient, SourcePipeline, SourcePipelineConfig
from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.config import Emulator, EmulatorConfig

UI = "/__emulator/ui"
SF = "https://harness.my.salesforce.com/services/data/v59.0"
LOGIN = "https://login.salesforce.com/services/oauth2/token"
DEST_SPEC = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
PROFILE_SPEC = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DEST_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# The org of these tests, spelled out (the demo org's credentials, its own name): the demo org may grow
# records, flows or profiles of its own without changing what these tests count.
FIXTURE = {
    "org": {"name": "Dashboard Test Org"},
    "users": [{"username": "admin@example.com", "password": "password123", "security_token": "TOKEN123",
               "first_name": "Ada", "last_name": "Admin", "email": "admin@example.com"}],
    "connected_apps": [{"name": "Harness App", "client_id": "harness-client-id",
                        "client_secret": "harness-client-secret", "callback_urls": ["http://localhost:8080/callback"],
                        "scopes": ["openid", "full", "api", "web", "refresh_token", "offline_access"],
                        "client_credentials_enabled": True, "run_as": "admin@example.com"}],
    "aep": {"client_id": "harness-aep-client", "client_secret": "harness-aep-secret", "org_id": "HARNESS@AdobeOrg",
            "sandbox": "prod", "sandboxes": ["prod", "dev"]},
}
# secrets the fixture org is made with: no page may ever show one
KNOWN_SECRETS = ("password123", "TOKEN123", "harness-client-secret", "harness-aep-secret", "Sup3r-S3cret-Pass",
                 "SECTOK-9f2e", "app-secret-77aa", "qs-pass-3141", "qs-client-secret-2718", "qs-code-1618")


@dataclass
class World:
    emulator: object
    app: object
    session: object
    token: str
    contact_ids: list[str]
    flow_id: str
    dataset_id: str
    destination_flow_id: str
    secrets: list[str] = field(default_factory=list)

    def rest(self, method: str, path: str, **kwargs):
        return self.session.request(method, f"{SF}/{path.lstrip('/')}",
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def live_secrets(self) -> list[str]:
        """Every secret the emulator holds right now: the fixture's, and each token it issued."""
        sf, aep = self.emulator.salesforce, self.emulator.aep
        found = list(KNOWN_SECRETS) + self.secrets
        found += list(sf.tokens.sessions) + list(sf.tokens.refresh) + list(sf.tokens.codes) + list(aep.tokens)
        for data in sf.orgs.values():
            for user in data.org.users.values():
                found += [user.password, user.security_token]
            found += [app.client_secret for app in data.org.apps.values()]
        found += [c.client_secret for c in aep.clients.values()]
        return [s for s in found if s and len(s) >= 6]


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _destination(aep: AepClient) -> str:
    """Seed 000's destination flow with segment ``seg-vip`` activated to ``VIP_Status__c``."""
    base = aep.post("flowservice/connections", json={
        "name": "Salesforce CRM", "connectionSpec": {"id": DEST_SPEC, "version": "1.0"},
        "auth": {"specName": "Salesforce CRM Authentication", "params": {
            "password": "password123TOKEN123", "customDomain": "harness", "clientId": "harness-client-id",
            "clientSecret": "harness-client-secret", "username": "admin@example.com"}}})
    source = aep.post("flowservice/sourceConnections", json={
        "name": "Profiles", "data": {"format": "json"}, "connectionSpec": {"id": PROFILE_SPEC, "version": "1.0"}})
    target = aep.post("flowservice/targetConnections", json={
        "name": "Salesforce CRM", "baseConnectionId": base["id"], "params": {"salesforceIdType": "Contact"},
        "connectionSpec": {"id": DEST_SPEC, "version": "1.0"}})
    flow = aep.post("flowservice/flows", json={
        "name": "Salesforce CRM activation", "flowSpec": {"id": DEST_FLOW_SPEC, "version": "1.0"},
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "profileSelectors": {"selectors": []}, "segmentSelectors": {"selectors": []}}}]})
    item = aep.get(f"flowservice/flows/{flow['id']}")["items"][0]
    aep.patch(f"flowservice/flows/{flow['id']}", headers={"If-Match": item["etag"]}, json=[{
        "op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-",
        "value": {"type": "PLATFORM_SEGMENT", "value": {"id": "seg-vip", "name": "VIP", "description": "",
                                                         "mappingId": "VIP_Status__c"}}}])
    return flow["id"]


def plain_emulator(admin_token: str | None = None) -> Emulator:
    """An emulator on :data:`FIXTURE`, with no record."""
    return Emulator(EmulatorConfig(seed=1, fixture=copy.deepcopy(FIXTURE), admin_token=admin_token))


def build_world(admin_token: str | None = None) -> World:
    emulator = plain_emulator(admin_token)
    emulator.clock.freeze()
    emulator.configure(custom_field_cap=5)
    org = emulator.salesforce.default_org()
    user = emulator.salesforce.add_user(org, {"username": "ops@example.com", "password": "Sup3r-S3cret-Pass",
                                              "security_token": "SECTOK-9f2e", "first_name": "Olive",
                                              "last_name": "Ops"})
    emulator.salesforce.add_app(org, {"name": "Ops App", "client_id": "ops-client-id",
                                      "client_secret": "app-secret-77aa", "run_as": user.username})
    emulator.add_custom_field("Contact", "VIP_Status__c", type="Text", length=40)
    emulator.add_custom_field("Contact", "Loyalty_Id__c", type="Text", length=40, externalId=True, unique=True)
    ids = emulator.seed(Contact=[{"FirstName": f"Person{i:02d}", "LastName": f"Tester{i:02d}",
                                  "Email": f"person{i:02d}@example.com"} for i in range(60)])["Contact"]
    emulator.advance_clock("1m")
    ids += emulator.seed(Contact=[{"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com",
                                   "Title": "Analyst"}])["Contact"]
    app = create_app(emulator)
    session = session_for(app)
    login = session.post(LOGIN, data={"grant_type": "password", "client_id": "harness-client-id",
                                      "client_secret": "harness-client-secret", "username": "admin@example.com",
                                      "password": "password123TOKEN123"})
    token = login.json()["access_token"]
    admin = {"X-Admin-Token": admin_token} if admin_token else {}
    # journal entries with secrets in their query strings (a careless client), and a refresh grant
    session.get(f"{SF}/query", headers={"Authorization": f"Bearer {token}"}, params={
        "q": "SELECT Id FROM Contact LIMIT 1", "password": "qs-pass-3141", "client_secret": "qs-client-secret-2718",
        "access_token": token, "code": "qs-code-1618"})
    grant = emulator.salesforce.tokens.issue_refresh(emulator.ids, org.org.id, user.id, "harness-client-id",
                                                     frozenset({"api", "refresh_token"}))
    session.post(LOGIN, params={"grant_type": "refresh_token", "client_id": "harness-client-id",
                                "refresh_token": grant.token})
    session.get(f"{SF}/sobjects/Contact/{ids[-1]}", headers={"Authorization": f"Bearer {token}"})
    session.patch(f"{SF}/sobjects/Contact/{ids[-1]}", headers={"Authorization": f"Bearer {token}"},
                  json={"Title": "Countess"})

    aep = AepClient("harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg", session=session)
    start = int(emulator.now().timestamp()) + 60
    pipeline = SourcePipeline(aep, SourcePipelineConfig("admin@example.com", "password123", "TOKEN123",
                                                        frequency="hour", interval=1))
    pipeline_ids = pipeline.run(start)
    session.post("http://x/__emulator/aep/segments", json={"id": "seg-vip", "name": "VIP"}, headers=admin)
    profiles = [{"id": f"p{i}", "identityMap": {"crmID": [{"id": cid}]},
                 "personalEmail": {"address": f"person{i:02d}@example.com"},
                 "person": {"name": {"firstName": f"Person{i:02d}", "lastName": f"Tester{i:02d}"}},
                 "segments": {"seg-vip": "realized"}} for i, cid in enumerate(ids[:3])]
    session.post("http://x/__emulator/aep/profiles", json={"profiles": profiles}, headers=admin)
    destination_flow_id = _destination(aep)
    emulator.advance_clock(timedelta(hours=2))
    session.get("http://x/__emulator/clock", headers=admin)  # a request: the tick fires the due slots
    token = session.post(LOGIN, data={"grant_type": "password", "client_id": "harness-client-id",
                                      "client_secret": "harness-client-secret", "username": "admin@example.com",
                                      "password": "password123TOKEN123"}).json()["access_token"]  # the first expired
    emulator.inject_fault(path="/services/data/*/limits", status=503, times=1)
    session.get(f"{SF}/limits", headers={"Authorization": f"Bearer {token}"})
    return World(emulator, app, session, token, ids, pipeline_ids.flow_id, pipeline_ids.dataset_id,
                 destination_flow_id, [grant.token])
