"""Parent-to-child subquery benchmark (SPEC SF-REST-8).

10 000 Accounts with 10 Contacts each, inserted straight into the stores (no
HTTP); times ``SELECT Name, (SELECT LastName FROM Contacts …) FROM Account``
run and rendered for every Account, against the same query without the
subquery, and prints the cost per parent. Children come from the
``Contact.AccountId`` index, so the cost per parent must not grow with the
number of Accounts (printed at 1 000 and 10 000 parents). Figures only.

    python bench/bench_subquery.py [--parents 10000] [--children 10] [--repeat 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_soql import LAST_NAMES, NOW, USER_ID, Context  # noqa: E402
from emulator.core.ids import checksum_suffix, encode62  # noqa: E402
from emulator.salesforce.sobjects.schema import Schema  # noqa: E402
from emulator.salesforce.soql import execute  # noqa: E402

SUBQUERY = "SELECT Name, (SELECT LastName, Email FROM Contacts ORDER BY LastName LIMIT 5) FROM Account"
PLAIN = "SELECT Name FROM Account"
FILTERED = "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName = 'Smith') FROM Account"


def _id(prefix: str, i: int) -> str:
    id15 = prefix + "Hs0" + encode62(i, 9)
    return id15 + checksum_suffix(id15)


def load(ctx: Context, parents: int, children: int) -> None:
    accounts, contacts = ctx.store("Account"), ctx.store("Contact")
    base = {"IsDeleted": False, "CreatedDate": NOW, "LastModifiedDate": NOW, "SystemModstamp": NOW,
            "CreatedById": USER_ID, "LastModifiedById": USER_ID, "OwnerId": USER_ID}
    n = 0
    for p in range(parents):
        account_id = _id("001", p)
        accounts.insert({**base, "Id": account_id, "Name": f"Account {p}"})
        for _ in range(children):
            last = LAST_NAMES[n % len(LAST_NAMES)]
            contacts.insert({**base, "Id": _id("003", n), "AccountId": account_id, "LastName": last,
                             "Name": last, "Email": f"c{n}@example.com"})
            n += 1


def timed(ctx: Context, soql: str, repeat: int) -> float:
    """Median seconds to run the query and render every row."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = execute(soql, ctx)
        for record in result.records:
            result.render(record)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=10_000)
    parser.add_argument("--children", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'parents':>8} {'query':<42} {'total ms':>9} {'µs/parent':>10}")
    for parents in (args.parents // 10, args.parents):
        ctx = Context(Schema())
        load(ctx, parents, args.children)
        for label, soql in (("no subquery", PLAIN), ("subquery ORDER BY LIMIT 5 (10 children)", SUBQUERY),
                            ("subquery WHERE LastName = 'Smith'", FILTERED)):
            seconds = timed(ctx, soql, args.repeat)
            print(f"{parents:>8} {label:<42} {seconds * 1e3:>9.1f} {seconds / parents * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
