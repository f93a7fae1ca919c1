"""SOSL search benchmark (SPEC SF-REST-14: an inverted index, not a scan).

Loads 1 000 and 1 000 000 Contacts straight into a store (no HTTP), builds the
search index (its first search does; time printed), then prints the median
time of searches by a unique name, a unique email and a phone number at both
sizes with the 1M/1k ratio, a common last name (55 000 matches at 1M, capped
at the default 2 000 rows), and a trailing-wildcard word (which scans the
index's keys, not the rows). Figures only; no assertions.

    python bench/bench_search.py [--large 1000000] [--repeat 51]
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_soql import LAST_NAMES, NOW, USER_ID, Context, contact_id  # noqa: E402
from emulator.salesforce.search import engine  # noqa: E402
from emulator.salesforce.search.parser import parse  # noqa: E402
from emulator.salesforce.sobjects.schema import Schema  # noqa: E402


def build(n: int) -> Context:
    ctx = Context(Schema())
    store = ctx.store("Contact")
    for i in range(n):
        last = LAST_NAMES[i % len(LAST_NAMES)]
        store.insert({"Id": contact_id(i), "IsDeleted": False, "CreatedDate": NOW, "LastModifiedDate": NOW,
                      "SystemModstamp": NOW, "CreatedById": USER_ID, "LastModifiedById": USER_ID, "OwnerId": USER_ID,
                      "FirstName": f"First{i}", "LastName": last, "Name": f"First{i} {last}",
                      "Email": f"person{i}@example.com", "Phone": f"(415) {i // 10000:03d}-{i % 10000:04d}"})
    return ctx


def timed(ctx: Context, sosl: str) -> tuple[float, int]:
    start = time.perf_counter()
    hits = engine.run(parse(sosl), ctx)
    for hit in hits:
        for record in hit.records:
            hit.render(record)
    return time.perf_counter() - start, sum(len(h.records) for h in hits)


def median_ms(ctx: Context, make, n: int, repeat: int) -> tuple[float, int]:
    samples, rows = [], 0
    for k in range(repeat):
        seconds, rows = timed(ctx, make((k * 7919) % n))
        samples.append(seconds)
    return statistics.median(samples) * 1e3, rows


SEARCHES = {
    "unique name (IN NAME FIELDS)": lambda i: f"FIND {{First{i}}} IN NAME FIELDS RETURNING Contact(Id, Name)",
    "unique email (IN EMAIL FIELDS)": lambda i: f"FIND {{person{i}@example.com}} IN EMAIL FIELDS "
                                                f"RETURNING Contact(Id, Email)",
    "phone (IN PHONE FIELDS)": lambda i: f"FIND {{(415) {i // 10000:03d}-{i % 10000:04d}}} IN PHONE FIELDS "
                                         "RETURNING Contact(Id, Phone)",
    "two words, ALL FIELDS": lambda i: f"FIND {{First{i} {LAST_NAMES[i % len(LAST_NAMES)]}}} "
                                       "RETURNING Contact(Id, Name)",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=51)
    args = parser.parse_args()
    results: dict[int, dict[str, float]] = {}
    for n in (1000, args.large):
        t0 = time.perf_counter()
        ctx = build(n)
        load = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.index_of(ctx, ctx.schema.get("Contact"))
        print(f"{n:>9} Contacts: loaded in {load:.1f} s, search index built in {time.perf_counter() - t0:.2f} s")
        gc.collect()
        gc.freeze()  # the loaded org is long-lived: keep full collections of it out of the timings
        results[n] = {}
        for label, make in SEARCHES.items():
            ms, rows = median_ms(ctx, make, n, args.repeat)
            results[n][label] = ms
            print(f"{n:>9}  {label:<34} {ms:>9.3f} ms  ({rows} rows)")
        for label, sosl in (("common last name, 2000-row cap", "FIND {Smith} IN NAME FIELDS RETURNING Contact(Id, Name)"),
                            ("wildcard First12345* (key scan)",
                             "FIND {First12345*} IN NAME FIELDS RETURNING Contact(Id, Name)")):
            ms, rows = median_ms(ctx, lambda _i, q=sosl: q, n, 5)
            print(f"{n:>9}  {label:<34} {ms:>9.3f} ms  ({rows} rows)")
        gc.unfreeze()
    print("\n1M/1k ratio of the selective searches:")
    for label in SEARCHES:
        print(f"  {label:<34} {results[args.large][label] / results[1000][label]:.2f}x")


if __name__ == "__main__":
    main()
