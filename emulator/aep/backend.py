"""The AEP backend: IMS clients and tokens, sandboxes and their Flow Service resources; no HTTP."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from ..core.ids import IdSource
from ..core.state import Backend, FixtureError
from ..core.transport import session_for
from .errors import GatewayError, ImsError
from .profiles import ProfileError, ProfileStore
from .catalog.model import Catalog
from .conversion.model import MappingSets
from .flowservice.model import Context, FlowService
from .flowservice import destinations
from .flowservice.resources import Ids
from .flowservice.salesforce_reader import SalesforceReader
from .schema_registry.model import SchemaRegistry

DEFAULT_TOKEN_LIFETIME_SECONDS = 86399
TOKEN_SWEEP_EVERY = timedelta(minutes=1)


@dataclass
class ImsClient:
    """An API credential of the Developer Console: a client id (the ``x-api-key``) bound to one org."""

    client_id: str
    client_secret: str
    org_id: str


@dataclass
class ImsToken:
    client_id: str
    org_id: str
    expires_at: datetime


@dataclass
class Sandbox:
    """One sandbox of one org: every Flow Service resource lives in exactly one (AEP-ISO-1)."""

    org_id: str
    name: str
    id: str
    profiles: ProfileStore = field(default_factory=ProfileStore)  # seed 000's profiles and segments
    flowservice: FlowService = field(default_factory=FlowService)  # AEP-A: Flow Service (AEP-FS-2..6)
    schemas: SchemaRegistry = field(default_factory=SchemaRegistry)  # AEP-B: Schema Registry (AEP-SR-1)
    catalog: Catalog = field(default_factory=Catalog)  # AEP-B: datasets, batches, rows (AEP-CAT-1)
    conversion: MappingSets = field(default_factory=MappingSets)  # AEP-B: mapping sets (AEP-CONV-1)


class AepBackend(Backend):
    """IMS and the platform's per-sandbox state; one instance per emulator."""

    state_attributes = ("clients", "tokens", "sandboxes", "token_lifetime", "spec")

    def __init__(self, ids: IdSource, now: Callable[[], datetime], fixture: dict | None = None) -> None:
        self.platform_app: Callable | None = None  # the emulator's WSGI app: runs call Salesforce through it
        self._ticking = False
        self._next_token_sweep: datetime | None = None
        super().__init__(ids, now, fixture)

    def _initial_state(self) -> None:
        self.clients: dict[str, ImsClient] = {}
        self.tokens: dict[str, ImsToken] = {}
        self.sandboxes: dict[tuple[str, str], Sandbox] = {}
        self.token_lifetime = timedelta(seconds=DEFAULT_TOKEN_LIFETIME_SECONDS)
        self.spec: dict = {}  # the fixture's aep section (tenant id, credentials)

    def load_fixture(self, fixture: dict) -> None:
        """The ``aep`` section: the IMS client, the org, its sandboxes and the token lifetime."""
        spec = dict(fixture.get("aep") or {})
        with self.lock:
            self.spec = spec
            self.token_lifetime = timedelta(seconds=int(spec.get("token_lifetime_seconds",
                                                                 DEFAULT_TOKEN_LIFETIME_SECONDS)))
            if not spec.get("client_id"):
                return
            org_id = spec.get("org_id", "HARNESS@AdobeOrg")
            self.clients[spec["client_id"]] = ImsClient(spec["client_id"], spec.get("client_secret", ""), org_id)
            default = spec.get("sandbox", "prod")
            for name in dict.fromkeys([default, *spec.get("sandboxes", [])]):
                self.sandboxes[(org_id, name)] = Sandbox(org_id, name, self.new_uuid())
            try:
                self.sandboxes[(org_id, default)].profiles.load(spec, self.now())
            except ProfileError as exc:
                raise FixtureError(f"aep: {exc}") from None

    # -- ids ---------------------------------------------------------------------
    def new_uuid(self) -> str:
        raw = self.ids.hex(32)
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"

    def new_etag(self, now: datetime | None = None) -> str:
        """A quoted etag shaped like the real ones: ``"6802064a-0000-0200-0000-6387c6b90000"``."""
        return f'"{self.ids.hex(8)}-0000-0200-0000-{int((now or self.now()).timestamp()):08x}0000"'

    def id_source(self) -> Ids:
        return Ids(self.new_uuid, self.new_etag, self.ids)

    # -- time ---------------------------------------------------------------------------
    def attach_platform(self, app: Callable) -> None:
        """The WSGI app flow runs send their Salesforce calls to (in process, as a connector would)."""
        self.platform_app = app

    def tick(self, now: datetime) -> None:
        """Fire every due schedule slot and requested run of every sandbox (AEP-FS-6), each exactly once.

        Runs under the backend lock, so concurrent requests during a clock jump wait for
        the first to finish the catch-up instead of firing a slot twice; the Salesforce
        calls a run makes come back through the front dispatcher, which ticks again:
        that nested tick returns at once. Expired IMS tokens are forgotten here too.
        """
        self._forget_expired_tokens(now)
        seconds = int(now.timestamp())
        if not self._maybe_due(seconds):
            return
        with self.lock:
            if self._ticking or not any(s.flowservice.due(seconds) or destinations.pending(s)
                                        for s in self.sandboxes.values()):
                return
            self._ticking = True
            try:
                for sandbox in list(self.sandboxes.values()):
                    if sandbox.flowservice.due(seconds):
                        reader = SalesforceReader(self.platform_app, sandbox.flowservice.sessions)
                        sandbox.flowservice.tick(now, Context(sandbox), reader, self.id_source())
                    if destinations.pending(sandbox):  # AEP-DEST-1: streaming, at the next tick after a change
                        destinations.export_all(sandbox, Context(sandbox), self._session_factory(),
                                                self.id_source(), now)
            finally:
                self._ticking = False

    def _session_factory(self) -> Callable[[], Any] | None:
        """``requests`` sessions into the emulator's own app, for the destination connector's calls."""
        app = self.platform_app
        return None if app is None else (lambda: session_for(app))

    def _maybe_due(self, seconds: int) -> bool:
        """The lock-free first look of every request (most find nothing due): a stale answer only
        defers a slot to the next request; the decision that counts is taken again under the lock."""
        try:
            for sandbox in self.sandboxes.values():
                service = sandbox.flowservice
                if (service.queue or service.pending) and service.due(seconds):
                    return True
                if destinations.pending(sandbox):
                    return True
            return False
        except RuntimeError:  # the sandboxes changed under us (a reset): look again under the lock
            return True

    # -- IMS ---------------------------------------------------------------------
    def issue_token(self, grant_type: str | None, client_id: str | None, client_secret: str | None) -> dict:
        """``POST /ims/token/v3`` with the client-credentials grant."""
        if not client_id:
            raise ImsError(400, "invalid_request", "missing client_id parameter")
        if grant_type != "client_credentials":
            raise ImsError(400, "unsupported_grant_type", "unsupported grant_type parameter")
        with self.lock:
            client = self.clients.get(client_id)
            if client is None:
                raise ImsError(400, "invalid_client", "invalid client_id parameter")
            if not client_secret or client_secret != client.client_secret:
                raise ImsError(401, "invalid_client", "invalid client_secret parameter")
            now = self.now()
            token = self._jwt(client, now)
            self.tokens[token] = ImsToken(client.client_id, client.org_id, now + self.token_lifetime)
        return {"access_token": token, "token_type": "bearer",
                "expires_in": int(self.token_lifetime.total_seconds())}

    def _jwt(self, client: ImsClient, now: datetime) -> str:
        """A JWT-shaped token: clients such as aio-lib-ims decode its payload."""
        def part(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
        payload = {"type": "access_token", "client_id": client.client_id, "user_id": f"{client.client_id}@techacct.adobe.com",
                   "as": "ims-na1", "created_at": str(int(now.timestamp() * 1000)),
                   "expires_in": str(int(self.token_lifetime.total_seconds() * 1000)), "id": self.ids.token(12)}
        return f"{part({'alg': 'RS256', 'x5u': 'ims_na1-key-at-1.cer', 'typ': 'JWT'})}.{part(payload)}.{self.ids.token(43)}"

    def token_for(self, token: str) -> ImsToken:
        """The live token, or the gateway's 401."""
        with self.lock:
            found = self.tokens.get(token)
            if found is None or self.now() >= found.expires_at:
                raise GatewayError(401, "401013", "Oauth token is not valid")
            return found

    def _forget_expired_tokens(self, now: datetime) -> None:
        """Drop expired IMS tokens (they are refused the same way stored or not), at most once a minute."""
        if not self.tokens or (self._next_token_sweep is not None and now < self._next_token_sweep):
            return
        with self.lock:
            self._next_token_sweep = now + TOKEN_SWEEP_EVERY
            for token in [t for t, found in self.tokens.items() if now >= found.expires_at]:
                del self.tokens[token]

    def client(self, client_id: str) -> ImsClient | None:
        with self.lock:
            return self.clients.get(client_id)

    def sandbox(self, org_id: str, name: str) -> Sandbox | None:
        with self.lock:
            return self.sandboxes.get((org_id, name))

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {"clients": sorted(self.clients),
                    "sandboxes": [{"org": s.org_id, "name": s.name, "id": s.id,
                                   "connections": len(s.flowservice.connections.items),
                                   "flows": len(s.flowservice.flows.items), "runs": len(s.flowservice.runs.items)}
                                  for s in self.sandboxes.values()]}

