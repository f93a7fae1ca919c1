"""Flow Service run benchmark (SPEC AEP-FS-6). Prints figures only; no assertions.

1. One run ingesting N Contacts (default 100 000) end to end — SOAP login, query +
   queryMore through the emulated Salesforce REST API, the mapping set, one Catalog
   batch — against the connector's plain ``SalesforceClient.query`` of the same rows
   over the same in-process transport. Target: run <= 2x the plain export.
2. A clock jump over S schedule slots (1 000, then 10 000) spread over 10 incremental
   flows on 10 000 Contacts that do not change: each slot is one selective query on
   ``LastModifiedDate`` served by the index, so the cost per slot stays flat.
   Target: per-slot cost at 10 000 slots <= 1.2x the per-slot cost at 1 000.

Times are CPU seconds of this process (``time.process_time``): everything runs in
process on one thread, and CPU time does not count what other processes on a
shared machine take.

    python bench/bench_aep_runs.py [--contacts 100000] [--idle-contacts 10000]
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "emulator" / "aep"))

from aep_flow_helpers import build_pipeline, seed_flow  # noqa: E402
from aep_helpers import Flow, ims_token  # noqa: E402
from aep_platform_helpers import Platform  # noqa: E402
from connector.salesforce import SalesforceClient  # noqa: E402
from emulator.app import create_app  # noqa: E402
from emulator.core.ids import checksum_suffix, encode62  # noqa: E402
from emulator.core.transport import session_for  # noqa: E402
from emulator.pytest_plugin import fresh_emulator  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
QUARTER = 15 * 60
SOQL = "SELECT FirstName, LastName, Email, LastModifiedDate FROM Contact"


class Harness:
    """A frozen-clock emulator with N Contacts loaded straight into the org's store (no HTTP)."""

    def __init__(self, contacts: int) -> None:
        self.emulator = fresh_emulator(seed=3)
        self.emulator.clock.freeze()
        self.emulator.clock.set(START - timedelta(hours=1))
        data = self.emulator.salesforce.default_org()
        data.org.config.daily_api_limit = 10_000_000
        user_id = next(iter(data.org.users.values())).id
        store = data.store("Contact")
        for i in range(contacts):
            moment = START - timedelta(hours=2, seconds=contacts - i)
            id15 = "003Hs0" + encode62(i, 9)
            store.insert({"Id": id15 + checksum_suffix(id15), "IsDeleted": False, "CreatedDate": moment,
                          "LastModifiedDate": moment, "SystemModstamp": moment, "CreatedById": user_id,
                          "LastModifiedById": user_id, "OwnerId": user_id, "FirstName": f"First{i}",
                          "LastName": f"Last{i}", "Name": f"First{i} Last{i}", "Email": f"p{i}@example.com"})
        self.session = session_for(create_app(self.emulator))
        token = ims_token(self.session)
        self.flow = Flow(self.session, token)
        self.platform = Platform(self.session, token)

    def flows(self, count: int) -> list[str]:
        pipe = build_pipeline(self.flow, self.platform)
        schedule = {"startTime": str(int(START.timestamp())), "frequency": "minute", "interval": "15"}
        ids = []
        for index in range(count):
            body = {**seed_flow(pipe.source_id, pipe.target_id, pipe.mapping_id, schedule=schedule),
                    "name": f"flow {index}"}
            response = self.flow.post("flows", json=body)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        return ids

    def timed_tick(self) -> float:
        """One request after the clock moved (a new IMS token: the old one may have expired in a long
        jump); the front dispatcher's tick runs every due slot inside it."""
        gc.collect()
        gc.freeze()  # the setup's objects (and earlier harnesses') are not what is measured
        try:
            started = time.process_time()
            token = ims_token(self.session)
            elapsed = time.process_time() - started
        finally:
            gc.unfreeze()
        self.flow = Flow(self.session, token)
        return elapsed

    def runs(self) -> list[dict]:
        return list(self.emulator.aep.sandbox("HARNESS@AdobeOrg", "prod").flowservice.runs.items.values())


def bench_full_run(contacts: int) -> None:
    harness = Harness(contacts)
    harness.emulator.clock.set(START)
    harness.flows(1)
    run_seconds = harness.timed_tick()
    run = harness.runs()[0]
    assert run["metrics"]["recordSummary"]["outputRecordCount"] == contacts, run["metrics"]
    client = SalesforceClient.login_password("https://login.salesforce.com", "harness-client-id",
                                             "harness-client-secret", "admin@example.com", "password123",
                                             "TOKEN123", session=harness.session)
    gc.collect()
    started = time.process_time()
    exported = sum(1 for _ in client.query(SOQL))
    export_seconds = time.process_time() - started
    assert exported == contacts
    print(f"run ingesting {contacts} Contacts: {run_seconds:.2f} CPU s; connector query of the same rows: "
          f"{export_seconds:.2f} CPU s; ratio {run_seconds / export_seconds:.2f}x (target <= 2x)")


def idle_jump(slots: int, contacts: int, flows: int, count_calls: bool = False) -> float:
    """CPU seconds per slot of one clock jump over ``slots`` slots of ``flows`` idle flows
    (with ``count_calls``: Python function calls per slot instead, a load-independent figure)."""
    harness = Harness(contacts)
    harness.emulator.clock.set(START)
    harness.flows(flows)
    harness.timed_tick()  # the first slot of each flow: the backfill, not measured
    per_flow = slots // flows
    harness.emulator.clock.set(START + timedelta(seconds=per_flow * QUARTER))
    if count_calls:
        profile = cProfile.Profile()
        profile.enable()
        harness.timed_tick()
        profile.disable()
        return pstats.Stats(profile).total_calls / slots
    seconds = harness.timed_tick()
    fired = len(harness.runs()) - flows
    assert fired == per_flow * flows, fired
    assert all(r["metrics"]["recordSummary"]["inputRecordCount"] == 0 for r in harness.runs()[flows:])
    return seconds / fired


def bench_idle_slots(slots: int, contacts: int, flows: int = 10, repeat: int = 2) -> float:
    """The best of ``repeat`` jumps (the machine may be shared)."""
    per_slot = min(idle_jump(slots, contacts, flows) for _ in range(repeat))
    print(f"clock jump over {slots} slots ({flows} flows, {contacts} unchanged Contacts): "
          f"{per_slot * slots:.2f} CPU s, {per_slot * 1e6:.0f} us per slot (best of {repeat})")
    return per_slot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--idle-contacts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--count-calls", action="store_true",
                        help="also count Python calls per idle slot at 1 000 and 10 000 slots (slow, exact)")
    args = parser.parse_args()
    bench_full_run(args.contacts)
    small = bench_idle_slots(1_000, args.idle_contacts, repeat=args.repeat)
    large = bench_idle_slots(10_000, args.idle_contacts, repeat=args.repeat)
    print(f"per-slot cost 10 000 / 1 000 slots: {large / small:.2f}x (target <= 1.2x)")
    if args.count_calls:
        calls = [idle_jump(n, args.idle_contacts, 10, count_calls=True) for n in (1_000, 10_000)]
        print(f"Python calls per idle slot: {calls[0]:.0f} at 1 000 slots, {calls[1]:.0f} at 10 000 "
              f"({calls[1] / calls[0]:.3f}x)")


if __name__ == "__main__":
    main()
