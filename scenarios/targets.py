"""Where scenarios run: a fresh in-process emulator, or a running ``crm-harness serve``.

Both give a :class:`Connection` (a ``requests`` session, a base URL and the admin
headers); every step then goes through HTTP the same way in both modes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

IN_PROCESS_URL = "https://harness.my.salesforce.com"
TIMEOUT = 30.0


class TargetError(RuntimeError):
    """The target could not be prepared (bad fixture data, server unreachable)."""


@dataclass
class Connection:
    """One scenario's emulator, reached over ``session``."""

    session: requests.Session
    base_url: str
    mode: str
    admin_headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        """Call ``/__emulator{path}``."""
        return self.session.request(method, self.url("/__emulator" + path), json=body,
                                    headers=self.admin_headers, timeout=TIMEOUT, allow_redirects=False)

    def close(self) -> None:
        self.session.close()


class InProcessTarget:
    """A new :class:`~emulator.config.Emulator` per scenario, called through the WSGI adapter."""

    mode = "in-process"

    def begin(self) -> None:
        """Nothing to keep: every scenario has its own emulator."""

    def end(self) -> None:
        """Nothing to give back."""

    def open(self, fixture: dict[str, Any]) -> Connection:
        from emulator import Emulator, EmulatorConfig, create_app, session_for
        from emulator.core.state import FixtureError

        emulator = Emulator(EmulatorConfig(seed=1, fixture={}))
        try:
            emulator.load_fixture(fixture, "fixtures")
        except FixtureError as exc:  # the same check and message as POST /__emulator/fixture
            raise TargetError(f"fixtures.{exc}") from None
        except ValueError as exc:
            raise TargetError(str(exc)) from None
        return Connection(session_for(create_app(emulator)), IN_PROCESS_URL, self.mode)


class ServerTarget:
    """A running server; each scenario replaces its state through ``POST /__emulator/fixture``.

    :meth:`begin` snapshots the server first and :meth:`end` restores it, so a run never
    leaves a ``serve --demo`` server without its data.
    """

    mode = "server"

    def __init__(self, base_url: str, admin_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_headers = {"X-Admin-Token": admin_token} if admin_token else {}
        self._saved: tuple[str, dict] | None = None

    def _admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        connection = Connection(requests.Session(), self.base_url, self.mode, dict(self.admin_headers))
        try:
            return connection.admin(method, path, body)
        except requests.RequestException as exc:
            raise TargetError(f"cannot reach {self.base_url}: {exc}") from None
        finally:
            connection.close()

    def begin(self) -> None:
        """Snapshot the server's state (data, fixture, reset baseline) and clock before the first scenario."""
        name = f"crm-harness-run-{uuid.uuid4().hex[:12]}"
        snap, clock = self._admin("POST", "/snapshot", {"name": name}), self._admin("GET", "/clock")
        if snap.status_code != 200 or clock.status_code != 200:
            bad = snap if snap.status_code != 200 else clock
            raise TargetError(f"{bad.request.method} {bad.url} answered {bad.status_code}: {bad.text[:200]} "
                              "(the server's state is saved before a run; nothing was changed)")
        self._saved = (name, clock.json())

    def end(self) -> None:
        """Give the server back the state and clock it had before the run."""
        if self._saved is None:
            return
        (name, clock), self._saved = self._saved, None
        # the clock first: a restored state with scheduled flows (serve --demo) must not see the
        # scenario's far-off time, or it would fire every slot up to it at the next request
        if clock.get("frozen"):
            self._admin("POST", "/clock", {"freeze": True, "set": clock["now"]})
        else:
            moment = datetime.now(timezone.utc) + timedelta(seconds=float(clock.get("offsetSeconds", 0)))
            self._admin("POST", "/clock", {"freeze": False, "set": moment.isoformat()})
        restored = self._admin("POST", "/restore", {"name": name})
        if restored.status_code != 200:
            raise TargetError(f"could not restore the server's state ({restored.status_code}: {restored.text[:200]})")

    def open(self, fixture: dict[str, Any]) -> Connection:
        connection = Connection(requests.Session(), self.base_url, self.mode, dict(self.admin_headers))
        try:
            response = connection.admin("POST", "/fixture", fixture)
        except requests.RequestException as exc:
            connection.close()
            raise TargetError(f"cannot reach {self.base_url}: {exc}") from None
        if response.status_code != 200:
            connection.close()
            raise TargetError(f"POST {self.base_url}/__emulator/fixture answered {response.status_code}: "
                              f"{response.text[:300]}")
        return connection


Target = InProcessTarget | ServerTarget
