"""The believable demo org of ``crm-harness serve --demo`` (issue 14), seeded through the emulator's own APIs.

:func:`demo_fixture` is the fixture: the demo org of ``fixtures/demo.yaml`` with Faker data from
``fixtures/generate.py`` whose audit dates are spread over the last months. :func:`seed_demo` then
builds, on a freshly loaded emulator, what a person would have built by hand — each step a real
call of the connector library over the in-process transport, so everything is ordinary state:

- Salesforce: Long Text Area "segment" fields named by Mapping ID (Tooling ``CustomField``, as
  seed 000 asks), on Contact and Lead;
- AEP (default sandbox): the seed-004 source pipeline (``connector.flowservice.SourcePipeline``):
  a base connection on the Salesforce connection spec, the source connection, the target XDM
  schema, its Catalog dataset, the target connection, the mapping set and a daily flow whose
  first run ingests the Contacts into the dataset;
- one XDM profile per Contact (name, e-mail, company, ``identityMap.crmID``) and two segments
  (``/__emulator/aep``), with memberships drawn from the seed;
- a Salesforce CRM destination (seed 000) with the first segment activated: its statuses are
  written into the Contacts' Mapping-ID field by the destination flow's first export run.

Then the journal and API usage are cleared and the state is marked as the baseline
``POST /__emulator/reset`` returns to. The data depend only on the seed (Faker and
``random.Random`` seeded from it, the emulator's ids seeded by ``EmulatorConfig.seed``); times are
relative to the emulator clock when seeding runs.
"""
from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from typing import Any

import requests

from connector.flowservice import AepClient, SourcePipeline, SourcePipelineConfig
from connector.salesforce import SalesforceClient
from connector.salesforce.tooling import create_custom_field

from .app import create_app
from .config import Emulator
from .core.transport import session_for
from .salesforce.api_usage import UsageCounter

__all__ = ["DEMO_HISTORY_DAYS", "DEMO_SEGMENTS", "DemoError", "DemoInfo", "DemoSegment", "banner", "demo_fixture",
           "seed_demo"]

DEMO_HISTORY_DAYS = 180  # records were created and changed over the last six months
LOGIN_URL = "https://login.salesforce.com"
SALESFORCE_CRM_SPEC = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"  # the Salesforce CRM destination (seed 000)
PROFILE_SOURCE_SPEC = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"  # the profile store as a destination flow's source
DESTINATION_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
SOURCE_SCHEDULE = {"frequency": "day", "interval": 1}  # a clock jump of a year fires 365 runs, not 8760


class DemoError(RuntimeError):
    """The org cannot hold the demo (no user, no connected app, no AEP client, an object missing)."""


@dataclass(frozen=True)
class DemoSegment:
    """An AEP segment of the demo and the Salesforce custom field (its Mapping ID) it writes to."""

    id: str
    name: str
    description: str
    mapping_id: str
    activated: bool


DEMO_SEGMENTS = (
    DemoSegment("seg-high-value", "High-value customers",
                "Contacts of accounts whose annual revenue is at or above the median", "High_Value_Customers__c",
                activated=True),
    DemoSegment("seg-newsletter", "Newsletter subscribers", "Contacts who opted in to the monthly newsletter",
                "Newsletter_Subscribers__c", activated=False),
)
# (object, Mapping ID): every demo segment on Contact, the activated one on Lead too
SEGMENT_FIELDS = tuple([("Contact", s.mapping_id) for s in DEMO_SEGMENTS]
                       + [("Lead", s.mapping_id) for s in DEMO_SEGMENTS if s.activated])


