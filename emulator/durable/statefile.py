"""The state file: one SQLite database holding a whole emulator.

Tables:

* ``meta``: the format marker, its version, the key check value and the
  passphrase salt. A file without the marker is refused (never written to).
* ``segments``: named, encrypted pickles of everything but records (see
  :mod:`.codec`): ``live`` (backends, fixture, clock, ids, faults) and
  ``saved`` (the reset baseline and named snapshots).
* ``rows``: one pickled record per row, keyed by its store and id, so a write
  rewrites only the records it touched; ``seq`` keeps the store's insertion
  order (the order a query without ORDER BY answers in).

The file runs in WAL mode with ``synchronous=FULL``: a commit is on disk when
:meth:`StateFile.commit` returns, which happens before the request that made
the change is answered.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from .keys import StateKey, StateKeyError

FORMAT = "crm-harness-state"
VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE segments (name TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE rows (store TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
                   PRIMARY KEY (store, id)) WITHOUT ROWID;
"""


class StateFileError(ValueError):
    """A file that is not a usable state file; the message names the file and the reason."""


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def inspect(path: Path) -> dict[str, bytes]:
    """The ``meta`` of an existing state file, opened read-only; :class:`StateFileError` if it is not one.

    Nothing is written to the file: a foreign or corrupt file stays as it was.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read it ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise StateFileError(f"{path} is not a crm-harness state file (not an SQLite database); "
                             "it was left untouched — give another --data path")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise StateFileError(f"{path} is corrupt (SQLite integrity check: {verdict}); it was left untouched")
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"meta", "segments", "rows"} <= tables:
                raise StateFileError(f"{path} is an SQLite database but not a crm-harness state file "
                                     "(no meta/segments/rows tables); it was left untouched")
            meta = {key: value for key, value in conn.execute("SELECT key, value FROM meta")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path} is corrupt ({exc}); it was left untouched") from None
    if meta.get("format") != FORMAT:
        raise StateFileError(f"{path} is an SQLite database but not a crm-harness state file; it was left untouched")
    if int(meta.get("version", 0)) > VERSION:
        raise StateFileError(f"{path} was written by a newer crm-harness (state format {meta['version']}, "
                             f"this one reads {VERSION})")
    return meta


class StateFile:
    """An open state file; every method but :meth:`open`/:meth:`create` runs inside the caller's lock."""

    def __init__(self, path: Path, conn: sqlite3.Connection, key: StateKey) -> None:
        self.path = path
        self.conn = conn
        self.key = key

    @classmethod
    def create(cls, path: Path, key_for_salt) -> "StateFile":
        """A new, empty state file at ``path`` (which must not exist); ``key_for_salt(salt)`` gives its key."""
        salt = os.urandom(16)
        key: StateKey = key_for_salt(salt)
        conn = _connect(path)
        conn.execute("BEGIN")
        for statement in filter(str.strip, _SCHEMA.split(";")):
            conn.execute(statement)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("format", FORMAT), ("version", str(VERSION)), ("salt", salt), ("check", key.check_value())])
        conn.execute("COMMIT")
        return cls(path, conn, key)

    @classmethod
    def open(cls, path: Path, key_for_salt, read_only: bool = False) -> "StateFile":
        """An existing state file, checked (:func:`inspect`) before anything is written to it.

        ``read_only`` opens it without ever writing (not even the WAL switch), to read it first.
        """
        meta = inspect(path)
        key: StateKey = key_for_salt(bytes(meta["salt"]))
        key.verify(bytes(meta["check"]))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False) if read_only \
            else _connect(path)
        return cls(path, conn, key)

    def close(self) -> None:
        self.conn.close()

    # -- reads ------------------------------------------------------------------------------
    def segment(self, name: str) -> bytes | None:
        """A segment's plain bytes; a segment the (verified) key cannot open has been damaged."""
        row = self.conn.execute("SELECT data FROM segments WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        try:
            return self.key.decrypt(row[0])
        except StateKeyError:
            raise StateFileError(f"{self.path} is corrupt (its {name!r} segment fails its authentication check); "
                                 "it was left untouched") from None

    def rows(self) -> Iterator[tuple[str, int, bytes]]:
        """``(store, seq, pickled record)`` in each store's insertion order."""
        return iter(self.conn.execute("SELECT store, seq, data FROM rows ORDER BY store, seq"))

    # -- writes: between begin() and commit() --------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def put_segment(self, name: str, plain: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO segments VALUES (?, ?)", (name, self.key.encrypt(plain)))

    def put_rows(self, store: str, rows: Iterable[tuple[str, int, bytes]]) -> None:
        """Insert or update ``(id, seq, data)`` rows; an update keeps the row's first ``seq``."""
        self.conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (store, id) DO UPDATE SET data = excluded.data",
                              ((store, record_id, seq, data) for record_id, seq, data in rows))

    def delete_rows(self, store: str, ids: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM rows WHERE store = ? AND id = ?", ((store, i) for i in ids))

    def drop_store(self, store: str) -> None:
        self.conn.execute("DELETE FROM rows WHERE store = ?", (store,))

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]


__all__ = ["StateFile", "StateFileError", "StateKeyError", "inspect"]
