"""The Salesforce backend: all state of the emulated Salesforce, no HTTP.

Holds orgs (users, connected apps, schema, records, counters) and OAuth
grants. Routes call its methods under ``self.lock``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..core.state import Backend, FixtureError
from .seeding import seed
from .bulk.jobs import advance_jobs
from .soql.cursors import expire_cursors
from .sobjects.records import purge_recycle_bin
from .oauth.grants import Grant, check_client, check_code, check_password, parse_scopes
from .errors import OAuthError, SalesforceError, ValidationFailure
from .identity import ConnectedApp, Org, User
from .sobjects.records import OrgData, Records
from .oauth.tokens import TokenStore


SWEEP_EVERY = timedelta(minutes=1)


class SalesforceBackend(Backend):
    """Orgs and OAuth grants; one instance per emulator."""

    state_attributes = ("orgs", "tokens", "id_counters")

    # -- state -------------------------------------------------------------------
    def _initial_state(self) -> None:
        self.orgs: dict[str, OrgData] = {}
        self.tokens = TokenStore()
        self.id_counters: dict = {}
        self._next_sweep: datetime | None = None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            self.id_counters = self.ids.state()
            return super().snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            super().restore(snapshot)
            self.ids.restore(self.id_counters)

    def load_fixture(self, fixture: dict) -> None:
        """The Salesforce sections of a fixture: ``org``, ``users``, ``connected_apps`` and explicit ``data``.

        An empty fixture means no org at all. ``data`` must already be explicit
        records (``fixtures.files.fixture_dataset`` expands ``generate``).
        """
        if not fixture:
            return
        with self.lock:
            data = self.add_org(fixture)
            dataset = fixture.get("data")
            if dataset:
                self.load_dataset(data, dataset)

    def add_org(self, fixture: dict) -> OrgData:
        """Create an org with its users and connected apps (the ``fixtures/demo.yaml`` format)."""
        with self.lock:
            org_spec = fixture.get("org", {})
            org = Org(self.ids.new_id("00D"), org_spec.get("name", "Harness Demo Org"))
            org.config.update({k: v for k, v in org_spec.items() if k != "name"})
            data = OrgData(org)
            self.orgs[org.id] = data
            for spec in fixture.get("users", []):
                self.add_user(data, spec)
            for spec in fixture.get("connected_apps", []):
                self.add_app(data, spec)
            return data

    def add_user(self, data: OrgData, spec: dict) -> User:
        with self.lock:
            user = User(self.ids.new_id("005"), spec["username"], spec["password"], spec.get("security_token", ""),
                        spec.get("first_name", ""), spec["last_name"] if "last_name" in spec else "User",
                        spec.get("email", spec["username"]))
            data.org.users[user.id] = user
            now = self.now().replace(microsecond=0)
            data.store("User").insert({
                "Id": user.id, "IsDeleted": False, "Username": user.username, "FirstName": user.first_name,
                "LastName": user.last_name, "Name": user.name, "Email": user.email, "IsActive": user.active,
                "TimeZoneSidKey": user.time_zone, "CreatedDate": now, "LastModifiedDate": now,
                "SystemModstamp": now, "CreatedById": user.id, "LastModifiedById": user.id})
            return user

    def add_app(self, data: OrgData, spec: dict) -> ConnectedApp:
        with self.lock:
            run_as = data.org.user_by_username(spec["run_as"]) if spec.get("run_as") else None
            scopes = spec.get("scopes", ["api"])
            app = ConnectedApp(
                name=spec.get("name", spec["client_id"]), client_id=spec["client_id"],
                client_secret=spec["client_secret"], callback_urls=list(spec.get("callback_urls", [])),
                scopes=frozenset(scopes.split() if isinstance(scopes, str) else scopes),
                client_credentials_enabled=bool(spec.get("client_credentials_enabled", False)),
                relax_ip_restrictions=bool(spec.get("relax_ip_restrictions", False)),
                run_as_user_id=run_as.id if run_as else None,
                propagation_delay=timedelta(seconds=spec.get("propagation_delay_seconds", 0)),
                changed_at=self.now() if spec.get("propagation_delay_seconds") else None)
            data.org.apps[app.client_id] = app
            return app

    # -- time ----------------------------------------------------------------------
    def tick(self, now: datetime) -> None:
        """Every time-driven change of every org, once, before a request is dispatched (never in a getter).

        The recycle-bin purge (SF-REST-9), Bulk API job progress (SF-REST-12),
        idle query cursors (SF-REST-8) and, once a minute of emulator time, the
        sweep of long-dead sessions. Each step costs one emptiness check when
        there is nothing to do, so the hot path stays cheap.
        """
        sweep_due = self._next_sweep is None or now >= self._next_sweep
        if not sweep_due and not any(data.recycle_bin or data.bulk_pending or data.cursors
                                     or any(data.deletions.values()) for data in self.orgs.values()):
            return  # the common case, read without the lock: nothing is waiting for time to pass
        with self.lock:
            for data in self.orgs.values():
                purge_recycle_bin(data, now)
                advance_jobs(data, self.ids, now)
                expire_cursors(data, now)
            if self._next_sweep is None or now >= self._next_sweep:
                self._next_sweep = now + SWEEP_EVERY
                self.tokens.sweep(now, lambda org_id: self.orgs[org_id].org.config.session_timeout
                                  if org_id in self.orgs else timedelta(0))

    def load_dataset(self, data: OrgData, dataset: dict[str, list[dict]]) -> dict[str, list[str]]:
        """Insert explicit records as the org's first user; :class:`FixtureError` names what failed."""
        with self.lock:
            admin = next(iter(data.org.users.values()), None)
            if admin is None:
                raise FixtureError("data: the org needs a user to own the data set")
            try:
                return seed(Records(data, self.ids, self.now(), admin.id), dataset)
            except ValidationFailure as exc:
                detail = exc.details[0]
                raise FixtureError(f"data: cannot load the data set: {detail.error_code}: {detail.message}") \
                    from None
            except SalesforceError as exc:
                raise FixtureError(f"data: cannot load the data set: {exc.error_code}: {exc.message}") from None

    # -- lookups -----------------------------------------------------------------
    def default_org(self) -> OrgData:
        if not self.orgs:
            raise SalesforceError(500, "UNKNOWN_EXCEPTION", "the emulator has no org; load a fixture")
        return next(iter(self.orgs.values()))

    def org_data(self, org_id: str) -> OrgData:
        return self.orgs[org_id]

    def org_for_client(self, client_id: str | None) -> OrgData:
        for data in self.orgs.values():
            if client_id and client_id in data.org.apps:
                return data
        return self.default_org()

    def org_for_username(self, username: str | None) -> OrgData:
        for data in self.orgs.values():
            if username and data.org.user_by_username(username):
                return data
        return self.default_org()

    def records(self, org_id: str, user_id: str) -> Records:
        return Records(self.orgs[org_id], self.ids, self.now(), user_id)

    # -- OAuth grants (SPEC SF-OAUTH-2..5) -----------------------------------------
    def _grant(self, data: OrgData, user: User, app: ConnectedApp | None, scopes: frozenset[str],
               with_refresh: bool) -> Grant:
        refresh = None
        if with_refresh and app is not None:
            refresh = self.tokens.issue_refresh(self.ids, data.org.id, user.id, app.client_id, scopes).token
        session = self.tokens.issue_session(self.ids, data.org.id, user.id, app.client_id if app else None,
                                            scopes, self.now(), refresh)
        return Grant(data.org, user, session, app, refresh)

    def org_for_my_domain(self, my_domain: str) -> OrgData:
        """The org whose My Domain is ``my_domain``; an unknown one answers 404 (see the README)."""
        for data in self.orgs.values():
            if data.org.config.my_domain == my_domain:
                return data
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")

    def password_grant(self, client_id: str | None, client_secret: str | None, username: str | None,
                       password: str | None, remote_addr: str | None = None, my_domain: str | None = None) -> Grant:
        """SF-OAUTH-2; called on ``<my_domain>.my.salesforce.com`` it logs in to that org only."""
        with self.lock:
            data = self.org_for_my_domain(my_domain) if my_domain else self.org_for_client(client_id)
            app = check_client(data.org, client_id, client_secret, self.now())
            user = check_password(data.org, username, password, remote_addr, app)
            return self._grant(data, user, app, app.scopes, with_refresh=False)

    def client_credentials_grant(self, client_id: str | None, client_secret: str | None) -> Grant:
        with self.lock:
            data = self.org_for_client(client_id)
            app = check_client(data.org, client_id, client_secret, self.now())
            if not app.client_credentials_enabled or app.run_as_user_id is None:
                raise OAuthError("invalid_grant", "no client credentials user enabled")
            user = data.org.users[app.run_as_user_id]
            return self._grant(data, user, app, app.scopes, with_refresh=False)

    def soap_login(self, username: str | None, password: str | None) -> Grant:
        """SOAP ``login()`` (SPEC SF-SOAP-1): a full-access session, no app."""
        with self.lock:
            data = self.org_for_username(username)
            user = check_password(data.org, username, password)
            return self._grant(data, user, None, frozenset({"api", "full", "web"}), with_refresh=False)

    def authorize(self, client_id: str | None, redirect_uri: str | None, scope: str | None,
                  username: str | None, password: str | None) -> tuple[ConnectedApp, str]:
        """Approve an authorization request; returns (app, code). Login uses the plain password."""
        with self.lock:
            data = self.org_for_client(client_id)
            app = self.authorize_app(client_id, redirect_uri)
            user = data.org.user_by_username(username or "")
            if user is None or user.password != (password or ""):
                raise OAuthError("invalid_grant", "authentication failure")
            requested = parse_scopes(scope) or app.scopes
            if not requested <= app.scopes | {"id", "profile", "email", "address", "phone"}:
                raise OAuthError("invalid_scope", "the requested scope is not allowed")
            code = self.tokens.issue_code(self.ids, data.org.id, user.id, app.client_id, redirect_uri or "",
                                          requested, self.now())
            return app, code.code

    def authorize_app(self, client_id: str | None, redirect_uri: str | None) -> ConnectedApp:
        """The app of an authorize request, with its callback matched exactly (SF-OAUTH-4)."""
        with self.lock:
            data = self.org_for_client(client_id)
            app = data.org.apps.get(client_id or "")
            if app is None or not app.effective(self.now()):
                raise OAuthError("invalid_client_id", "client identifier invalid")
            if redirect_uri not in app.callback_urls:
                raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
            return app

    def code_grant(self, client_id: str | None, client_secret: str | None, code: str | None,
                   redirect_uri: str | None) -> Grant:
        with self.lock:
            data = self.org_for_client(client_id)
            app = check_client(data.org, client_id, client_secret, self.now())
            grant = check_code(self.tokens, code, app, redirect_uri, self.now())
            user = data.org.users[grant.user_id]
            # ``full`` alone never yields a refresh token: the scope must be asked for (SF-OAUTH-4)
            wants_refresh = bool(grant.scopes & {"refresh_token", "offline_access"})
            return self._grant(data, user, app, grant.scopes, with_refresh=wants_refresh)

    def refresh_grant(self, client_id: str | None, client_secret: str | None, refresh_token: str | None) -> Grant:
        with self.lock:
            data = self.org_for_client(client_id)
            app = check_client(data.org, client_id, client_secret, self.now(), require_secret=False)
            grant = self.tokens.refresh.get(refresh_token or "")
            if grant is None or grant.revoked or grant.client_id != app.client_id:
                raise OAuthError("invalid_grant", "expired access/refresh token")
            user = data.org.users[grant.user_id]
            session = self.tokens.issue_session(self.ids, data.org.id, user.id, app.client_id, grant.scopes,
                                                self.now(), grant.token)
            return Grant(data.org, user, session, app, None)

    def revoke(self, token: str | None) -> None:
        with self.lock:
            if not token or not self.tokens.revoke(token):
                raise OAuthError("invalid_token")
