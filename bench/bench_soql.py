"""SOQL engine benchmark (SPEC SF-REST-8: selective filters are served from indexes).

Loads 1 000 and 1 000 000 Contacts straight into an ObjectStore (no HTTP),
then prints the median time of selective queries by Id, by Email and by an
external-id custom field at both sizes with the 1M/1k ratio (target <= 2x),
and the cost per row of a non-selective ``LastName LIKE '%son%'`` scan at 1M
rows (target <= 2 us/row). Prints figures only; no assertions.

    python bench/bench_soql.py [--large 1000000] [--repeat 301]
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.core.ids import checksum_suffix, encode62  # noqa: E402
from emulator.salesforce.sobjects.fields import FieldDef  # noqa: E402
from emulator.salesforce.sobjects.schema import Schema  # noqa: E402
from emulator.salesforce.soql import execute  # noqa: E402
from emulator.salesforce.sobjects.store import ObjectStore  # noqa: E402

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
LAST_NAMES = ("Johnson", "Smith", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
              "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Lee", "Harris", "Clark")
USER_ID = "005Hs0000000001" + checksum_suffix("005Hs0000000001")


class Context:
    """The minimal QueryContext: one schema, a store per object, a frozen clock."""

    version = "v59.0"

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.stores = {obj.name: ObjectStore(obj) for obj in schema.all()}

    def store(self, sobject_name: str) -> ObjectStore:
        return self.stores[sobject_name]

    def now(self) -> datetime:
        return NOW


def contact_id(i: int) -> str:
    id15 = "003Hs0" + encode62(i, 9)
    return id15 + checksum_suffix(id15)


def load_contacts(store: ObjectStore, n: int, ext_id: bool = True) -> None:
    """Insert ``n`` Contacts straight into a store, one second apart, ending at NOW."""
    start = NOW - timedelta(seconds=n)
    for i in range(n):
        moment = start + timedelta(seconds=i)
        last = LAST_NAMES[i % len(LAST_NAMES)]
        record = {
            "Id": contact_id(i), "IsDeleted": False, "CreatedDate": moment, "LastModifiedDate": moment,
            "SystemModstamp": moment, "CreatedById": USER_ID, "LastModifiedById": USER_ID, "OwnerId": USER_ID,
            "FirstName": f"First{i}", "LastName": last, "Name": f"First{i} {last}",
            "Email": f"person{i}@example.com"}
        if ext_id:
            record["Ext_Id__c"] = f"EXT-{i:08d}"
        store.insert(record)


def build(n: int) -> Context:
    schema = Schema()
    ctx = Context(schema)
    store = ctx.store("Contact")
    load_contacts(store, n)
    schema.get("Contact").add_field(FieldDef("Ext_Id__c", "Ext Id", "string", 40, custom=True, external_id=True))
    store.ensure_index("Ext_Id__c")
    return ctx


def median_us(ctx: Context, make_query, repeat: int, n: int) -> float:
    samples = []
    for k in range(repeat):
        soql = make_query((k * 7919) % n)
        t0 = time.perf_counter()
        result = execute(soql, ctx)
        samples.append(time.perf_counter() - t0)
        assert result.total_size == 1, (soql, result.total_size)
    return statistics.median(samples) * 1e6


SELECTIVE = {
    "Id": lambda i: f"SELECT Id, Name, Email FROM Contact WHERE Id = '{contact_id(i)}'",
    "Email": lambda i: f"SELECT Id, Name, Email FROM Contact WHERE Email = 'person{i}@example.com'",
    "Ext_Id__c": lambda i: f"SELECT Id, Name, Email FROM Contact WHERE Ext_Id__c = 'EXT-{i:08d}'",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=301)
    args = parser.parse_args()

    timings: dict[int, dict[str, float]] = {}
    contexts: dict[int, Context] = {}
    for n in (args.small, args.large):
        t0 = time.perf_counter()
        ctx = build(n)
        gc.collect()
        print(f"loaded {n:>9,} Contacts in {time.perf_counter() - t0:6.1f} s")
        timings[n] = {name: median_us(ctx, make, args.repeat, n) for name, make in SELECTIVE.items()}
        contexts[n] = ctx
        if n != args.large:
            del contexts[n]

    print(f"\nselective queries, median of {args.repeat} (distinct texts, parse included)")
    print(f"{'filter':<12}{args.small:>12,} rows{args.large:>14,} rows{'ratio':>9}")
    for name in SELECTIVE:
        small, large = timings[args.small][name], timings[args.large][name]
        print(f"{name:<12}{small:>13.1f} us{large:>16.1f} us{large / small:>8.2f}x")

    ctx = contexts[args.large]
    soql = "SELECT Id, Name FROM Contact WHERE LastName LIKE '%son%'"
    samples, matched = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        matched = execute(soql, ctx).total_size
        samples.append(time.perf_counter() - t0)
    best, med = min(samples), statistics.median(samples)
    print(f"\nscan {soql!r}")
    print(f"  {args.large:,} rows, {matched:,} matched: median {med * 1e3:.0f} ms "
          f"= {med * 1e6 / args.large:.3f} us/row (best {best * 1e6 / args.large:.3f} us/row)")


if __name__ == "__main__":
    main()
