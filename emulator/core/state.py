"""Base for per-service backends: one lock, reset, snapshot and restore."""
from __future__ import annotations

import copy
import threading
from typing import Any


class Backend:
    """Owns all state of one emulated API.

    Subclasses list their state attributes in ``state_attributes`` and build
    them in ``_initial_state``; every mutation runs under ``self.lock``.
    """

    state_attributes: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def _initial_state(self) -> None:  # pragma: no cover - subclasses override
        raise NotImplementedError

    def reset(self) -> None:
        with self.lock:
            self._initial_state()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {name: copy.deepcopy(getattr(self, name)) for name in self.state_attributes}

    def restore(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            for name in self.state_attributes:
                setattr(self, name, copy.deepcopy(snapshot[name]))
