"""The export journal in SQLite: which records a run exports, what was sent where, what came back.

A run's rows are written once, when it starts (``pending``). Before a batch goes out,
its rows are marked ``sent`` with the batch id (the Bulk API job id, or a local id for a
collections call) in the same transaction that records the batch; the results then turn
them ``done`` (with the CRM Id) or ``rejected``, and link the recipients, in one
transaction. A row is therefore always in exactly one of these states, and an
interrupted run resumes from them.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

from .db import transaction


@dataclass
class JournalRow:
    position: int
    recipient_id: int
    operation: str
    payload: dict[str, Any]


@dataclass
class Run:
    id: int
    activity: str
    sobject: str
    mode: str
    header: list[str]


def running(conn: sqlite3.Connection, activity: str) -> Run | None:
    """The unfinished run of an activity, if any."""
    row = conn.execute("SELECT * FROM export_runs WHERE activity = ? AND state = 'running'", (activity,)).fetchone()
    if row is None:
        return None
    return Run(row["id"], row["activity"], row["sobject"], row["mode"], json.loads(row["header"]))


def start_run(conn: sqlite3.Connection, activity: str, sobject: str, mode: str, header: list[str],
              rows: Iterable[tuple[int, str, dict[str, Any] | None, tuple[str, str] | None]]) -> Run:
    """Write a new run and all its rows at once: `(recipient_id, operation, payload, reject)`."""
    with transaction(conn):
        cursor = conn.execute("INSERT INTO export_runs (activity, sobject, mode, header, state) "
                              "VALUES (?, ?, ?, ?, 'running')", (activity, sobject, mode, json.dumps(header)))
        run_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO export_journal (run_id, position, recipient_id, operation, payload, state, error_symbol, "
            "error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((run_id, position, recipient, operation, json.dumps(payload or {}, separators=(",", ":")),
              "rejected" if reject else "pending", reject[0] if reject else None, reject[1] if reject else None)
             for position, (recipient, operation, payload, reject) in enumerate(rows)))
    return Run(run_id, activity, sobject, mode, header)


def pending(conn: sqlite3.Connection, run: Run, operation: str, limit: int) -> list[JournalRow]:
    """The next pending rows of one operation, in journal order."""
    rows = conn.execute("SELECT position, recipient_id, operation, payload FROM export_journal "
                        "WHERE run_id = ? AND state = 'pending' AND operation = ? ORDER BY position LIMIT ?",
                        (run.id, operation, limit)).fetchall()
    return [JournalRow(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def mark_sent(conn: sqlite3.Connection, run: Run, batch_id: str, kind: str, operation: str,
              rows: list[JournalRow], sent_at: str | None = None) -> None:
    """Record the batch and mark its rows sent, in one transaction (before the records go out)."""
    with transaction(conn):
        conn.execute("INSERT INTO export_batches (id, run_id, kind, operation, sent_at, state) "
                     "VALUES (?, ?, ?, ?, ?, 'sent')", (batch_id, run.id, kind, operation, sent_at))
        conn.executemany("UPDATE export_journal SET state = 'sent', batch_id = ? WHERE run_id = ? AND position = ?",
                         ((batch_id, run.id, row.position) for row in rows))


def sent_batches(conn: sqlite3.Connection, run: Run) -> list[sqlite3.Row]:
    """Batches whose results were never recorded (the run was interrupted)."""
    return conn.execute("SELECT * FROM export_batches WHERE run_id = ? AND state = 'sent' ORDER BY rowid",
                        (run.id,)).fetchall()


def batch_rows(conn: sqlite3.Connection, batch_id: str) -> list[JournalRow]:
    rows = conn.execute("SELECT position, recipient_id, operation, payload FROM export_journal "
                        "WHERE batch_id = ? AND state = 'sent' ORDER BY position", (batch_id,)).fetchall()
    return [JournalRow(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def settle(conn: sqlite3.Connection, run: Run, batch_id: str, state: str, done: list[tuple[int, int, str]],
           rejected: list[tuple[int, str, str]], back: list[int]) -> None:
    """Write a batch's results in one transaction.

    `done`: (position, recipient_id, crm_id); `rejected`: (position, symbol, message);
    `back`: positions not processed, pending again.
    """
    with transaction(conn):
        conn.executemany("UPDATE export_journal SET state = 'done', crm_id = ? WHERE run_id = ? AND position = ?",
                         ((crm_id, run.id, position) for position, _recipient, crm_id in done))
        conn.executemany("UPDATE recipients SET crm_object = ?, crm_id = ? WHERE id = ? AND crm_id IS NOT ?",
                         ((run.sobject, crm_id, recipient, crm_id) for _position, recipient, crm_id in done))
        conn.executemany("UPDATE export_journal SET state = 'rejected', error_symbol = ?, error_message = ? "
                         "WHERE run_id = ? AND position = ?",
                         ((symbol, message, run.id, position) for position, symbol, message in rejected))
        conn.executemany("UPDATE export_journal SET state = 'pending', batch_id = NULL WHERE run_id = ? AND position = ?",
                         ((run.id, position) for position in back))
        conn.execute("UPDATE export_batches SET state = ? WHERE id = ?", (state, batch_id))


def unfinished(conn: sqlite3.Connection, run: Run) -> int:
    """Rows still pending or sent."""
    return conn.execute("SELECT count(*) FROM export_journal WHERE run_id = ? AND state IN ('pending', 'sent')",
                        (run.id,)).fetchone()[0]


def finish(conn: sqlite3.Connection, run: Run) -> None:
    with transaction(conn):
        conn.execute("UPDATE export_runs SET state = 'done' WHERE id = ?", (run.id,))


def known_ids(conn: sqlite3.Connection, run: Run) -> set[str]:
    """CRM Ids this run already recorded (never matched twice when querying back)."""
    return {r[0] for r in conn.execute("SELECT crm_id FROM export_journal WHERE run_id = ? AND crm_id IS NOT NULL",
                                       (run.id,))}