@dataclass
class DemoInfo:
    """What ``seed_demo`` built and every credential to reach it (printed by ``serve --demo``)."""

    seed: int
    org_name: str
    my_domain: str
    username: str
    password: str
    security_token: str
    app_name: str
    client_id: str
    client_secret: str
    aep_client_id: str
    aep_client_secret: str
    aep_org_id: str
    sandbox: str
    sandboxes: list[str]
    records: dict[str, int]
    custom_fields: list[str]  # Object.Field__c
    source_base_connection_id: str
    source_flow_id: str
    dataset_id: str
    schema_id: str
    destination_connection_id: str
    destination_flow_id: str
    segments: list[dict[str, Any]] = field(default_factory=list)  # id, name, mappingId, activated, members
    profiles: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def demo_fixture(fixture: dict, seed: int, count: int) -> dict:
    """``fixture`` with the demo's generated data when it has none: ``count`` Contacts and Leads, a tenth as
    many Accounts, half as many Opportunities and Cases, audit dates over the last :data:`DEMO_HISTORY_DAYS`."""
    if fixture.get("data"):
        return fixture
    return {**fixture, "data": {"generate": {"seed": seed, "count": count, "opportunities": count // 2,
                                             "cases": count // 2, "history_days": DEMO_HISTORY_DAYS}}}


def seed_demo(emulator: Emulator, seed: int = 42) -> DemoInfo:
    """Build the demo's custom fields, AEP pipeline, profiles, segments and destination on ``emulator``.

    ``emulator`` holds a freshly loaded fixture with a user, a connected app and an AEP client
    (:func:`demo_fixture` gives its records). Every step goes through the public APIs in process;
    afterwards the journal and API usage are cleared and the state becomes the reset baseline.
    The result is also kept in ``emulator.config.extra["demo"]``. Raises :class:`DemoError`.
    """
    fixture = emulator.fixture
    users, apps, aep = fixture.get("users") or [], fixture.get("connected_apps") or [], fixture.get("aep") or {}
    if not users or not apps or not aep.get("client_id"):
        raise DemoError("--demo needs a user, a connected app and an AEP client in the fixture")
    user, app = users[0], apps[0]
    org = emulator.salesforce.default_org().org
    session = session_for(create_app(emulator))
    if emulator.config.admin_token:
        session.headers["X-Admin-Token"] = emulator.config.admin_token
    try:
        info = _build(emulator, session, seed, user, app, aep, org.name, org.config.my_domain)
    except Exception as exc:  # connector errors name the call that failed
        raise DemoError(f"cannot seed the demo org: {exc}") from exc
    finally:
        session.close()
    with emulator.salesforce.lock:
        for data in emulator.salesforce.orgs.values():  # the seeding's calls are not the user's
            data.api_usage, data.bulk_usage = UsageCounter(), UsageCounter()
    emulator.journal.reset()
    emulator.mark_baseline()
    emulator.config.extra["demo"] = info
    return info


def _build(emulator: Emulator, session: requests.Session, seed: int, user: dict, app: dict, aep: dict,
           org_name: str, my_domain: str) -> DemoInfo:
    token = user.get("security_token", "")
    sf = SalesforceClient.login_password(LOGIN_URL, app["client_id"], app["client_secret"], user["username"],
                                         user["password"], token, session=session)
    # Salesforce: the Mapping-ID fields seed 000 asks for (Long Text Area, named without spaces)
    labels = {s.mapping_id: s.name for s in DEMO_SEGMENTS}
    for sobject, mapping_id in SEGMENT_FIELDS:
        create_custom_field(sf, sobject, mapping_id, "LongTextArea", labels[mapping_id][:40], length=32768,
                            visibleLines=3)
    records = {name: sf.query_page(f"SELECT COUNT() FROM {name}")["totalSize"]
               for name in ("Account", "Contact", "Lead", "Opportunity", "Case")}

    # AEP: seed 004's source pipeline, its first run ingests the Contacts into the dataset
    sandbox = aep.get("sandbox", "prod")
    client = AepClient(aep["client_id"], aep["client_secret"], aep["org_id"], sandbox=sandbox, session=session)
    pipeline = SourcePipeline(client, SourcePipelineConfig(
        username=user["username"], password=user["password"], security_token=token,
        frequency=SOURCE_SCHEDULE["frequency"], interval=SOURCE_SCHEDULE["interval"], name="Salesforce"))
    ids = pipeline.run(start_time=int(emulator.clock.now().timestamp()))
    _succeeded("source", pipeline.runs())  # the request after the flow's creation fired its first slot

    # profiles (one per Contact, as the source flow ingests them) and the two segments
    contacts = list(sf.query("SELECT Id, FirstName, LastName, Email, Account.Name, Account.AnnualRevenue "
                             "FROM Contact ORDER BY Id"))
    memberships = _memberships(seed, contacts)
    admin = "https://platform.adobe.io/__emulator/aep"
    for segment in DEMO_SEGMENTS:
        _ok(session.post(f"{admin}/segments", json={"id": segment.id, "name": segment.name,
                                                    "description": segment.description}))
    profiles = [_profile(i, contact, memberships[i]) for i, contact in enumerate(contacts)]
    _ok(session.post(f"{admin}/profiles", json={"profiles": profiles}))

    # seed 000's Salesforce CRM destination, the activated segment exported at the next request
    destination = _destination(client, user, app, my_domain)
    _succeeded("destination", client.flow_items("runs", {"property": f"flowId=={destination['flow']}"}))

    segments = []
    for segment in DEMO_SEGMENTS:
        members = sum(1 for m in memberships if m.get(segment.id) in ("realized", "existing"))
        segments.append({"id": segment.id, "name": segment.name, "description": segment.description,
                         "mappingId": segment.mapping_id, "activated": segment.activated, "members": members})
    return DemoInfo(
        seed=seed, org_name=org_name, my_domain=my_domain, username=user["username"], password=user["password"],
        security_token=token, app_name=app.get("name", app["client_id"]), client_id=app["client_id"],
        client_secret=app["client_secret"], aep_client_id=aep["client_id"], aep_client_secret=aep["client_secret"],
        aep_org_id=aep["org_id"], sandbox=sandbox, sandboxes=list(dict.fromkeys([sandbox, *aep.get("sandboxes", [])])),
        records=records, custom_fields=[f"{o}.{f}" for o, f in SEGMENT_FIELDS],
        source_base_connection_id=ids.base_connection_id, source_flow_id=ids.flow_id, dataset_id=ids.dataset_id,
        schema_id=ids.schema_id, destination_connection_id=destination["connection"],
        destination_flow_id=destination["flow"], segments=segments, profiles=len(profiles))


def _memberships(seed: int, contacts: list[dict]) -> list[dict[str, str]]:
    """Per Contact, ``{segment id: status}``: high value by the account's revenue, the newsletter drawn from the seed.

    Members are ``existing`` (qualified at an earlier evaluation) or ``realized`` (new); a few
    former members have ``exited``.
    """
    rng = random.Random(f"{seed}/segments")
    revenues = [(c.get("Account") or {}).get("AnnualRevenue") or 0 for c in contacts]
    median = statistics.median(sorted(set(revenues))) if revenues else 0
    high, newsletter = DEMO_SEGMENTS[0].id, DEMO_SEGMENTS[1].id
    out = []
    for revenue in revenues:
        member: dict[str, str] = {}
        if revenue and revenue >= median:
            member[high] = "existing" if rng.random() < 0.7 else "realized"
        elif rng.random() < 0.15:
            member[high] = "exited"
        draw = rng.random()
        if draw < 0.4:
            member[newsletter] = "existing" if draw < 0.25 else "realized"
        elif draw < 0.5:
            member[newsletter] = "exited"
        out.append(member)
    return out


def _profile(index: int, contact: dict, segments: dict[str, str]) -> dict[str, Any]:
    """The XDM profile of a Contact, as the source flow maps it (crmID, name, e-mail) plus its company."""
    profile: dict[str, Any] = {
        "id": f"demo-profile-{index + 1:04d}",
        "identityMap": {"crmID": [{"id": contact["Id"]}]},
        "person": {"name": {"firstName": contact.get("FirstName") or "", "lastName": contact["LastName"]}},
        "segments": segments,
    }
    if contact.get("Email"):
        profile["personalEmail"] = {"address": contact["Email"]}
    company = (contact.get("Account") or {}).get("Name")
    if company:
        profile["b2b"] = {"companyName": company}
    return profile


def _destination(client: AepClient, user: dict, app: dict, my_domain: str) -> dict[str, str]:
    """Seed 000's form, the profile source, the Contact target, the flow, then each activated segment."""
    connection = client.post("flowservice/connections", json={
        "name": "Salesforce CRM", "description": "Salesforce CRM destination (seed 000)",
        "auth": {"specName": "Salesforce CRM Authentication", "params": {
            "password": user["password"] + user.get("security_token", ""), "customDomain": my_domain,
            "clientId": app["client_id"], "clientSecret": app["client_secret"], "username": user["username"]}},
        "connectionSpec": {"id": SALESFORCE_CRM_SPEC, "version": "1.0"}})["id"]
    source = client.post("flowservice/sourceConnections", json={
        "name": "Profiles", "data": {"format": "json"},
        "connectionSpec": {"id": PROFILE_SOURCE_SPEC, "version": "1.0"}})["id"]
    target = client.post("flowservice/targetConnections", json={
        "name": "Salesforce CRM Contacts", "baseConnectionId": connection, "params": {"salesforceIdType": "Contact"},
        "connectionSpec": {"id": SALESFORCE_CRM_SPEC, "version": "1.0"}})["id"]
    flow_id = client.post("flowservice/flows", json={
        "name": "Salesforce CRM activation", "description": "AEP segments to Salesforce Contacts (seed 000)",
        "flowSpec": {"id": DESTINATION_FLOW_SPEC, "version": "1.0"},
        "sourceConnectionIds": [source], "targetConnectionIds": [target],
        "transformations": [{"name": "GeneralTransform", "params": {"profileSelectors": {"selectors": []},
                                                                    "segmentSelectors": {"selectors": []}}}]})["id"]
    for segment in DEMO_SEGMENTS:
        if not segment.activated:
            continue
        etag = client.get(f"flowservice/flows/{flow_id}")["items"][0]["etag"]
        client.patch(f"flowservice/flows/{flow_id}", headers={"If-Match": etag}, json=[{
            "op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-",
            "value": {"type": "PLATFORM_SEGMENT", "value": {
                "id": segment.id, "name": segment.name, "description": segment.description,
                "mappingId": segment.mapping_id}}}])
    return {"connection": connection, "flow": flow_id}


def _succeeded(flow: str, runs: Any) -> None:
    """Every run of the flow succeeded (the demo never starts on a failed pipeline)."""
    for run in runs:
        summary = run.get("metrics", {}).get("statusSummary", {})
        if summary.get("status") != "success":
            raise DemoError(f"the {flow} flow's run {run.get('id')} ended {summary.get('status')}: "
                            f"{summary.get('errors')}")


def _ok(response: requests.Response) -> Any:
    if response.status_code >= 400:
        raise DemoError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response.json()


def banner(emulator: Emulator, base: str, admin_token: str) -> str:
    """What ``serve`` prints: where it listens, the dashboard, the admin token and every credential."""
    info: DemoInfo | None = emulator.config.extra.get("demo")
    lines = [f"crm-harness emulator listening on {base}",
             f"  dashboard        {base}/__emulator/ui",
             f"  admin token      {admin_token}  (the dashboard's login; X-Admin-Token on {base}/__emulator/...)"]
    if info is None:
        return "\n".join(lines + _plain_credentials(emulator, base))
    counts = ", ".join(f"{n} {_plural(name, n)}" for name, n in info.records.items())
    others = [s for s in info.sandboxes if s != info.sandbox]

    def row(label: str, value: str, indent: int = 4) -> str:
        return f"{' ' * indent}{label:<19}{value}"

    lines += [
        "",
        f"Demo org \"{info.org_name}\" (seed {info.seed}): {counts}",
        "  Salesforce",
        row("login URL", f"{base}  (OAuth {base}/services/oauth2/token, My Domain {info.my_domain})"),
        row("user", f"{info.username}  password {info.password}  security token {info.security_token}"),
        row("connected app", f"{info.app_name}: client id {info.client_id}  client secret {info.client_secret}"),
        row("segment fields", ", ".join(info.custom_fields)),
        "  Adobe Experience Platform",
        row("IMS client", f"client id (x-api-key) {info.aep_client_id}  client secret {info.aep_client_secret}"),
        row("org, sandbox", f"{info.aep_org_id}  sandbox {info.sandbox}"
            + (f"  (also {', '.join(others)})" if others else "")),
        row("endpoints", f"IMS {base}/ims/token/v3  platform {base}/data/foundation/..."),
        row("source connection", f"{info.source_base_connection_id}  (Salesforce, seed 004)"),
        row("source flow", f"{info.source_flow_id}  (daily)  dataset {info.dataset_id}"),
        row("destination", f"{info.destination_connection_id}  (Salesforce CRM, seed 000)"),
        row("destination flow", info.destination_flow_id),
    ]
    for i, segment in enumerate(info.segments):
        state = "activated" if segment["activated"] else "not activated"
        lines.append(row("segments" if i == 0 else "", f"{segment['id']} \"{segment['name']}\" -> {segment['mappingId']}"
                         f"  ({segment['members']} of {info.profiles} profiles, {state})"))
    lines += ["",
              f"POST {base}/__emulator/reset returns to this demo state. Try:",
              f"  curl -d grant_type=password -d client_id={info.client_id} -d client_secret={info.client_secret} "
              f"-d username={info.username} -d password={info.password}{info.security_token} "
              f"{base}/services/oauth2/token"]
    return "\n".join(lines)


def _plural(name: str, n: int) -> str:
    if n == 1:
        return name
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


def _plain_credentials(emulator: Emulator, base: str) -> list[str]:
    """The credentials of a server without ``--demo`` (the fixture's first user, app and AEP client)."""
    lines = []
    orgs = emulator.salesforce.orgs
    org = next(iter(orgs.values())).org if orgs else None
    user = next(iter(org.users.values()), None) if org else None
    app = next(iter(org.apps.values()), None) if org else None
    if user is not None:
        lines.append(f"  salesforce user  {user.username} / {user.password}  security token {user.security_token}")
    if app is not None:
        lines.append(f"  connected app    client id {app.client_id}  client secret {app.client_secret}")
    aep = emulator.fixture.get("aep")
    if aep and aep.get("client_id"):
        lines.append(f"  aep              client id {aep['client_id']}  client secret {aep.get('client_secret', '')}  "
                     f"org {aep.get('org_id', '')}  sandbox {aep.get('sandbox', 'prod')}")
    lines.append(f"  login            curl -d grant_type=password -d client_id=... {base}/services/oauth2/token")
    return lines
