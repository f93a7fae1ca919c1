"""serve --data under load, killed with SIGKILL at random moments: every acknowledged write survives,
nothing unacknowledged is half there, the file passes SQLite's integrity check. Plus the snapshot CLI
and the start-up refusals, against real subprocesses."""
from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from emulator.testing import serve_subprocess

LOGIN_FORM = {"grant_type": "password", "client_id": "harness-client-id",
              "client_secret": "harness-client-secret", "username": "admin@example.com",
              "password": "password123TOKEN123"}
WRITERS = 16
KILLS = 5
BATCH = 3  # records per composite write: all of them or none may survive


def _login(base: str) -> dict:
    answer = requests.post(f"{base}/services/oauth2/token", data=LOGIN_FORM, timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


class Writer(threading.Thread):
    """Writes until the server dies; remembers what the server acknowledged."""

    def __init__(self, base: str, auth: dict, number: int, round_: int) -> None:
        super().__init__(daemon=True)
        self.base, self.auth, self.number, self.round = base, auth, number, round_
        self.acknowledged: dict[str, dict] = {}  # id -> the fields written
        self.batches: list[list[str]] = []  # names of each composite write that was acknowledged

    def run(self) -> None:
        session = requests.Session()
        for n in range(10_000):
            name = f"R{self.round}W{self.number}N{n}"
            try:
                if n % 4 == 3:  # one request writing BATCH records, all or none
                    names = [f"{name}B{i}" for i in range(BATCH)]
                    answer = session.post(f"{self.base}/services/data/v59.0/composite/sobjects", headers=self.auth,
                                          json={"allOrNone": True, "records": [
                                              {"attributes": {"type": "Contact"}, "LastName": item,
                                               "Email": f"{item.lower()}@example.com"} for item in names]},
                                          timeout=10)
                    if answer.status_code == 200:
                        self.batches.append(names)
                    continue
                fields = {"LastName": name, "FirstName": f"F{n}", "Email": f"{name.lower()}@example.com"}
                answer = session.post(f"{self.base}/services/data/v59.0/sobjects/Contact", headers=self.auth,
                                      json=fields, timeout=10)
            except requests.RequestException:
                return  # the server is gone: what it did not answer was not acknowledged
            if answer.status_code == 201:
                self.acknowledged[answer.json()["id"]] = fields


def _contacts(base: str, auth: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}
    url = f"{base}/services/data/v59.0/query"
    answer = requests.get(url, headers=auth, params={
        "q": "SELECT Id, FirstName, LastName, Email FROM Contact WHERE LastName LIKE 'R%'"}, timeout=30).json()
    while True:
        for record in answer["records"]:
            found[record["Id"]] = record
        if answer["done"]:
            return found
        answer = requests.get(f"{base}{answer['nextRecordsUrl']}", headers=auth, timeout=30).json()


@pytest.mark.slow
def test_sigkill_under_16_writers_loses_no_acknowledged_write(tmp_path):
    data = tmp_path / "state.db"
    rng = random.Random(20261129)
    acknowledged: dict[str, dict] = {}
    batches: list[list[str]] = []
    auth = None
    for round_ in range(KILLS):
        with serve_subprocess("--threads", str(WRITERS), "--data", str(data)) as server:
            auth = auth or _login(server.base_url)  # the first round's session token is itself durable state
            writers = [Writer(server.base_url, auth, number, round_) for number in range(WRITERS)]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(0.4, 1.5))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
        for writer in writers:
            writer.join(timeout=20)
            acknowledged.update(writer.acknowledged)
            batches.extend(writer.batches)
        assert sqlite3.connect(data).execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    with serve_subprocess("--data", str(data)) as server:
        stored = _contacts(server.base_url, auth)
    assert len(acknowledged) > 50, "the writers made too few writes to prove anything"
    missing = [record_id for record_id in acknowledged if record_id not in stored]
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:3]}"
    for record_id, fields in acknowledged.items():
        assert {k: stored[record_id][k] for k in fields} == fields
    by_name: dict[str, dict] = {record["LastName"]: record for record in stored.values()}
    for record in stored.values():  # acknowledged or not, every stored write is whole
        name = record["LastName"]
        assert record["Email"] == f"{name.lower()}@example.com"
        if "B" not in name:
            assert record["FirstName"] == f"F{name.split('N')[-1]}"
    for names in batches:
        assert all(name in by_name for name in names)
    partial = {name.rsplit("B", 1)[0] for name in by_name if "B" in name}
    for stem in partial:  # an unacknowledged batch is there whole or not at all
        assert all(f"{stem}B{i}" in by_name for i in range(BATCH)), stem


