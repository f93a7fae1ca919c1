"""Dashboard benchmark (issue 14): every page rendered with 100 000 Contacts loaded. Prints figures only.

Loads N Contacts (default 100 000) straight into the demo org's store (as bench_soql does), a few Accounts,
two custom fields, the seed-004 source flow through the connector with one run that ingests every Contact
into its dataset, and a full request journal (2 000 entries); then renders each dashboard page through the
in-process app (Flask's test client: the front dispatcher, the tick, the journal, Jinja) and prints the
median of ``--repeat`` renders per page, wall-clock and CPU time of this process (CPU time does not count
what other processes on a shared machine take). Target: every page < 300 ms.

    python bench/bench_dashboard.py [--contacts 100000] [--repeat 7]
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.flowservice import AepClient, SourcePipeline, SourcePipelineConfig  # noqa: E402
from emulator.app import create_app  # noqa: E402
from emulator.core.ids import checksum_suffix, encode62  # noqa: E402
from emulator.core.transport import session_for  # noqa: E402
from emulator.pytest_plugin import fresh_emulator  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Ada", "Grace")
LAST = ("Johnson", "Smith", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
        "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Lee", "Harris", "Clark", "Lovelace", "Hopper")
TARGET_MS = 300


def load(contacts: int):
    emulator = fresh_emulator(seed=3)
    emulator.clock.freeze()
    emulator.clock.set(START - timedelta(hours=1))
    data = emulator.salesforce.default_org()
    data.org.config.daily_api_limit = 10_000_000
    emulator.add_custom_field("Contact", "Mapping_Id__c", type="LongTextArea", length=32768, visibleLines=3)
    emulator.add_custom_field("Contact", "Loyalty_Id__c", type="Text", length=40, externalId=True, unique=True)
    accounts = emulator.seed(Account=[{"Name": f"{LAST[i]} Holdings"} for i in range(10)])["Account"]
    user_id = next(iter(data.org.users.values())).id
    store = data.store("Contact")
    for i in range(contacts):
        moment = START - timedelta(hours=2, seconds=contacts - i)
        id15 = "003Hb0" + encode62(i, 9)
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        store.insert({"Id": id15 + checksum_suffix(id15), "IsDeleted": False, "CreatedDate": moment,
                      "LastModifiedDate": moment, "SystemModstamp": moment, "CreatedById": user_id,
                      "LastModifiedById": user_id, "OwnerId": user_id, "FirstName": first, "LastName": last,
                      "Name": f"{first} {last}", "Email": f"{first}.{last}.{i}@example.com".lower(),
                      "Phone": f"(415) 555-{i % 10000:04d}", "Title": "Buyer", "AccountId": accounts[i % 10]})
    return emulator, store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    t0 = time.perf_counter()
    emulator, store = load(args.contacts)
    app = create_app(emulator)
    session = session_for(app)
    aep = AepClient("harness-aep-client", "harness-aep-secret", "HARNESS@AdobeOrg", session=session)
    pipeline = SourcePipeline(aep, SourcePipelineConfig("admin@example.com", "password123", "TOKEN123",
                                                        frequency="hour", interval=6))
    ids = pipeline.run(int(START.timestamp()))
    emulator.advance_clock("2h")  # the first slot fires at the next request: every Contact ingested
    runs = pipeline.runs()
    token = session.post("https://login.salesforce.com/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    some_id = next(iter(store.records))
    for i in range(emulator.config.journal_size):
        session.get(f"https://harness.my.salesforce.com/services/data/v59.0/sobjects/Contact/{some_id}",
                    headers={"Authorization": f"Bearer {token}"})
    late_id = list(store.records)[args.contacts // 2]
    print(f"set up {args.contacts:,} Contacts, a flow with {len(runs)} run(s) "
          f"({runs[0]['metrics']['recordSummary']['outputRecordCount']:,} rows ingested) "
          f"and a full journal in {time.perf_counter() - t0:.1f} s")

    ui = "/__emulator/ui"
    per_page = 25
    last_page = -(-args.contacts // per_page)
    pages = [
        ("overview", ui),
        ("objects (record counts)", f"{ui}/objects"),
        ("Contact records, page 1", f"{ui}/objects/Contact"),
        (f"Contact records, page {last_page // 2:,}", f"{ui}/objects/Contact?page={last_page // 2}"),
        (f"Contact records, page {last_page:,} (last)", f"{ui}/objects/Contact?page={last_page}"),
        ("search 'lovelace' (5 000 matches)", f"{ui}/objects/Contact?q=lovelace"),
        ("search 'lovelace', page 100", f"{ui}/objects/Contact?q=lovelace&page=100"),
        ("search an e-mail (1 match)", f"{ui}/objects/Contact?q=ada.hopper.{args.contacts - 2}@example.com"),
        ("search an id", f"{ui}/objects/Contact?q={late_id}"),
        ("record page", f"{ui}/objects/Contact/{late_id}"),
        ("journal (2 000 entries)", f"{ui}/journal"),
        ("journal filtered (status 2xx, path)", f"{ui}/journal?status=2xx&path=sobjects/Contact"),
        ("limits", f"{ui}/limits"),
        ("custom fields (every object)", f"{ui}/fields"),
        ("custom fields of Contact", f"{ui}/objects/Contact/fields"),
        ("AEP flows and runs", f"{ui}/aep/prod/flows"),
        ("AEP connections", f"{ui}/aep/prod/connections"),
        ("AEP datasets", f"{ui}/aep/prod/datasets"),
        ("dataset rows, last page", f"{ui}/aep/prod/datasets/{ids.dataset_id}?page={last_page}"),
        ("segments and profiles", f"{ui}/aep/prod/profiles"),
        ("clock and faults", f"{ui}/controls"),
    ]
    client = app.test_client()
    gc.collect()
    print(f"\nmedian of {args.repeat} renders per page, through the in-process app (target < {TARGET_MS} ms)")
    print(f"{'page':<42}{'wall ms':>9}{'CPU ms':>9}{'KB':>8}")
    worst = 0.0
    for name, url in pages:
        samples, cpu = [], []
        size = 0
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.data[:300])
            size = len(response.data)
        median = statistics.median(samples)
        worst = max(worst, median)
        flag = "" if median < TARGET_MS else "  over target"
        print(f"{name:<42}{median:>9.1f}{statistics.median(cpu):>9.1f}{size / 1024:>8.1f}{flag}")
    print(f"\nslowest page: {worst:.1f} ms ({'within' if worst < TARGET_MS else 'OVER'} the {TARGET_MS} ms target)")


if __name__ == "__main__":
    main()
