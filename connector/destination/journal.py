"""The durable activation journal: what was sent to which record (SQLite, stdlib only).

Two tables, one row per record holding its fields as JSON: `sent`, the
values Salesforce confirmed, and `pending`, values written *before* their
update is sent. A run that dies between the send and the confirmation leaves
`pending` rows; the next run reads those records back and keeps as sent the
values already there, so no update is applied twice and none is lost. `runs`
keeps each run's figures. The schema is versioned with `PRAGMA user_version`;
`MIGRATIONS[n]` takes a database from version n to n + 1. No credentials are
ever stored here.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE sent (record_id TEXT NOT NULL PRIMARY KEY, sobject TEXT NOT NULL, fields TEXT NOT NULL)",
        "CREATE TABLE pending (record_id TEXT NOT NULL PRIMARY KEY, sobject TEXT NOT NULL, fields TEXT NOT NULL, "
        "run_id INTEGER NOT NULL)",
        "CREATE INDEX pending_run ON pending (run_id)",
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, "
        "profiles INTEGER, updated INTEGER, failed INTEGER, status TEXT NOT NULL)",
    ),
)
Values = dict[str, "str | None"]


class ActivationJournal:
    """One destination's journal in one SQLite file (`:memory:` for a throw-away one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
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
    def sent_values(self) -> dict[str, Values]:
        """Every record's confirmed field values."""
        return {r: json.loads(f) for r, f in self.db.execute("SELECT record_id, fields FROM sent")}

    # -- intent and confirmation -------------------------------------------------------
    def record_intent(self, run_id: int, sobject: str, records: Iterable[tuple[str, Values]]) -> None:
        """Write the values about to be sent, durably, before they are sent."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO pending (record_id, sobject, fields, run_id) VALUES (?, ?, ?, ?)",
                                [(rid, sobject, json.dumps(values), run_id) for rid, values in records])

    def confirm_run(self, run_id: int, refused: Iterable[str] = ()) -> None:
        """Salesforce answered the run's pending chunk: every record but `refused` is now sent.

        The pending values move into `sent` (merged into the record's earlier
        values) in SQL, in one transaction; then the run's pending rows are cleared.
        """
        with self.transaction():
            self.db.executemany("DELETE FROM pending WHERE record_id=? AND run_id=?", [(r, run_id) for r in refused])
            self.db.execute("INSERT INTO sent (record_id, sobject, fields) "
                            "SELECT record_id, sobject, fields FROM pending WHERE run_id=? AND true "
                            "ON CONFLICT(record_id) DO UPDATE SET fields=json_patch(sent.fields, excluded.fields)",
                            (run_id,))
            self.db.execute("DELETE FROM pending WHERE run_id=?", (run_id,))

    def confirm(self, sobject: str, applied: Iterable[tuple[str, Values]], run_id: int | None = None,
                settled: Iterable[str] = ()) -> None:
        """Store `applied` (each record's full confirmed values) and clear the settled pending rows.

        `run_id` clears every pending row of that run (the chunk just answered);
        `settled` clears those records' rows whatever their run.
        """
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO sent (record_id, sobject, fields) VALUES (?, ?, ?)",
                                [(rid, sobject, json.dumps(values)) for rid, values in applied])
            if run_id is not None:
                self.db.execute("DELETE FROM pending WHERE run_id=?", (run_id,))
            self.db.executemany("DELETE FROM pending WHERE record_id=?", [(rid,) for rid in settled])

    def pending(self) -> list[tuple[str, str, Values]]:
        """(sobject, record id, values) of every update written but not confirmed."""
        return [(s, r, json.loads(f)) for s, r, f in
                self.db.execute("SELECT sobject, record_id, fields FROM pending ORDER BY record_id")]

class _Transaction:
    """`BEGIN IMMEDIATE` … `COMMIT` (or `ROLLBACK` on an exception)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_exc) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
