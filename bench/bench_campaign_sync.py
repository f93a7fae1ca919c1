"""Campaign-style sync (CON-CAMP-1): import into SQLite and Bulk export, each vs its floor, in-process.

1. Incremental import (automatic index) of N Contacts into the local SQLite database, vs the
   floor: the connector's plain query of the same rows (``SalesforceClient.query``, i.e.
   query-all paging) plus one bulk insert into the same ``recipients`` table. Target <= 1.5x.
2. After updating 100 Contacts (time travel first), the next import reads only those rows.
3. Export of N recipients through Bulk API 2.0 (journal, CSV, results reconciled, recipients
   linked) vs the raw Bulk 2.0 ingest (``connector.salesforce.bulk2.ingest``, results
   collected) of the same CSV. Target <= 1.5x.

Rounds alternate the measured path and its floor (fresh databases each time); the figure is
the median. Before each measured call the garbage collector's heap is collected and frozen (the
in-process org holds every record loaded so far; without this, when a full collection happens to
fall inside a measured call decides most of the difference). Prints figures; exits non-zero only when a run itself goes wrong.

    python bench/bench_campaign_sync.py              # 100 000 Contacts
    python bench/bench_campaign_sync.py --count 20000 --rounds 1
"""
from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.campaign_sync import ExportSpec, ImportSpec, open_db, run_export, run_import, transaction  # noqa: E402
from connector.salesforce import SalesforceClient  # noqa: E402
from connector.salesforce.bulk2 import ingest  # noqa: E402
from connector.salesforce.collections import update_many  # noqa: E402
from emulator.pytest_plugin import fresh_emulator  # noqa: E402
from emulator.testing import demo_session  # noqa: E402
from fixtures.generate import contacts_csv  # noqa: E402

INSTANCE = "https://harness.my.salesforce.com"
FIELDS = ["FirstName", "LastName", "Email", "Phone", "Title"]
TARGET = 1.5


def no_sleep(_seconds: float) -> None:
    """The emulator completes a closed job at its next read: polling never needs to wait."""


def load(client: SalesforceClient, count: int, seed: int) -> None:
    result = ingest(client, "Contact", "insert", "".join(contacts_csv(seed, count)), sleep=no_sleep)
    assert result.number_records_failed == 0 and result.number_records_processed == count, result.job_errors


def timed(function) -> tuple[float, object]:
    """Wall time of one call. What earlier rounds left in memory (the emulator's org grows every round) is
    collected and frozen first, so the garbage collector does not rescan it during the measured call."""
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def import_once(client, clock, folder: Path, name: str):
    conn = open_db(folder / f"{name}.db")
    spec = ImportSpec("bench", "Contact", FIELDS)
    seconds, outcome = timed(lambda: run_import(client, conn, spec, now=clock.now))
    return seconds, outcome, conn


def floor_once(client, soql: str, folder: Path, name: str) -> tuple[float, int]:
    conn = open_db(folder / f"{name}.db")

    def work() -> int:
        rows = list(client.query(soql))
        with transaction(conn):
            conn.executemany("INSERT INTO recipients (crm_object, crm_id, crm_modified, data) VALUES (?, ?, ?, ?)",
                             [("Contact", r["Id"], r["LastModifiedDate"],
                               json.dumps({f: r[f] for f in FIELDS}, separators=(",", ":"))) for r in rows])
        return len(rows)
    seconds, count = timed(work)
    conn.close()
    return seconds, count


