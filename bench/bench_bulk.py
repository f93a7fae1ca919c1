"""Bulk API 2.0 ingest of 1 000 000 Contacts through the HTTP routes, in-process (SF-REST-12).

The CSV comes from ``fixtures.generate.contacts_csv(seed, count)`` and is sent
in uploads of at most 100 MB (one job per upload, as the real API takes one
upload per job): create job, ``PUT …/batches``, ``PATCH`` UploadComplete,
then ``GET`` the job, which processes it (the default processing delay is 0).
Prints the wall time (generation and ingest apart) and the peak RSS of the
process (``ru_maxrss``, KiB on Linux). Targets: ingest <= 60 s, peak RSS <=
1.5 GB. Prints figures; exits non-zero only when the load itself fails.

    python bench/bench_bulk.py              # 1 000 000 Contacts
    python bench/bench_bulk.py --count 50000
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.testing import demo_session  # noqa: E402
from fixtures.generate import contacts_csv  # noqa: E402

BASE = "https://harness.my.salesforce.com/services/data/v59.0"
TARGET_SECONDS, TARGET_RSS_GB = 60.0, 1.5
MB = 1024 * 1024


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


class Uploads:
    """CSV bodies of at most ``limit`` bytes, each starting with the header row.

    An iterator object rather than a generator, so that no frame keeps the
    body alive while the emulator processes it (peak RSS is the point here).
    """

    def __init__(self, count: int, limit: int, seed: int) -> None:
        self.lines = contacts_csv(seed, count)
        self.header = next(self.lines)
        self.limit = limit
        self.pending: str | None = None

    def __iter__(self) -> "Uploads":
        return self

    def __next__(self) -> tuple[bytes, int]:
        chunk, size = [self.header], len(self.header)
        if self.pending is not None:
            chunk.append(self.pending)
            size += len(self.pending)
            self.pending = None
        for line in self.lines:
            if size + len(line) > self.limit and len(chunk) > 1:
                self.pending = line
                break
            chunk.append(line)
            size += len(line)
        if len(chunk) == 1:
            raise StopIteration
        return "".join(chunk).encode("utf-8"), len(chunk) - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="Contacts to load (default 1 000 000)")
    parser.add_argument("--chunk-mb", type=float, default=100.0, help="largest upload in MB (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--results", action="store_true",
                        help="also time GET successfulResults/ of every job (after the RSS figure)")
    args = parser.parse_args()

    session, auth = demo_session()

    started = time.perf_counter()
    generating = ingesting = 0.0
    loaded = failed = jobs = 0
    job_ids: list[str] = []
    mark = time.perf_counter()
    for body, rows in Uploads(args.count, int(args.chunk_mb * MB), args.seed):
        generating += time.perf_counter() - mark
        mark = time.perf_counter()
        job = session.post(f"{BASE}/jobs/ingest", headers=auth,
                           json={"object": "Contact", "operation": "insert", "lineEnding": "LF"}).json()
        put = session.put(f"{BASE}/jobs/ingest/{job['id']}/batches", data=body,
                          headers={**auth, "Content-Type": "text/csv"})
        assert put.status_code == 201, put.text
        del body, put
        closed = session.patch(f"{BASE}/jobs/ingest/{job['id']}", headers=auth, json={"state": "UploadComplete"})
        assert closed.status_code == 200, closed.text
        info = session.get(f"{BASE}/jobs/ingest/{job['id']}", headers=auth).json()
        if info["state"] != "JobComplete":
            print(f"job {job['id']} ended {info['state']}: {info.get('errorMessage')}")
            return 1
        job_ids.append(job["id"])
        loaded += info["numberRecordsProcessed"] - info["numberRecordsFailed"]
        failed += info["numberRecordsFailed"]
        jobs += 1
        ingesting += time.perf_counter() - mark
        mark = time.perf_counter()
    total = time.perf_counter() - started
    rss = peak_rss_bytes()
    print(f"Bulk API 2.0 ingest: {loaded:,} Contacts loaded ({failed:,} failed) in {jobs} job(s)")
    print(f"  ingest (HTTP create/upload/close/process): {ingesting:7.2f} s  (target <= {TARGET_SECONDS:.0f} s)"
          f"  {ingesting / max(loaded + failed, 1) * 1e6:.1f} us/row")
    print(f"  CSV generation (fixtures.generate):      {generating:7.2f} s")
    print(f"  wall total:                              {total:7.2f} s")
    print(f"  peak RSS: {rss / 1e9:.2f} GB = {rss / 2**30:.2f} GiB  (target <= {TARGET_RSS_GB} GB)")
    if args.results:
        mark = time.perf_counter()
        size = sum(len(session.get(f"{BASE}/jobs/ingest/{job_id}/successfulResults/", headers=auth).content)
                   for job_id in job_ids)
        print(f"  successfulResults: {size / 1e6:.0f} MB of CSV in {time.perf_counter() - mark:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