def test_snapshot_cli_saves_and_loads_a_running_servers_state(tmp_path):
    with serve_subprocess() as server:
        auth = _login(server.base_url)
        contacts = f"{server.base_url}/services/data/v59.0/sobjects/Contact"
        assert requests.post(contacts, headers=auth, json={"LastName": "RSnap"}, timeout=10).status_code == 201
        cli = [sys.executable, "-m", "crm_harness", "snapshot"]
        common = ["--url", server.base_url, "--admin-token", server.admin_token, "--passphrase", "demo pass"]
        file = tmp_path / "demo.snapshot"
        saved = subprocess.run([*cli, "save", str(file), *common], capture_output=True, text=True, timeout=60)
        assert saved.returncode == 0, saved.stderr
        assert requests.post(contacts, headers=auth, json={"LastName": "RLater"}, timeout=10).status_code == 201

        wrong = subprocess.run([*cli, "load", str(file), *common[:4], "--passphrase", "nope"],
                               capture_output=True, text=True, timeout=60)
        assert wrong.returncode != 0 and "passphrase does not open" in wrong.stderr
        no_token = subprocess.run([*cli, "load", str(file), "--url", server.base_url, "--passphrase", "x"],
                                  capture_output=True, text=True, timeout=60)
        assert no_token.returncode != 0 and "401" in no_token.stderr
        loaded = subprocess.run([*cli, "load", str(file), *common], capture_output=True, text=True, timeout=60)
        assert loaded.returncode == 0, loaded.stderr
        names = {r["LastName"] for r in _contacts(server.base_url, auth).values()}
        assert "RSnap" in names and "RLater" not in names


def test_serve_refuses_a_foreign_data_file_and_warns_on_a_non_loopback_host(tmp_path):
    foreign = tmp_path / "notes.db"
    foreign.write_text("my notes")
    refused = subprocess.run([sys.executable, "-m", "crm_harness", "serve", "--port", "0", "--data", str(foreign)],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "not a crm-harness state file" in refused.stderr
    assert foreign.read_text() == "my notes"
    with serve_subprocess("--host", "0.0.0.0") as server:
        assert server.output[0].startswith("WARNING: binding 0.0.0.0"), server.output[0]
        answer = requests.get(f"{server.base_url.replace('0.0.0.0', '127.0.0.1')}/__emulator/state", timeout=10)
        assert answer.status_code == 401  # the admin API wants the token in server mode


@pytest.mark.slow
def test_the_stateful_scenarios_pass_against_a_durable_server_and_its_file_reloads(tmp_path):
    """Every kind of state the library makes (bulk jobs, cursors, flows, runs, journals…) saves and loads."""
    data = tmp_path / "state.db"
    root = Path(__file__).resolve().parents[3]
    with serve_subprocess("--data", str(data)) as server:
        # the folders whose scenarios leave the most kinds of state: bulk jobs, cursors, custom fields, deletions,
        # flows, runs, datasets, profiles, destination journals, the campaign's exports (tests/scenarios runs all)
        folders = [f"scenarios/library/{name}" for name in ("aep", "salesforce/data", "seed000_destination",
                                                            "seed003_campaign_sync")]
        run = subprocess.run([sys.executable, "-m", "crm_harness", "run", *folders, "--server", server.base_url,
                              "--admin-token", server.admin_token, "-q"], cwd=root, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        answer = requests.get(f"{server.base_url}/__emulator/state", headers={"X-Admin-Token": server.admin_token},
                              timeout=10).json()
    with serve_subprocess("--data", str(data)) as again:
        reloaded = requests.get(f"{again.base_url}/__emulator/state", headers={"X-Admin-Token": again.admin_token},
                                timeout=10).json()
    for body in (answer, reloaded):
        body.pop("clock")
    assert reloaded == answer
