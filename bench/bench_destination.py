"""Seed 000's destination: activation of N profiles (default 100 000) into Contacts vs the floor (CON-DEST-1).

Two emulators with the same N Contacts and a Mapping-ID field. The floor
sends the N updates (the mapped attributes and the segment status) as raw
``PATCH /composite/sobjects`` calls of 200, with no destination logic. The
activation runs :class:`connector.destination.Destination` over N XDM
profiles: mapping, diff against its SQLite journal (a file), intent written
before each chunk, confirmation after. Target: activation <= 1.5 x floor.
Prints both; asserts nothing. ``python bench/bench_destination.py [N]``.
"""
from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.destination import (ActivationJournal, Destination, DestinationConfig,  # noqa: E402
                                   SalesforceCredentials, SegmentMapping, standard_mapping)
from connector.salesforce import SalesforceClient  # noqa: E402
from emulator.testing import demo_session  # noqa: E402

BASE = "https://harness.my.salesforce.com/services/data/v59.0"
TARGET = 1.5


def prepared(count: int):
    """A fresh in-process org with `count` Contacts and the Segment_A__c field; (session, headers, ids)."""
    session, headers = demo_session()
    field = {"FullName": "Contact.Segment_A__c",
             "Metadata": {"type": "LongTextArea", "length": 32768, "visibleLines": 3, "label": "Segment A"}}
    assert session.post(f"{BASE}/tooling/sobjects/CustomField", headers=headers, json=field).status_code == 201
    ids: list[str] = []
    for start in range(0, count, 200):
        batch = [{"attributes": {"type": "Contact"}, "LastName": f"Old{i}"} for i in range(start, min(count, start + 200))]
        ids += [r["id"] for r in session.post(f"{BASE}/composite/sobjects", headers=headers,
                                              json={"records": batch}).json()]
    return session, headers, ids


def profiles(ids: list[str]) -> list[dict]:
    return [{"id": f"p{i}", "identityMap": {"crmID": [{"id": rid}]},
             "person": {"name": {"firstName": f"First{i}", "lastName": f"Last{i}"}},
             "personalEmail": {"address": f"p{i}@example.com"},
             "segmentMembership": {"ups": {"seg-a": {"status": "realized"}}}} for i, rid in enumerate(ids)]


def floor(count: int) -> float:
    session, headers, ids = prepared(count)
    records = [{"attributes": {"type": "Contact"}, "Id": rid, "LastName": f"Last{i}", "FirstName": f"First{i}",
                "Email": f"p{i}@example.com", "Segment_A__c": "realized"} for i, rid in enumerate(ids)]
    gc.collect()
    start = time.perf_counter()
    for at in range(0, count, 200):
        response = session.patch(f"{BASE}/composite/sobjects", headers=headers,
                                 json={"allOrNone": False, "records": records[at:at + 200]})
        assert response.status_code == 200
    return time.perf_counter() - start


def activation(count: int, folder: str) -> float:
    session, headers, ids = prepared(count)
    token = headers["Authorization"].split()[1]
    client = SalesforceClient("https://harness.my.salesforce.com", token, session=session)
    creds = SalesforceCredentials(password="x", custom_domain="harness", client_id="harness-client-id",
                                  client_secret="x", username="admin@example.com")
    config = DestinationConfig(creds, "Contact")
    items = profiles(ids)
    gc.collect()
    start = time.perf_counter()
    destination = Destination.activate(client, config, ActivationJournal(Path(folder) / "journal.sqlite"),
                                       standard_mapping("Contact"), [SegmentMapping("seg-a", "Segment_A__c")])
    report = destination.export(items)
    elapsed = time.perf_counter() - start
    assert report.records_updated == count and report.status == "success", report.as_dict()
    return elapsed


def phase(name: str, count: int) -> float:
    """Run one phase in its own process, so neither pays for the other's heap."""
    out = subprocess.run([sys.executable, __file__, "--phase", name, str(count)], check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        count = int(sys.argv[3])
        if sys.argv[2] == "floor":
            print(floor(count))
        else:
            with tempfile.TemporaryDirectory() as folder:
                print(activation(count, folder))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    floor_s = phase("floor", count)
    activation_s = phase("activation", count)
    ratio = activation_s / floor_s
    print(f"floor: {count} updates as raw Collections calls   {floor_s:8.2f} s")
    print(f"activation of {count} profiles into Contacts      {activation_s:8.2f} s")
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x): {'OK' if ratio <= TARGET else 'OVER'}")


if __name__ == "__main__":
    main()
