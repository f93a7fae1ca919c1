"""Durable state: the emulator saved to its state file before each answer, and loaded back at start.

:class:`Persister` is attached to an :class:`~emulator.config.Emulator` by
``serve --data``. The front dispatcher calls :meth:`Persister.save` once per
outermost request, after the request has run and before its answer leaves:
so every acknowledged write is on disk, and a write that was not acknowledged
is either whole or absent (one SQLite transaction per save, taken under the
backend locks that every write holds).

:func:`export_state` / :func:`import_state` write and read the same format as
one shareable file (``crm-harness snapshot save|load``).
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, Callable

from ..salesforce.sobjects.store import ObjectStore
from . import codec
from .keys import PASSPHRASE_ENV, StateKey, key_file_for
from .statefile import StateFile, StateFileError

LIVE, SAVED = "live", "saved"


def live_state(emulator: Any) -> dict:
    """Everything that changes while the emulator serves (the journal excepted: it is a log)."""
    return {"fixture": emulator.fixture,
            "backends": {key: {name: getattr(backend, name) for name in backend.state_attributes}
                         for key, backend in emulator.backends.items()},
            "ids": emulator.ids.dump(), "clock": emulator.clock.dump(), "faults": emulator.faults.dump(),
            "demo": emulator.config.extra.get("demo")}  # serve --demo's DemoInfo, for the banner


def saved_state(emulator: Any) -> dict:
    """What reset and restore return to: written again only when it changes."""
    return {"baseline": emulator._baseline, "snapshots": dict(emulator._snapshots)}


def apply_state(emulator: Any, live: dict, saved: dict) -> None:
    """Make ``emulator`` the one the state file describes (caller holds the backend locks)."""
    emulator.fixture = live["fixture"]
    for key, backend in emulator.backends.items():
        backend.fixture = emulator.fixture
        for name, value in live["backends"][key].items():
            setattr(backend, name, value)
    emulator.ids.load(live["ids"])
    emulator.clock.load(live["clock"])
    emulator.faults.load(live["faults"])
    if live.get("demo") is not None:
        emulator.config.extra["demo"] = live["demo"]
    emulator._baseline = saved["baseline"]
    emulator._snapshots = dict(saved["snapshots"])


class Persister:
    """Keeps one emulator and one state file in step."""

    def __init__(self, emulator: Any, state_file: StateFile, track: bool = True) -> None:
        self.emulator = emulator
        self.file = state_file
        self.track = track  # False for a one-off export: the stores' change marks belong to the live persister
        self._uids: weakref.WeakKeyDictionary[ObjectStore, str] = weakref.WeakKeyDictionary()
        self._next_uid = itertools.count(1)
        self._next_seq: dict[str, int] = {}  # uid -> seq of the store's next new row
        self._written: set[str] = set()  # store uids with rows in the file
        self._last_live: bytes | None = None
        self._saved_marker: tuple | None = None
        self._saved_uids: set[str] = set()
        self._lock = threading.Lock()

    # -- store identity -------------------------------------------------------------------
    def _uid_of(self, store: ObjectStore) -> str:
        uid = self._uids.get(store)
        if uid is None:
            uid = self._uids[store] = f"s{next(self._next_uid)}"
        return uid

    def adopt(self, source: codec.RowSource) -> None:
        """Take the stores just rebuilt from this file as already written."""
        for uid, (store, next_seq) in source.stores.items():
            self._uids[store] = uid
            self._next_seq[uid] = next_seq
            self._written.add(uid)
            if self.track:
                store.changed = set()
        numbers = [int(uid[1:]) for uid in self._written if uid[1:].isdigit()]
        self._next_uid = itertools.count(max(numbers, default=0) + 1)

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> None:
        """Write what changed since the last save, in one transaction."""
        emulator = self.emulator
        with emulator.aep.lock, emulator.salesforce.lock, self._lock:
            seen: dict[str, ObjectStore] = {}
            live = codec.dumps(live_state(emulator), self._uid_of, seen)
            marker = (emulator._baseline, tuple(emulator._snapshots.items()))
            saved = None
            saved_seen: dict[str, ObjectStore] = {}
            if self._saved_marker is None or not _same(marker, self._saved_marker):
                saved = codec.dumps(saved_state(emulator), self._uid_of, saved_seen)
            stores = {**seen, **saved_seen}
            referenced = set(seen) | (set(saved_seen) if saved is not None else self._saved_uids)
            done: list[tuple[ObjectStore, set[str] | None]] = []
            self.file.begin()
            try:
                if live != self._last_live:
                    self.file.put_segment(LIVE, live)
                if saved is not None:
                    self.file.put_segment(SAVED, saved)
                for uid, store in stores.items():
                    done.append((store, self._write_store(uid, store)))
                for uid in self._written - referenced:
                    self.file.drop_store(uid)
                self.file.commit()
            except BaseException:
                self.file.rollback()
                for uid in stores:
                    self._written.discard(uid)  # rewritten whole next time
                raise
            self._written &= referenced
            self._written |= set(stores)
            self._last_live = live
            if saved is not None:
                self._saved_marker, self._saved_uids = marker, set(saved_seen)
            if self.track:
                for store, written_ids in done:
                    if written_ids is None:
                        store.changed, store.rewrite = set(), False
                    elif written_ids:
                        store.changed -= written_ids

    def _write_store(self, uid: str, store: ObjectStore) -> set[str] | None:
        """Rows of one store: all of them (returns None) or the changed ones (returns their ids)."""
        if uid not in self._written or store.rewrite or not self.track or store.changed is None:
            self.file.drop_store(uid)
            self.file.put_rows(uid, ((record_id, seq, codec.dump_record(record))
                                     for seq, (record_id, record) in enumerate(store.records.items())))
            self._next_seq[uid] = len(store.records)
            return None
        changed = set(store.changed)
        if not changed:
            return changed
        records = store.records
        gone = [record_id for record_id in changed if record_id not in records]
        seq = self._next_seq.get(uid, 0)
        rows = []
        for record_id in changed:
            record = records.get(record_id)
            if record is not None:
                rows.append((record_id, seq, codec.dump_record(record)))
                seq += 1
        self._next_seq[uid] = seq
        self.file.put_rows(uid, rows)
        self.file.delete_rows(uid, gone)
        return changed

    # -- loading --------------------------------------------------------------------------
    def take_over(self, live: dict, saved: dict, source: codec.RowSource) -> None:
        """Make the emulator the state read from this very file (:func:`read_state`) at start."""
        emulator = self.emulator
        with emulator.aep.lock, emulator.salesforce.lock, self._lock:
            apply_state(emulator, live, saved)
            self.adopt(source)
            self._last_live = self._saved_marker = None  # the next save writes both segments again


def _same(marker: tuple, previous: tuple) -> bool:
    """The baseline and snapshots are the very objects written last time (they are never mutated)."""
    baseline, snapshots = marker
    old_baseline, old_snapshots = previous
    return (baseline is old_baseline and len(snapshots) == len(old_snapshots)
            and all(a[0] == b[0] and a[1] is b[1] for a, b in zip(snapshots, old_snapshots)))


def read_state(state_file: StateFile) -> tuple[dict, dict, codec.RowSource]:
    """The two segments and the stores rebuilt from the rows; :class:`StateFileError` for a damaged file."""
    try:
        rows: dict[str, list[tuple[int, bytes]]] = {}
        for store, seq, data in state_file.rows():
            rows.setdefault(store, []).append((seq, data))
        source = codec.RowSource(rows)
        live_data, saved_data = state_file.segment(LIVE), state_file.segment(SAVED)
        if live_data is None or saved_data is None:
            raise StateFileError(f"{state_file.path} holds no emulator state (it was never written completely)")
        return codec.loads(live_data, source), codec.loads(saved_data, source), source
    except StateFileError:
        raise
    except Exception as exc:  # a damaged row: unpickling fails in many ways
        raise StateFileError(f"{state_file.path} is corrupt ({type(exc).__name__}: {exc}); "
                             "it was left untouched") from None


# -- key sources --------------------------------------------------------------------------------
def data_key(path: Path, create: bool, passphrase: str | None = None) -> Callable[[bytes], StateKey]:
    """The key of a ``--data`` file: the passphrase (argument or environment) if any, else its key file."""
    passphrase = passphrase or os.environ.get(PASSPHRASE_ENV)
    if passphrase:
        return lambda salt: StateKey.from_passphrase(passphrase, salt)
    return lambda salt: StateKey.from_key_file(key_file_for(path), create)


def passphrase_key(passphrase: str) -> Callable[[bytes], StateKey]:
    if not passphrase:
        raise StateFileError("a snapshot file needs a passphrase: its secrets are encrypted with it")
    return lambda salt: StateKey.from_passphrase(passphrase, salt)


# -- the server's state file and snapshot files ---------------------------------------------------
def open_data(emulator: Any, path: Path, passphrase: str | None = None) -> tuple[Persister, bool]:
    """Attach ``path`` to ``emulator``: load it when it exists (returns True), else create it from the emulator.

    An existing file that is not a readable state file raises :class:`StateFileError` and is left untouched.
    """
    if path.exists():
        key = data_key(path, create=False, passphrase=passphrase)
        reader = StateFile.open(path, key, read_only=True)
        try:
            state = read_state(reader)  # all read and checked before the file is opened for writing
        finally:
            reader.close()
        persister = Persister(emulator, StateFile.open(path, key))
        persister.take_over(*state)
        persister.save()
        restored = True
    else:
        if not path.parent.is_dir():
            raise StateFileError(f"cannot create {path}: the folder {path.parent} does not exist")
        try:
            state_file = StateFile.create(path, data_key(path, create=True, passphrase=passphrase))
        except (OSError, sqlite3.Error) as exc:
            raise StateFileError(f"cannot create {path}: {exc}") from None
        persister = Persister(emulator, state_file)
        persister.save()
        restored = False
    emulator.persister = persister
    return persister, restored


def export_state(emulator: Any, passphrase: str) -> bytes:
    """The whole state as one state file's bytes, its secrets encrypted with ``passphrase``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.db"
        state_file = StateFile.create(path, passphrase_key(passphrase))
        try:
            Persister(emulator, state_file, track=False).save()
            state_file.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            state_file.conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            state_file.close()
        return path.read_bytes()


def import_state(emulator: Any, data: bytes, passphrase: str) -> None:
    """Replace the emulator's state with a snapshot file's; the durable file (if any) follows at once."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.db"
        path.write_bytes(data)
        state_file = StateFile.open(path, passphrase_key(passphrase), read_only=True)
        try:
            live, saved, _ = read_state(state_file)
        finally:
            state_file.close()
    with emulator.aep.lock, emulator.salesforce.lock:
        apply_state(emulator, live, saved)
    if emulator.persister is not None:
        emulator.persister.save()
