"""A destination export SIGKILLed mid-run finishes on the next run with every profile updated exactly once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from connector.destination import ActivationJournal, Destination, SegmentMapping, standard_mapping
from dest_helpers import UpdateCounter, add_field, make_records, profile, served_target

HERE = Path(__file__).parent
REPO = HERE.parents[2]


@pytest.mark.parametrize("mode", ["after_response", "before_send"])
def test_a_killed_export_finishes_on_rerun_with_each_profile_updated_once(dest_server, tmp_path, mode):
    target = served_target(dest_server)
    client = target.client()
    assert add_field(client, "Contact", "Segment_A__c").status_code == 201
    ids = make_records(client, "Contact", 700)
    (tmp_path / "ids.json").write_text(json.dumps(ids))
    journal_path, log_path = tmp_path / "journal.sqlite", tmp_path / "applied.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(HERE)])}
    child = subprocess.run([sys.executable, str(HERE / "crash_child.py"), target.base, str(journal_path),
                            str(tmp_path / "ids.json"), str(log_path), mode, "2"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]

    applied = Counter()
    for line in log_path.read_text().splitlines():
        applied.update(json.loads(line))
    assert sum(applied.values()) == (400 if mode == "after_response" else 200)
    journal = ActivationJournal(journal_path)
    assert journal.pending()  # the chunk in flight was journaled before it was sent

    counter = UpdateCounter().install(target.session)
    destination = Destination.activate(client, target.config(), journal, standard_mapping("Contact"),
                                       [SegmentMapping("seg-a", "Segment_A__c")])
    report = destination.export([profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)])
    assert report.status == "success" and report.profiles_in_segments == 700
    assert report.records_updated == (300 if mode == "after_response" else 500)
    assert (report.reconciled > 0) == (mode == "after_response")
    applied.update(counter.applied)
    assert sorted(applied) == sorted(ids) and set(applied.values()) == {1}
    assert journal.pending() == []
    check = destination.export([profile(i, rid, {"seg-a": "realized"}) for i, rid in enumerate(ids)])
    assert check.records_updated == 0 and check.records_unchanged == 700
    rows = client.request("GET", "composite/sobjects/Contact",
                          params={"ids": ",".join(ids[:200]), "fields": "LastName,Segment_A__c"}).json()
    assert {(r["LastName"][:4], r["Segment_A__c"]) for r in rows} == {("Last", "realized")}
