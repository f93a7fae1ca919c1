"""Emulator-wide configuration and the registry of backends."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.clock import Clock
from .core.faults import FaultSet
from .core.ids import IdSource
from .core.journal import Journal
from .aep.backend import AepBackend
from .salesforce.backend import SalesforceBackend

DEFAULT_FIXTURE_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "demo.yaml"


def default_fixture() -> dict:
    """The documented demo org (``fixtures/demo.yaml``) without its generated data."""
    from fixtures.files import load_fixture_file
    fixture = load_fixture_file(DEFAULT_FIXTURE_PATH)
    fixture.pop("data", None)
    return fixture


@dataclass
class EmulatorConfig:
    seed: int | None = None
    fixture: dict | None = None  # None: the demo fixture; {} : no org at all
    admin_token: str | None = None  # required on /__emulator when set (server mode)
    journal_size: int = 2000
    api_version_min: int = 31
    api_version_max: int = 66
    oauth_auto_approve: str | None = None  # a username: /authorize approves without the login page
    extra: dict[str, Any] = field(default_factory=dict)


class Emulator:
    """All backends, the clock, the id source and the journal of one emulator instance."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        fixture = self.config.fixture if self.config.fixture is not None else default_fixture()
        self.fixture = copy.deepcopy(fixture)
        self.clock = Clock()
        self.ids = IdSource(self.config.seed)
        self.journal = Journal(self.config.journal_size)
        self.faults = FaultSet()
        self.salesforce = SalesforceBackend(self.ids, self.clock.now, self.fixture)
        self.aep = AepBackend(self.ids, self.clock.now, self.fixture)
        self._snapshots: dict[str, dict] = {}
        self._ticks = [b.tick for b in self.backends.values() if callable(getattr(b, "tick", None))]

    @property
    def backends(self) -> dict[str, Any]:
        return {"salesforce": self.salesforce, "aep": self.aep}

    def tick(self, now) -> None:
        """Time-driven transitions of every backend that has them, once per request, before dispatch."""
        for tick in self._ticks:
            tick(now)

    def reset(self, clock: bool = True) -> None:
        """Back to the fixture state: fresh ids, records, tokens and journal."""
        if clock:
            self.clock.reset()
        self.ids.reset()
        for backend in self.backends.values():
            backend.reset()
        self.journal.reset()
        self.faults.clear()

    def snapshot(self, name: str = "default") -> str:
        self._snapshots[name] = {key: b.snapshot() for key, b in self.backends.items()}
        return name

    def restore(self, name: str = "default") -> None:
        saved = self._snapshots[name]
        for key, backend in self.backends.items():
            backend.restore(saved[key])

    def summary(self) -> dict:
        sf = self.salesforce
        with sf.lock:
            orgs = [{"id": d.org.id, "name": d.org.name,
                     "users": [u.username for u in d.org.users.values()],
                     "connectedApps": [a.client_id for a in d.org.apps.values()],
                     "records": {name: sum(1 for _ in store.scan()) for name, store in d.stores.items()},
                     "apiUsage": d.api_usage.current(self.clock.now()),
                     "config": d.org.config.as_dict()} for d in sf.orgs.values()]
        return {"clock": self.clock.state(), "salesforce": {"orgs": orgs}, "aep": self.aep.summary()}
