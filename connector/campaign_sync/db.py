"""Campaign's local side in SQLite: recipients, options, export journal, rejects, process errors.

The schema is built by numbered migrations tracked in ``PRAGMA user_version``;
``PRAGMA application_id`` marks the file as ours. A file that is not SQLite, is
damaged, belongs to another application or comes from a newer version raises
:class:`DatabaseError` and is never modified. Writes go through
:func:`transaction`, so a failure leaves nothing half-written.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

from .errors import DatabaseError

APPLICATION_ID = 0x43414D50  # "CAMP"
SQLITE_MAGIC = b"SQLite format 3\x00"

MIGRATIONS: tuple[str, ...] = (
    # 1: the recipients table, options, rejects and process errors
    """
    CREATE TABLE recipients (
        id INTEGER PRIMARY KEY,
        crm_object TEXT,
        crm_id TEXT,
        crm_modified TEXT,
        crm_deleted TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        UNIQUE (crm_object, crm_id)
    );
    CREATE TABLE options (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE rejects (
        id INTEGER PRIMARY KEY,
        activity TEXT NOT NULL,
        operation TEXT NOT NULL,
        recipient_id INTEGER,
        crm_id TEXT,
        columns TEXT NOT NULL,
        error_symbol TEXT NOT NULL,
        error_message TEXT NOT NULL
    );
    CREATE TABLE process_errors (
        id INTEGER PRIMARY KEY,
        activity TEXT NOT NULL,
        operation TEXT NOT NULL,
        error_type TEXT NOT NULL,
        error_code TEXT,
        message TEXT NOT NULL,
        rows_pending INTEGER NOT NULL
    );
    """,
    # 2: the export journal (runs, batches sent with their bodies, one row per record to export) and deletions
    """
    CREATE TABLE export_runs (
        id INTEGER PRIMARY KEY,
        activity TEXT NOT NULL,
        sobject TEXT NOT NULL,
        mode TEXT NOT NULL,
        settings TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done'))
    );
    CREATE UNIQUE INDEX export_runs_one_running ON export_runs (activity) WHERE state = 'running';
    CREATE TABLE export_batches (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES export_runs (id),
        kind TEXT NOT NULL CHECK (kind IN ('bulk', 'collections')),
        operation TEXT NOT NULL,
        first_position INTEGER NOT NULL,
        last_position INTEGER NOT NULL,
        sent_at TEXT,
        body TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sent', 'done', 'aborted'))
    );
    CREATE TABLE export_journal (
        run_id INTEGER NOT NULL REFERENCES export_runs (id),
        position INTEGER NOT NULL,
        recipient_id INTEGER NOT NULL,
        operation TEXT NOT NULL CHECK (operation IN ('insert', 'update')),
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'rejected')),
        batch_id TEXT,
        error_symbol TEXT,
        error_message TEXT,
        PRIMARY KEY (run_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX export_journal_pending ON export_journal (run_id, operation, position) WHERE state = 'pending';
    CREATE TABLE crm_deleted (
        crm_object TEXT NOT NULL,
        crm_id TEXT NOT NULL,
        deleted_date TEXT NOT NULL,
        PRIMARY KEY (crm_object, crm_id)
    );
    """,
    # 3: a batch whose every row came back records its done rows as its range (done_range = 1) instead of
    #    rewriting them one by one. The per-row table becomes export_rows, whose state is what was written (a row
    #    done through its batch's range stays 'pending' there); export_journal is a view with each row's real state:
    #    a 'pending' row at or below the last range-done position of its run and operation is done.
    #    export_rows is a copy of version 2's export_journal whose CHECKs read `= … OR …` instead of `IN (…)`: the
    #    same rule, but SQLite 3.40 spends ~0.7 µs per row on a CHECK against a list of three constants (next to
    #    nothing on the OR form), and a run writes one row per recipient. Nor has it an index of pending rows:
    #    pending rows are read through the primary key from the done-through position up (see journal.py).
    """
    CREATE TABLE export_rows (
        run_id INTEGER NOT NULL REFERENCES export_runs (id),
        position INTEGER NOT NULL,
        recipient_id INTEGER NOT NULL,
        operation TEXT NOT NULL CHECK (operation = 'insert' OR operation = 'update'),
        state TEXT NOT NULL CHECK (state = 'pending' OR state = 'done' OR state = 'rejected'),
        batch_id TEXT,
        error_symbol TEXT,
        error_message TEXT,
        PRIMARY KEY (run_id, position)
    ) WITHOUT ROWID;
    INSERT INTO export_rows (run_id, position, recipient_id, operation, state, batch_id, error_symbol, error_message)
    SELECT run_id, position, recipient_id, operation, state, batch_id, error_symbol, error_message
    FROM export_journal;
    DROP TABLE export_journal;
    ALTER TABLE export_batches ADD COLUMN done_range INTEGER NOT NULL DEFAULT 0
        CHECK (done_range = 0 OR done_range = 1);
    CREATE INDEX export_batches_done_range ON export_batches (run_id, operation, last_position) WHERE done_range = 1;
    CREATE VIEW export_journal AS
    SELECT r.run_id, r.position, r.recipient_id, r.operation,
           CASE WHEN r.state = 'pending' AND r.position <= (
                    SELECT max(d.last_position) FROM export_batches d
                    WHERE d.run_id = r.run_id AND d.operation = r.operation AND d.done_range = 1)
                THEN 'done' ELSE r.state END AS state,
           CASE WHEN r.state = 'pending' THEN (
                    SELECT d.id FROM export_batches d
                    WHERE d.run_id = r.run_id AND d.operation = r.operation AND d.done_range = 1
                      AND d.last_position >= r.position ORDER BY d.last_position LIMIT 1)
                ELSE r.batch_id END AS batch_id,
           r.error_symbol, r.error_message
    FROM export_rows r
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _check_file(path: Path) -> None:
    """Refuse a file that is not an SQLite database before SQLite touches it."""
    if not path.exists():
        return
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    if path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise DatabaseError(f"{path} is not an SQLite database (corrupt or foreign file); it was left untouched")


def _pragma(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute(f"PRAGMA {name}").fetchone()[0])


def _check_database(conn: sqlite3.Connection, path: str) -> int:
    """The schema version of an existing database; 0 for an empty one. Raises for anything else."""
    try:
        health = conn.execute("PRAGMA quick_check").fetchone()[0]
        app_id, version = _pragma(conn, "application_id"), _pragma(conn, "user_version")
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{path} is corrupt ({error}); it was left untouched") from None
    if health != "ok":
        raise DatabaseError(f"{path} is corrupt (integrity check: {health}); it was left untouched")
    if app_id == 0 and version == 0 and tables == 0:
        return 0
    if app_id != APPLICATION_ID:
        raise DatabaseError(f"{path} is an SQLite database of another application (application_id "
                            f"{app_id:#x}); it was left untouched")
    if version > SCHEMA_VERSION:
        raise DatabaseError(f"{path} has schema version {version}, newer than this connector's "
                            f"{SCHEMA_VERSION}; upgrade the connector")
    return version


def migrate(conn: sqlite3.Connection, current: int) -> int:
    """Apply the migrations after `current`, each in its own transaction; the new version."""
    for number in range(current + 1, SCHEMA_VERSION + 1):
        with transaction(conn):
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {number}")
    return SCHEMA_VERSION


def open_db(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open (creating when absent) and migrate the local database at `path`."""
    location = Path(path)
    _check_file(location)
    try:
        conn = sqlite3.connect(str(location), isolation_level=None)
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot open {location}: {error}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        version = _check_database(conn, str(location))
        conn.execute("PRAGMA synchronous = NORMAL")  # with WAL: a commit survives a killed process
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: batch updates of 100 000 rows stay in memory
        if version == 0:
            conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn, version)
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (nothing half-written)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
