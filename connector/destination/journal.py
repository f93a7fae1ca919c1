"""The durable activation journal: what was sent to which record and field (SQLite, stdlib only).

Two tables per (record, field): `sent`, the value Salesforce confirmed, and
`pending`, a value written *before* its update is sent. A run that dies
between the send and the confirmation leaves `pending` rows; the next run
reads those records back and keeps as sent the values already there, so no
update is applied twice and none is lost. `runs` keeps each run's figures.
The schema is versioned with `PRAGMA user_version`; `MIGRATIONS[n]` takes a
database from version n to n + 1. No credentials are ever stored here.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE sent (sobject TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL, "
        "value TEXT, PRIMARY KEY (record_id, field))",
        "CREATE TABLE pending (sobject TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL, "
        "value TEXT, run_id INTEGER NOT NULL, PRIMARY KEY (record_id, field))",
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, "
        "profiles INTEGER, updated INTEGER, failed INTEGER, status TEXT NOT NULL)",
    ),
)
Row = tuple[str, str, str, "str | None"]  # sobject, record id, field, value


class ActivationJournal:
    """One destination's journal in one SQLite file (`:memory:` for a throw-away one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{self.path}: journal schema {version} is newer than this connector "
                               f"({len(MIGRATIONS)})")
        for target, statements in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in statements:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    def transaction(self) -> "_Transaction":
        return _Transaction(self.db)

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    # -- runs ---------------------------------------------------------------------
    def start_run(self, started: str) -> int:
        with self.transaction():
            return self.db.execute("INSERT INTO runs (started, status) VALUES (?, 'running')",
                                   (started,)).lastrowid

    def finish_run(self, run_id: int, finished: str, profiles: int, updated: int, failed: int,
                   status: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished=?, profiles=?, updated=?, failed=?, status=? WHERE id=?",
                            (finished, profiles, updated, failed, status, run_id))

    def runs(self) -> list[dict]:
        cols = ("id", "started", "finished", "profiles", "updated", "failed", "status")
        return [dict(zip(cols, row)) for row in self.db.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY id")]

    # -- sent values ----------------------------------------------------------------
    def sent_values(self) -> dict[tuple[str, str], str | None]:
        """Every confirmed (record id, field) → value."""
        return {(r, f): v for r, f, v in self.db.execute("SELECT record_id, field, value FROM sent")}

    # -- intent and confirmation -------------------------------------------------------
    def record_intent(self, run_id: int, rows: Iterable[Row]) -> None:
        """Write the values about to be sent, durably, before they are sent."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO pending (sobject, record_id, field, value, run_id) "
                                "VALUES (?, ?, ?, ?, ?)", [(*row, run_id) for row in rows])

    def confirm(self, sent: Iterable[Row], refused: Iterable[str]) -> None:
        """Salesforce applied `sent`; it refused every update of the records in `refused`."""
        sent = list(sent)
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO sent (sobject, record_id, field, value) VALUES (?, ?, ?, ?)",
                                sent)
            self.db.executemany("DELETE FROM pending WHERE record_id=? AND field=?", [(r[1], r[2]) for r in sent])
            self.db.executemany("DELETE FROM pending WHERE record_id=?", [(r,) for r in refused])

    def pending(self) -> list[Row]:
        return list(self.db.execute("SELECT sobject, record_id, field, value FROM pending ORDER BY record_id, field"))

    def drop_pending(self, keys: Iterable[tuple[str, str]]) -> None:
        with self.transaction():
            self.db.executemany("DELETE FROM pending WHERE record_id=? AND field=?", list(keys))


class _Transaction:
    """`BEGIN IMMEDIATE` … `COMMIT` (or `ROLLBACK` on an exception)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_exc) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
