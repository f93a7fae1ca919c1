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

How ``done`` is written (schema version 3). A batch takes the first pending rows of its
operation, so when every row of a batch came back, no row of that operation at or below
its last position is pending any more. Such a batch is marked ``done_range``: its rows are
done through its range, without rewriting them one by one. The rows table
(``export_rows``) keeps what was written row by row (``rejected`` rows, and ``done`` rows of a
batch some of whose rows did not come back, which are marked one by one); a row still
``pending`` there is done when its position is at or below the run's *done-through*
position for its operation (the last position of its last ``done_range`` batch), pending
otherwise. The ``export_journal`` view gives every row its state by this rule, and this
module reads the rows by it.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .db import transaction


PendingRow = tuple[Any, ...]
"""A row to send, as :func:`pending` reads it: (position, CRM Id, value…, present). The values are the recipient's
local columns asked for, in order. A row's position is its recipient's id; its CRM Id is None unless the recipient
is linked to a record of the run's object; `present` is None when the recipient was deleted after the run started
(its values are then None too)."""


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
        conn.execute(f"INSERT INTO export_rows (run_id, position, recipient_id, operation, state) "
                     f"SELECT ?, id, id, {operation}, 'pending' FROM recipients{where} ORDER BY id",
                     [run_id, *params, *(recipients or [])])
    return Run(run_id, activity, sobject, mode, settings)


def _path(column: str) -> str:
    return '$."' + column.replace('"', '') + '"'


def done_through(conn: sqlite3.Connection, run: Run, operation: str) -> int | None:
    """The position at or below which no row of `operation` is pending (see the module's docstring), if any."""
    return conn.execute("SELECT max(last_position) FROM export_batches WHERE run_id = ? AND operation = ? "
                        "AND done_range = 1", (run.id, operation)).fetchone()[0]


def _after(conn: sqlite3.Connection, run: Run, operation: str, read: int | None = None) -> tuple[str, list[int]]:
    """The SQL condition (on ``j.position``) and parameters selecting positions above `done_through` (and above
    `read` when given)."""
    bounds = [b for b in (done_through(conn, run, operation), read) if b is not None]
    return ("", []) if not bounds else (" AND j.position > ?", [max(bounds)])


def pending(conn: sqlite3.Connection, run: Run, operation: str, limit: int, columns: list[str],
            read: int | None = None) -> list[PendingRow]:
    """The next pending rows of one operation, in journal order, with their recipient's current `columns`.

    The columns are read with ``json_extract`` (JSON true/false come back as 1/0). Plain tuples
    (:data:`PendingRow`): this reads up to a whole batch. A row whose recipient no longer exists is read too
    (the caller rejects it): a batch takes the first pending rows, none is skipped. `read`, when given, is a
    position the caller knows no pending row of `operation` is at or below (where it last read up to): the
    scan of the primary key starts above it.
    """
    extract = "".join(", json_extract(r.data, ?)" for _ in columns)
    after, params = _after(conn, run, operation, read)
    cursor = conn.cursor()
    cursor.row_factory = None
    # a row's position is its recipient's id (start_run)
    return cursor.execute(f"SELECT j.position, CASE WHEN lower(r.crm_object) = lower(?) THEN r.crm_id END{extract}, "
                          "r.id FROM export_rows j LEFT JOIN recipients r ON r.id = j.position "
                          f"WHERE j.run_id = ?{after} AND j.operation = ? AND j.state = 'pending' "
                          "ORDER BY j.position LIMIT ?",
                          [run.sobject, *map(_path, columns), run.id, *params, operation, limit]).fetchall()


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
    after, params = _after(conn, run, batch["operation"])
    return [r[0] for r in conn.execute(
        f"SELECT j.position FROM export_rows j WHERE j.run_id = ? AND j.position BETWEEN ? AND ?{after} "
        "AND j.operation = ? AND j.state = 'pending' ORDER BY j.position",
        (run.id, batch["first_position"], batch["last_position"], *params, batch["operation"]))]


def reject_now(conn: sqlite3.Connection, run: Run, rejected: list[tuple[int, str, str]]) -> None:
    """Reject rows before they are sent (a value the conversion cannot read)."""
    with transaction(conn):
        conn.executemany("UPDATE export_rows SET state = 'rejected', error_symbol = ?, error_message = ? "
                         "WHERE run_id = ? AND position = ?",
                         ((symbol, message, run.id, position) for position, symbol, message in rejected))


def settle(conn: sqlite3.Connection, run: Run, batch: dict[str, Any], state: str,
           links: tuple[list[int], list[Any]] | None, rejected: list[tuple[int, str, str]], back: list[int]) -> None:
    """Write a batch's results in one transaction.

    `rejected`: (position, symbol, message); `back`: positions without a result (they stay
    pending); every other row of the batch is done, unless the batch is `aborted` (all stay
    pending). `links`: the positions of inserted rows and their new CRM Ids (two parallel lists),
    written on their recipients.
    When no row is back, the done rows are recorded as the batch's range (``done_range``),
    otherwise one by one.
    """
    by_range = state != "aborted" and not back
    with transaction(conn):
        conn.executemany("UPDATE export_rows SET state = 'rejected', batch_id = ?, error_symbol = ?, "
                         "error_message = ? WHERE run_id = ? AND position = ?",
                         ((batch["id"], symbol, message, run.id, position) for position, symbol, message in rejected))
        if state != "aborted" and back:
            conn.execute("UPDATE export_rows SET state = 'done', batch_id = ? "
                         "WHERE run_id = ? AND position BETWEEN ? AND ? AND state = 'pending' AND operation = ? "
                         "AND position NOT IN (SELECT value FROM json_each(?))",
                         (batch["id"], run.id, batch["first_position"], batch["last_position"], batch["operation"],
                          json.dumps(back)))
        if links and links[0]:
            _link(conn, run, *links)
        conn.execute("UPDATE export_batches SET state = ?, done_range = ? WHERE id = ?",
                     (state, int(by_range), batch["id"]))


def _link(conn: sqlite3.Connection, run: Run, positions: list[int], ids: list[Any]) -> None:
    """Write each inserted record's CRM Id on its recipient, in one statement (a run's position is its
    recipient's id, see start_run). Consecutive positions in order (a whole batch of consecutive recipients,
    the usual case) go as a JSON array of Ids, the n-th for the first position + n; others as a JSON object
    {position: Id}."""
    first = positions[0]
    if positions == list(range(first, first + len(positions))):
        conn.execute("UPDATE recipients SET crm_object = ?, crm_id = link.value FROM json_each(?) AS link "
                     "WHERE recipients.id = ? + link.key",
                     (run.sobject, json.dumps(ids, separators=(",", ":")), first))
    else:
        conn.execute("UPDATE recipients SET crm_object = ?, crm_id = link.value FROM json_each(?) AS link "
                     "WHERE recipients.id = CAST(link.key AS INTEGER)",
                     (run.sobject, json.dumps(dict(zip(positions, ids)), separators=(",", ":"))))


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
