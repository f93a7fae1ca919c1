"""The export journal in SQLite: which records a run exports, what was sent where, what came back.

When a run starts, one row per recipient to export is written (``pending``, with its
operation), in SQL, in one transaction, together with the run's settings. Before a batch
goes out, it is recorded with its id (the Bulk API job id, or a local id for a collections
call), the exact body sent and the positions it covers: its rows are the pending rows of
its operation between its first and last position, and a row is in flight while its batch
is ``sent``. The results then turn the rows ``done`` (an inserted record's new CRM Id is
written on its recipient) or ``rejected``, or leave them ``pending`` when they were not
processed, in one transaction with the batch's new state. An interrupted run resumes from
the batches still ``sent``.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .db import transaction


@dataclass(slots=True)
class JournalRow:
    """A row to send: `values` are the recipient's local columns asked for, in order."""

    position: int
    recipient_id: int
    operation: str
    crm_id: str | None
    values: tuple[Any, ...]


@dataclass
class Run:
    id: int
    activity: str
    sobject: str
    mode: str
    settings: dict[str, Any]


def running(conn: sqlite3.Connection, activity: str) -> Run | None:
    """The unfinished run of an activity, if any."""
    row = conn.execute("SELECT * FROM export_runs WHERE activity = ? AND state = 'running'", (activity,)).fetchone()
    if row is None:
        return None
    return Run(row["id"], row["activity"], row["sobject"], row["mode"], json.loads(row["settings"]))


def start_run(conn: sqlite3.Connection, activity: str, sobject: str, mode: str, settings: dict[str, Any],
              key: str | None, recipients: list[int] | None) -> Run:
    """Write a new run and one pending row per recipient (update when it has the key, else insert).

    A row's position is its recipient's id, so rows are sent in recipient order.
    """
    if key == "crm_id":
        operation, params = "CASE WHEN crm_id IS NOT NULL AND lower(crm_object) = lower(?) THEN 'update' " \
                            "ELSE 'insert' END", [sobject]
    elif key:
        path = '$."' + key.replace('"', '') + '"'
        operation, params = "CASE WHEN coalesce(json_extract(data, ?), '') != '' THEN 'update' ELSE 'insert' END", \
            [path]
    else:
        operation, params = "'insert'", []
    where = ""
    if recipients is not None:
        where = f" WHERE id IN ({','.join('?' * len(recipients))})"
    with transaction(conn):
        run_id = conn.execute("INSERT INTO export_runs (activity, sobject, mode, settings, state) "
                              "VALUES (?, ?, ?, ?, 'running')",
                              (activity, sobject, mode, json.dumps(settings))).lastrowid
        conn.execute(f"INSERT INTO export_journal (run_id, position, recipient_id, operation, state) "
                     f"SELECT ?, id, id, {operation}, 'pending' FROM recipients{where} ORDER BY id",
                     [run_id, *params, *(recipients or [])])
    return Run(run_id, activity, sobject, mode, settings)


def _path(column: str) -> str:
    return '$."' + column.replace('"', '') + '"'


def pending(conn: sqlite3.Connection, run: Run, operation: str, limit: int, columns: list[str]) -> list[JournalRow]:
    """The next pending rows of one operation, in journal order, with their recipient's current `columns`.

    The columns are read with ``json_extract`` (JSON true/false come back as 1/0).
    """
    extract = "".join(", json_extract(r.data, ?)" for _ in columns)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: this reads up to a whole batch
    rows = cursor.execute(f"SELECT j.position, j.recipient_id, j.operation, r.crm_id, r.crm_object{extract} "
                          "FROM export_journal j INDEXED BY export_journal_pending "
                          "JOIN recipients r ON r.id = j.recipient_id "
                          "WHERE j.run_id = ? AND j.state = 'pending' AND j.operation = ? "
                          "ORDER BY j.position LIMIT ?",
                          [*map(_path, columns), run.id, operation, limit]).fetchall()
    sobject = run.sobject.lower()
    return [JournalRow(r[0], r[1], r[2], r[3] if (r[4] or "").lower() == sobject else None, r[5:]) for r in rows]


