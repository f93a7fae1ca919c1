"""What one run of an operation produced: counts, rejects, warnings, process errors, variables."""
from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("connector.campaign_sync")
_BULK_ERROR = re.compile(r"^(?P<symbol>[A-Z_]+):(?P<message>.*?)(?::(?P<fields>[^:]*?)\s*--)?$", re.S)


@dataclass
class Reject:
    """A record Salesforce (or a conversion) refused: the seed's errorSymbol and errorMessage."""

    error_symbol: str
    error_message: str
    columns: list[str] = field(default_factory=list)
    recipient_id: int | None = None
    crm_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"errorSymbol": self.error_symbol, "errorMessage": self.error_message, "columns": self.columns,
                "recipientId": self.recipient_id, "crmId": self.crm_id}


@dataclass
class Outcome:
    """The result of one run. `status` is ok, rejects (some rows refused) or error (a process error)."""

    operation: str
    activity: str
    processed: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    rows_read: int = 0
    pending: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    process_errors: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    soql: str | None = None

    @property
    def status(self) -> str:
        if self.process_errors:
            return "error"
        return "rejects" if self.rejects else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "operation": self.operation, "activity": self.activity,
                "processed": self.processed, "inserted": self.inserted, "updated": self.updated,
                "deleted": self.deleted, "rowsRead": self.rows_read, "pending": self.pending,
                "rejects": [r.as_dict() for r in self.rejects], "warnings": self.warnings,
                "processErrors": self.process_errors, "variables": self.variables, "soql": self.soql}

    def reject(self, reject: Reject) -> None:
        """Keep a reject and warn once per rejected column (even when rejects are not processed)."""
        self.rejects.append(reject)
        for column in reject.columns or [None]:
            text = (f"{self.operation} rejected {'column ' + column + ' of ' if column else ''}"
                    f"{'recipient ' + str(reject.recipient_id) if reject.recipient_id is not None else reject.crm_id}"
                    f": {reject.error_symbol}: {reject.error_message}")
            self.warnings.append(text)
            log.warning(text)


def parse_bulk_error(text: str) -> Reject:
    """A Bulk API 2.0 `sf__Error` cell (`CODE:message:Field1,Field2 --`) as a reject."""
    match = _BULK_ERROR.match(text.strip())
    if not match:
        return Reject("UNKNOWN_EXCEPTION", text)
    fields = [f.strip() for f in (match.group("fields") or "").split(",") if f.strip()]
    return Reject(match.group("symbol"), match.group("message").strip(), fields)


def from_collection_errors(errors: list[dict[str, Any]]) -> Reject:
    """A failed sObject Collections result's errors as one reject (first error's code)."""
    first = errors[0] if errors else {}
    columns = [f for e in errors for f in (e.get("fields") or [])]
    message = "; ".join(e.get("message", "") for e in errors) or "unknown error"
    return Reject(first.get("statusCode", "UNKNOWN_EXCEPTION"), message, columns)


def store_rejects(conn: sqlite3.Connection, activity: str, operation: str, rejects: list[Reject]) -> None:
    """Write rejects to the reject table (the seed's reject transition; inside a transaction)."""
    conn.executemany(
        "INSERT INTO rejects (activity, operation, recipient_id, crm_id, columns, error_symbol, error_message) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(activity, operation, r.recipient_id, r.crm_id, json.dumps(r.columns), r.error_symbol, r.error_message)
         for r in rejects])


def store_process_error(conn: sqlite3.Connection, outcome: Outcome, error: BaseException, pending: int) -> dict:
    """Record a process error (its own transaction) and add it to the outcome."""
    entry = {"type": type(error).__name__, "errorCode": getattr(error, "error_code", None), "message": str(error),
             "rowsPending": pending}
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO process_errors (activity, operation, error_type, error_code, message, rows_pending)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (outcome.activity, outcome.operation, entry["type"],
                                                    entry["errorCode"], entry["message"], pending))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    outcome.process_errors.append(entry)
    outcome.pending = pending
    return entry


def process_failure(conn: sqlite3.Connection, outcome: Outcome, error: BaseException, pending: int,
                    handled: bool, message: str) -> Outcome:
    """The seed's "process errors" outcome: recorded when `handled`, else raised as `ProcessError`."""
    from .errors import ProcessError
    if not handled:
        raise ProcessError(f"{message}: {error}", outcome) from error
    store_process_error(conn, outcome, error, pending)
    return outcome
