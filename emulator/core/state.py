"""Base for per-service backends: one lock, the fixture, reset, snapshot and restore."""
from __future__ import annotations

import copy
import threading
from datetime import datetime
from typing import Any, Callable

from .ids import IdSource


class FixtureError(ValueError):
    """A fixture a backend cannot load; the message names the section and the problem."""


class Backend:
    """Owns all state of one emulated API.

    Subclasses list their state attributes in ``state_attributes``, build
    them empty in ``_initial_state`` and read their own section of the
    emulator's fixture in ``load_fixture``; ``reset`` does both, so a reset
    returns to the fixture. Every mutation runs under ``self.lock``.
    """

    state_attributes: tuple[str, ...] = ()

    def __init__(self, ids: IdSource, now: Callable[[], datetime], fixture: dict | None = None) -> None:
        self.ids = ids
        self.now = now  # the emulator clock (pinned to the request's instant during a request)
        self.lock = threading.RLock()
        self.fixture: dict = fixture or {}
        self.reset()

    def load_fixture(self, fixture: dict) -> None:  # pragma: no cover - subclasses override
        """Create this backend's part of ``fixture`` (its own section only); raise :class:`FixtureError`."""
        raise NotImplementedError

    def tick(self, now: datetime) -> None:  # pragma: no cover - subclasses override
        """Run every time-driven change due at ``now``; called once per request, before dispatch."""
        raise NotImplementedError

    def configure(self, fixture: dict) -> None:
        """Take a new fixture and reset to it."""
        with self.lock:
            self.fixture = fixture
            self.reset()

    def _initial_state(self) -> None:  # pragma: no cover - subclasses override
        raise NotImplementedError

    def reset(self) -> None:
        with self.lock:
            self._initial_state()
            self.load_fixture(self.fixture)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {name: copy.deepcopy(getattr(self, name)) for name in self.state_attributes}

    def restore(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            for name in self.state_attributes:
                setattr(self, name, copy.deepcopy(snapshot[name]))
