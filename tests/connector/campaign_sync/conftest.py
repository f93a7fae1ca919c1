"""Fixtures of the Campaign-style sync tests (CON-CAMP-1): a local database, a frozen emulator clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from connector.campaign_sync import open_db, transaction
from connector.salesforce import RetryPolicy


def no_sleep(_seconds: float) -> None:
    """Polling and retry waits never sleep in these tests."""


FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0, sleep=no_sleep)


@pytest.fixture
def db(tmp_path):
    conn = open_db(tmp_path / "campaign.db")
    yield conn
    conn.close()


@pytest.fixture
def clock(crm_emulator):
    """The emulator clock, frozen at 2030-03-01 09:00:00 UTC."""
    clock = crm_emulator.clock
    clock.freeze()
    clock.set(datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc))
    return clock


@pytest.fixture
def sf(salesforce):
    """The logged-in connector client with a retry policy that does not sleep."""
    salesforce.retry = FAST_RETRY
    return salesforce


def add_recipients(conn, rows: list[dict], **columns) -> list[int]:
    """Insert local recipients; returns their ids."""
    ids = []
    with transaction(conn):
        for row in rows:
            cursor = conn.execute("INSERT INTO recipients (crm_object, crm_id, data) VALUES (?, ?, ?)",
                                  (columns.get("crm_object"), columns.get("crm_id"), json.dumps(row)))
            ids.append(cursor.lastrowid)
    return ids


def table(conn, name: str) -> list[dict]:
    order = "run_id, position" if name == "export_journal" else "rowid"
    return [dict(r) for r in conn.execute(f"SELECT * FROM {name} ORDER BY {order}")]


def later(clock, **delta) -> None:
    clock.advance(timedelta(**delta))
