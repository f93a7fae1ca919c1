"""Emulator-wide configuration and the registry of backends: the one way in for fixtures, time and resets."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .control import ControlPlane
from .core.clock import Clock
from .core.faults import FaultSet
from .core.ids import IdSource
from .core.journal import Journal
from .core.state import FixtureError
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


class Emulator(ControlPlane):
    """All backends, the clock, the id source and the journal of one emulator instance.

    The control-plane methods (``configure``, ``inject_fault``, ``advance_clock``, ``seed`` …) come
    from :class:`~emulator.control.ControlPlane`.
    """

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
        self._baseline: dict | None = None  # what reset returns to (serve's startup data, the last /fixture)
        self.persister: Any = None  # durable.Persister when serve runs with --data: saves before each answer

    def load_fixture(self, fixture: dict, source: str = "fixture") -> dict[str, int]:
        """Replace all state with a fixture (``fixtures/files.py`` format): the one way in for every entry point.

        The fixture is validated (``ValueError`` naming the bad key), a
        ``data: {generate: ...}`` section is expanded to explicit records, every
        backend loads its own section, and clock, ids, journal and faults reset;
        later resets return to this fixture. Returns the records loaded per object.
        Raises :class:`~.core.state.FixtureError` when a section cannot be loaded.
        """
        from fixtures.files import fixture_dataset, validate_fixture
        spec = validate_fixture(fixture, source)
        dataset = fixture_dataset(spec)
        spec = {key: value for key, value in spec.items() if key != "data"}
        if dataset:
            if not spec.get("org") and not spec.get("users"):
                raise FixtureError("data: the fixture defines no org to load it into (give org and users)")
            spec["data"] = dataset
        # AEP before Salesforce: the order an AEP tick takes them in (its runs call Salesforce in process)
        with self.aep.lock, self.salesforce.lock:
            previous = self.fixture
            try:
                self._use_fixture(spec)
            except FixtureError:
                self._use_fixture(previous)  # nothing half-loaded: back to the fixture in force before
                raise
        return {name: len(rows) for name, rows in (dataset or {}).items()}

    def _use_fixture(self, spec: dict) -> None:
        self.fixture = spec
        for backend in self.backends.values():
            backend.fixture = spec
        self.reset(to_baseline=False)

    @property
    def backends(self) -> dict[str, Any]:
        return {"salesforce": self.salesforce, "aep": self.aep}

    def tick(self, now: datetime) -> None:
        """Run every backend's time-driven changes for ``now`` (the front calls it once per request)."""
        self.salesforce.tick(now)
        self.aep.tick(now)

    def reset(self, clock: bool = True, to_baseline: bool = True) -> None:
        """Back to the baseline (see :meth:`mark_baseline`), else the fixture: fresh ids, records, tokens, journal.

        ``to_baseline=False`` rebuilds from ``self.fixture`` and forgets the baseline (a new fixture).
        """
        if clock:
            self.clock.reset()
        self.ids.reset()
        if not to_baseline:
            self._baseline = None
        if self._baseline is not None:
            self._restore_state(self._baseline)
        else:
            for backend in self.backends.values():
                backend.reset()
        self.journal.reset()
        self.faults.clear()

    def mark_baseline(self) -> None:
        """Make the current state (fixture and data) the one ``reset`` returns to."""
        self._baseline = self._capture()

    def _capture(self) -> dict:
        return {"backends": {key: b.snapshot() for key, b in self.backends.items()},
                "fixture": copy.deepcopy(self.fixture)}

    def _restore_state(self, saved: dict) -> None:
        self.fixture = copy.deepcopy(saved["fixture"])
        for key, backend in self.backends.items():
            backend.fixture = self.fixture
            backend.restore(saved["backends"][key])

    def snapshot(self, name: str = "default") -> str:
        """Save the state, its fixture and the reset baseline under ``name``."""
        self._snapshots[name] = {**self._capture(), "baseline": self._baseline}
        return name

    def restore(self, name: str = "default") -> None:
        saved = self._snapshots[name]
        self._restore_state(saved)
        self._baseline = saved["baseline"]

    # -- state files (emulator/durable) ----------------------------------------------------------
    def export_state_file(self, passphrase: str) -> bytes:
        """The whole state as one SQLite state file, its secrets encrypted with ``passphrase``."""
        from .durable import export_state
        return export_state(self, passphrase)

    def import_state_file(self, data: bytes, passphrase: str) -> None:
        """Replace the whole state with a state file's (:meth:`export_state_file`); raises ``ValueError``."""
        from .durable import import_state
        import_state(self, data, passphrase)

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
