"""The four operations against `crm-harness serve`, through the library and the `campaign` CLI verbs,
and an export killed with SIGKILL (or stopped by a 5xx burst) then restarted: every record exactly once
(CON-CAMP-1)."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FAST_RETRY, add_recipients, table

from connector.campaign_sync import (
    ConfigurationError,
    DeletedSpec,
    DeleteSpec,
    DeletionWindowError,
    ExportSpec,
    ImportSpec,
    open_db,
    run_delete,
    run_deleted_import,
    run_export,
    run_import,
)
from connector.salesforce import SalesforceClient
from emulator.testing import serve_subprocess

ROOT = Path(__file__).resolve().parents[3]
CREDENTIALS = {"SF_CLIENT_ID": "harness-client-id", "SF_CLIENT_SECRET": "harness-client-secret",
               "SF_USERNAME": "admin@example.com", "SF_PASSWORD": "password123", "SF_SECURITY_TOKEN": "TOKEN123"}


class Served:
    """One running server, reset per test, with its admin calls and a logged-in connector client."""

    def __init__(self, server) -> None:
        self.base_url, self.process = server.base_url, server.process
        self.admin_headers = {"X-Admin-Token": server.admin_token}
        self.client: SalesforceClient | None = None

    def admin(self, method: str, path: str, body=None):
        import requests
        response = requests.request(method, f"{self.base_url}/__emulator{path}", json=body,
                                    headers=self.admin_headers, timeout=30)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def now(self) -> datetime:
        return datetime.fromisoformat(self.admin("GET", "/clock")["now"].replace("Z", "+00:00"))

    def login(self) -> SalesforceClient:
        self.client = SalesforceClient.login_password(self.base_url, CREDENTIALS["SF_CLIENT_ID"],
                                                      CREDENTIALS["SF_CLIENT_SECRET"], CREDENTIALS["SF_USERNAME"],
                                                      CREDENTIALS["SF_PASSWORD"], CREDENTIALS["SF_SECURITY_TOKEN"],
                                                      retry=FAST_RETRY)
        return self.client

    def count(self, where: str = "") -> int:
        return self.client.query_page(f"SELECT count() FROM Contact {where}")["totalSize"]

    def cli(self, *args: str, db: Path, harness: bool = False) -> subprocess.CompletedProcess:
        """Run a verb through `python -m connector.campaign_sync.cli` (or `crm-harness campaign`)."""
        entry = ["crm_harness", "campaign"] if harness else ["connector.campaign_sync.cli"]
        return subprocess.run([sys.executable, "-m", *entry, *args, "--db", str(db),
                               "--login-url", self.base_url, "--now", self.now().isoformat()],
                              capture_output=True, text=True, cwd=ROOT, env={**os.environ, **CREDENTIALS},
                              timeout=120)

    def cli_popen(self, *args: str, db: Path) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "connector.campaign_sync.cli", *args, "--db", str(db),
                                 "--login-url", self.base_url, "--now", self.now().isoformat()],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                env={**os.environ, **CREDENTIALS})


@pytest.fixture(scope="module")
def server():
    with serve_subprocess() as running:
        yield running


@pytest.fixture
def served(server) -> Served:
    s = Served(server)
    s.admin("DELETE", "/faults")
    s.admin("POST", "/reset")
    s.admin("POST", "/clock", {"freeze": True, "set": "2030-03-01T09:00:00Z"})
    s.login()
    return s


def test_every_operation_through_the_library_against_serve(served, db):
    sf = served.client
    ids = [sf.create("Contact", {"LastName": f"Serve {i}", "Email": f"s{i}@example.com"}) for i in range(4)]
    served.admin("POST", "/clock", {"advance": "5m"})
    spec = ImportSpec("imp", "Contact", ["LastName", "Email"], filter="Email IS NOT NULL")
    assert run_import(sf, db, spec, now=served.now).rows_read == 4
    served.admin("POST", "/clock", {"advance": "1h"})
    sf.update("Contact", ids[2], {"LastName": "Updated"})
    served.admin("POST", "/clock", {"advance": "1m"})
    again = run_import(sf, db, spec, now=served.now)
    assert again.rows_read == 1 and len(table(db, "recipients")) == 4

    add_recipients(db, [{"LastName": "Exported", "Email": "e@example.com"}])
    exported = run_export(sf, db, ExportSpec("exp", "Contact", ["LastName", "Email"], key="crm_id",
                                             poll_interval=0.01), now=served.now)
    assert (exported.inserted, exported.updated, served.count()) == (1, 4, 5)

    removed = run_delete(sf, db, DeleteSpec("del", "Contact", ids=[ids[0], ids[0]]), now=served.now)
    assert removed.deleted == 1 and removed.rejects[0].error_symbol in ("ENTITY_IS_DELETED", "INVALID_ID_FIELD",
                                                                      "INVALID_CROSS_REFERENCE_KEY")
    served.admin("POST", "/clock", {"advance": "2m"})
    gone = run_deleted_import(sf, db, DeletedSpec("deleted", "Contact", "2030/03/01"), now=served.now)
    assert gone.rows_read == 1 and table(db, "crm_deleted")[0]["crm_id"] == ids[0]

    with pytest.raises(ConfigurationError, match="unknown remote field"):
        run_import(sf, db, ImportSpec("bad", "Contact", ["Nope__c"]), now=served.now)
    served.admin("POST", "/clock", {"advance": "31d"})
    with pytest.raises(DeletionWindowError, match="more than 30 days"):
        run_deleted_import(sf, db, DeletedSpec("deleted", "Contact", "2030/03/01"), now=served.now)


def test_cli_verbs_against_serve_success_and_failures(served, tmp_path):
    db_path = tmp_path / "qa.db"
    sf = served.client
    sf.create("Contact", {"LastName": "Cli", "Email": "cli@example.com"})
    served.admin("POST", "/clock", {"advance": "1m"})
    ok = served.cli("import", "--activity", "qa", "--object", "Contact", "--field", "LastName=last",
                    "--filter", "LastActivityDate > date(2012, 11, 1) OR Email IS NOT NULL", db=db_path,
                    harness=True)  # through `crm-harness campaign`
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert result["status"] == "ok" and result["rowsRead"] == 1
    assert result["variables"]["crmOptionName"] == "LASTIMPORT_default_qa"
    assert "password123" not in ok.stdout + ok.stderr

    broken = served.cli("import", "--activity", "qa2", "--object", "Contact", "--field", "LastName",
                        "--filter", "LastName = 'Cli' AND Email IS NULL OR Email = 3", db=db_path)
    assert broken.returncode == 2 and "ONE_OPERATOR_PER_LEVEL" in broken.stderr
    conn = open_db(db_path)
    assert len(table(conn, "recipients")) == 1 and len(table(conn, "options")) == 1
    add_recipients(conn, [{"last": "Fresh"}, {"last": None}])
    conn.close()

    exported = served.cli("export", "--activity", "qa-exp", "--object", "Contact", "--map", "LastName=last",
                          "--key", "crm_id", "--poll-interval", "0.01", db=db_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["status"] == "rejects"
    assert "warning: export rejected column LastName" in exported.stderr
    assert served.count() == 2

    deleted = served.cli("delete", "--activity", "qa-del", "--object", "Contact", db=db_path)
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["deleted"] == 2 and served.count() == 0
    too_old = served.cli("deleted", "--activity", "qa-d", "--object", "Contact", "--start", "2030/01/01", db=db_path)
    assert too_old.returncode == 2 and "more than 30 days ago" in too_old.stderr

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"\x00garbage" * 100)
    refused = served.cli("import", "--activity", "qa", "--object", "Contact", "--field", "LastName", db=corrupt)
    assert refused.returncode == 2 and "not an SQLite database" in refused.stderr
    assert corrupt.read_bytes() == b"\x00garbage" * 100


def _journal_states(db_path: Path) -> tuple[list[str], list[str]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        batches = [r[0] for r in conn.execute("SELECT state FROM export_batches ORDER BY rowid")]
        rows = [r[0] for r in conn.execute("SELECT state FROM export_journal")]
    except sqlite3.OperationalError:
        return [], []
    finally:
        conn.close()
    return batches, rows


def _kill_when(process: subprocess.Popen, ready, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never reached the point where it is killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("stage", ["before_upload_complete", "after_job_processed"])
def test_export_killed_with_sigkill_then_restarted_exports_every_record_once(served, tmp_path, stage):
    db_path = tmp_path / "kill.db"
    conn = open_db(db_path)
    add_recipients(conn, [{"last": f"Killed {i:03d}", "email": f"k{i}@example.com"} for i in range(120)])
    conn.close()
    if stage == "before_upload_complete":  # the process sits in the CSV upload of the first job
        served.admin("POST", "/faults", {"path": "*/jobs/ingest/*/batches", "latency_ms": 10000, "times": 1})
    else:  # the first job is processed by Salesforce, its results never recorded
        served.admin("POST", "/faults", {"path": "*/successfulResults*", "latency_ms": 10000, "times": 1})
    args = ("export", "--activity", "kill", "--object", "Contact", "--map", "LastName=last", "--map",
            "Email=email", "--batch-size", "40", "--poll-interval", "0.01")
    process = served.cli_popen(*args, db=db_path)

    def ready() -> bool:
        batches, _rows = _journal_states(db_path)
        if stage == "before_upload_complete":
            return batches == ["sent"]
        # the job info was read after closing it: Salesforce processed the job at that read
        paths = [(e["method"], e["path"]) for e in served.admin("GET", "/journal")["entries"]]
        closed = [i for i, (method, path) in enumerate(paths) if method == "PATCH" and "/jobs/ingest/" in path]
        return batches == ["sent"] and bool(closed) and any(
            method == "GET" and re.search(r"/jobs/ingest/750\w+$", path) for method, path in paths[closed[0]:])

    _kill_when(process, ready)
    batches, rows = _journal_states(db_path)
    assert batches == ["sent"] and rows.count("done") == 0
    assert served.count() == (0 if stage == "before_upload_complete" else 40)

    served.admin("DELETE", "/faults")
    restarted = served.cli(*args, db=db_path)
    assert restarted.returncode == 0, restarted.stderr
    outcome = json.loads(restarted.stdout)
    assert outcome["variables"]["resumed"] == "true" and outcome["inserted"] == 120
    assert served.count("WHERE LastName LIKE 'Killed %'") == 120
    names = [r["LastName"] for r in served.client.query("SELECT LastName FROM Contact")]
    assert len(names) == len(set(names)) == 120
    conn = open_db(db_path)
    journal = table(conn, "export_journal")
    assert len(journal) == 120 and {r["state"] for r in journal} == {"done"}
    linked = {r["crm_id"] for r in table(conn, "recipients")}
    assert len(linked) == 120 and linked == {r["Id"] for r in served.client.query("SELECT Id FROM Contact")}
    first_batch = table(conn, "export_batches")[0]["state"]
    assert first_batch == ("aborted" if stage == "before_upload_complete" else "done")
    conn.close()


def test_export_stopped_by_a_5xx_burst_then_restarted_exports_every_record_once(served, tmp_path):
    db_path = tmp_path / "burst.db"
    conn = open_db(db_path)
    add_recipients(conn, [{"last": f"Burst {i:03d}"} for i in range(50)])
    conn.close()
    args = ("export", "--activity", "burst", "--object", "Contact", "--map", "LastName=last", "--batch-size", "20",
            "--poll-interval", "0.01", "--retries", "2", "--retry-delay", "0")
    served.admin("POST", "/faults", {"path": "*/jobs/ingest/*", "method": "GET", "drop": 6})
    stopped = served.cli(*args, db=db_path)
    assert stopped.returncode == 3 and json.loads(stopped.stdout)["status"] == "error"
    served.admin("DELETE", "/faults")
    restarted = served.cli(*args, db=db_path)
    assert restarted.returncode == 0, restarted.stderr
    assert served.count("WHERE LastName LIKE 'Burst %'") == 50
    conn = open_db(db_path)
    done = [r for r in table(conn, "export_journal") if r["state"] == "done"]
    linked = {r["crm_id"] for r in table(conn, "recipients")}
    assert len(done) == 50 and len(linked) == 50 and None not in linked
    assert table(conn, "process_errors")[0]["error_code"] == "SERVER_UNAVAILABLE"
    conn.close()