def mark_sent(conn: sqlite3.Connection, run: Run, batch_id: str, kind: str, operation: str, first: int,
              last: int, body: str, sent_at: str | None = None) -> None:
    """Record a batch about to go out: the pending rows of `operation` in [first, last], and its body."""
    with transaction(conn):
        conn.execute("INSERT INTO export_batches (id, run_id, kind, operation, first_position, last_position, "
                     "sent_at, body, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sent')",
                     (batch_id, run.id, kind, operation, first, last, sent_at, body))


def sent_batches(conn: sqlite3.Connection, run: Run) -> list[sqlite3.Row]:
    """Batches whose results were never recorded (the run was interrupted)."""
    return conn.execute("SELECT * FROM export_batches WHERE run_id = ? AND state = 'sent' ORDER BY rowid",
                        (run.id,)).fetchall()


def batch_positions(conn: sqlite3.Connection, run: Run, batch: sqlite3.Row) -> list[int]:
    """Positions of the rows a batch sent whose results are not recorded yet, in order."""
    return [r[0] for r in conn.execute(
        "SELECT position FROM export_journal INDEXED BY export_journal_pending WHERE run_id = ? AND state = 'pending' "
        "AND operation = ? AND position BETWEEN ? AND ? ORDER BY position",
        (run.id, batch["operation"], batch["first_position"], batch["last_position"]))]


def reject_now(conn: sqlite3.Connection, run: Run, rejected: list[tuple[int, str, str]]) -> None:
    """Reject rows before they are sent (a value the conversion cannot read)."""
    with transaction(conn):
        conn.executemany("UPDATE export_journal SET state = 'rejected', error_symbol = ?, error_message = ? "
                         "WHERE run_id = ? AND position = ?",
                         ((symbol, message, run.id, position) for position, symbol, message in rejected))


def settle(conn: sqlite3.Connection, run: Run, batch: dict[str, Any], state: str, links: list[tuple[int, str]],
           rejected: list[tuple[int, str, str]], back: list[int]) -> None:
    """Write a batch's results in one transaction.

    `rejected`: (position, symbol, message); `back`: positions without a result (they stay
    pending); every other row of the batch is done, unless the batch is `aborted` (all stay
    pending). `links`: (position, new CRM Id) of inserted rows, written on their recipients.
    """
    with transaction(conn):
        conn.executemany("UPDATE export_journal SET state = 'rejected', batch_id = ?, error_symbol = ?, "
                         "error_message = ? WHERE run_id = ? AND position = ?",
                         ((batch["id"], symbol, message, run.id, position) for position, symbol, message in rejected))
        if state != "aborted":
            # through the primary key's range (run_id, position): cheaper than the partial index this UPDATE shrinks
            keep = " AND position NOT IN (SELECT value FROM json_each(?))" if back else ""
            conn.execute("UPDATE export_journal SET state = 'done', batch_id = ? "
                         "WHERE run_id = ? AND position BETWEEN ? AND ? AND state = 'pending' AND operation = ?" + keep,
                         (batch["id"], run.id, batch["first_position"], batch["last_position"], batch["operation"],
                          *([json.dumps(back)] if back else [])))
        # a run's position is its recipient's id (see start_run)
        conn.executemany("UPDATE recipients SET crm_object = ?, crm_id = ? WHERE id = ?",
                         ((run.sobject, crm_id, position) for position, crm_id in links))
        conn.execute("UPDATE export_batches SET state = ? WHERE id = ?", (state, batch["id"]))


def unfinished(conn: sqlite3.Connection, run: Run) -> int:
    """Rows not exported yet (pending, in flight included)."""
    return conn.execute("SELECT count(*) FROM export_journal WHERE run_id = ? AND state = 'pending'",
                        (run.id,)).fetchone()[0]


def finish(conn: sqlite3.Connection, run: Run) -> None:
    with transaction(conn):
        conn.execute("UPDATE export_runs SET state = 'done' WHERE id = ?", (run.id,))


def known_ids(conn: sqlite3.Connection, run: Run) -> set[str]:
    """CRM Ids of the recipients this run already exported (never matched twice when querying back)."""
    return {r[0] for r in conn.execute("SELECT r.crm_id FROM export_journal j JOIN recipients r ON r.id = j.recipient_id "
                                       "WHERE j.run_id = ? AND j.state = 'done' AND r.crm_id IS NOT NULL", (run.id,))}