def export_db(folder: Path, name: str, rows: list[dict]):
    conn = open_db(folder / f"{name}.db")
    with transaction(conn):
        conn.executemany("INSERT INTO recipients (data) VALUES (?)", [(json.dumps(r),) for r in rows])
    return conn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    emulator = fresh_emulator()
    clock = emulator.clock
    clock.freeze()
    session, auth = demo_session(emulator)
    client = SalesforceClient(INSTANCE, auth["Authorization"].split()[1], session=session)
    started = time.perf_counter()
    load(client, args.count, args.seed)
    print(f"loaded {args.count:,} Contacts in {time.perf_counter() - started:.1f} s (Bulk API 2.0)")
    clock.advance(timedelta(minutes=1))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        imports, floors = [], []
        kept = None
        for number in range(args.rounds):
            seconds, outcome, conn = import_once(client, clock, folder, f"import{number}")
            assert outcome.status == "ok" and outcome.rows_read == args.count, outcome.as_dict()
            imports.append(seconds)
            soql = outcome.soql
            floor_seconds, floor_rows = floor_once(client, soql, folder, f"floor{number}")
            assert floor_rows == args.count
            floors.append(floor_seconds)
            if kept is None:
                kept = conn
            else:
                conn.close()
        ratio = statistics.median(i / f for i, f in zip(imports, floors))
        print(f"import (auto index, {args.count:,} rows -> SQLite): {statistics.median(imports):6.2f} s   "
              f"floor (query + one bulk insert): {statistics.median(floors):6.2f} s   "
              f"ratio {ratio:.2f}x  (target <= {TARGET}x)")

        clock.advance(timedelta(hours=1))
        ids = [r[0] for r in kept.execute("SELECT crm_id FROM recipients ORDER BY id LIMIT 100")]
        update_many(client, "Contact", [{"Id": i, "Title": "Updated by the bench"} for i in ids])
        clock.advance(timedelta(minutes=1))
        seconds, second = timed(lambda: run_import(client, kept, ImportSpec("bench", "Contact", FIELDS),
                                                   now=clock.now))
        changed = kept.execute("SELECT count(*) FROM recipients WHERE json_extract(data, '$.Title') = "
                               "'Updated by the bench'").fetchone()[0]
        print(f"second import after updating 100 Contacts: rows read {second.rows_read:,} "
              f"(recipients updated {changed}, total {kept.execute('SELECT count(*) FROM recipients').fetchone()[0]:,})"
              f" in {seconds * 1000:.0f} ms   window {second.variables['crmStartImport']} -> "
              f"{second.variables['crmEndDate']}")
        kept.close()

        people = [{"last": f"Export {i:06d}", "email": f"export{i}@example.com"} for i in range(args.count)]
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["LastName", "Email"])
        writer.writerows((p["last"], p["email"]) for p in people)
        body = text.getvalue()
        exports, raws = [], []

        def raw_round() -> None:
            raw_seconds, raw = timed(lambda: ingest(client, "Contact", "insert", body, sleep=no_sleep))
            assert raw.number_records_processed == args.count and raw.number_records_failed == 0
            raws.append(raw_seconds)

        def export_round(number: int) -> None:
            conn = export_db(folder, f"export{number}", people)
            spec = ExportSpec(f"bench{number}", "Contact", ["LastName=last", "Email=email"], key="crm_id",
                              sleep=no_sleep)
            seconds, outcome = timed(lambda: run_export(client, conn, spec, now=clock.now))
            assert outcome.status == "ok" and outcome.inserted == args.count, outcome.as_dict()
            linked = conn.execute("SELECT count(DISTINCT crm_id) FROM recipients").fetchone()[0]
            assert linked == args.count
            exports.append(seconds)
            conn.close()

        for number in range(args.rounds):  # the org grows each time: alternate which one goes first
            if number % 2 == 0:
                raw_round()
                export_round(number)
            else:
                export_round(number)
                raw_round()
        ratio = statistics.median(e / r for e, r in zip(exports, raws))
        print(f"export ({args.count:,} recipients, Bulk API 2.0, journal): {statistics.median(exports):6.2f} s   "
              f"raw Bulk 2.0 ingest of the same CSV: {statistics.median(raws):6.2f} s   "
              f"ratio {ratio:.2f}x  (target <= {TARGET}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
