"""Selective lookups: this emulator vs simple-mockforce, same workload, side by side (issue 4).

Loads N Contacts into each, then times the median of
``SELECT Id, LastName FROM Contact WHERE Email = '...'`` and ``... WHERE Id = '...'``
(distinct query texts; one exact match each) through each one's client path:

* ours: records inserted straight into the default org's ObjectStore (as
  bench/bench_soql.py does), queried with a real ``requests`` call,
  ``GET /services/data/v59.0/query?q=`` on ``session_for(create_app(emulator))``;
* simple-mockforce 0.8.1: records appended straight to its VirtualSalesforce
  state, queried with ``simple_salesforce.Salesforce.query`` under
  ``@mock_salesforce`` in a worker process (bench/mockforce_worker.py) running
  in the benchmark's own virtualenv, bench/.venv-mockforce (created once).

simple-mockforce scans every record in pure Python per query (~20 us/row), so
at 1 M rows one query takes ~20 s: its repeat count is small by default.
Target: ratio >= 1000x at 1 M rows. Prints figures; asserts nothing.

    python bench/bench_vs_mockforce.py [--rows 1000000] [--mockforce-rows N] [--repeat 301] [--mockforce-repeat 3]
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from emulator.testing import demo_session  # noqa: E402
from emulator.pytest_plugin import fresh_emulator  # noqa: E402

from bench_soql import contact_id, load_contacts  # noqa: E402

VENV = HERE / ".venv-mockforce"
VENV_PY = VENV / "bin" / "python"
WORKER = HERE / "mockforce_worker.py"
PACKAGES = ("simple-mockforce==0.8.1", "simple-salesforce")  # simple-mockforce does not pull in simple-salesforce
BASE = "https://harness.my.salesforce.com/services/data/v59.0"
WORKLOADS = {
    "Email": lambda cid, i: f"SELECT Id, LastName FROM Contact WHERE Email = 'person{i}@example.com'",
    "Id": lambda cid, i: f"SELECT Id, LastName FROM Contact WHERE Id = '{cid(i)}'",
}


def ensure_venv() -> bool:
    """Create bench/.venv-mockforce and install simple-mockforce into it, once."""
    check = [str(VENV_PY), "-c", "import simple_mockforce, simple_salesforce"]
    if VENV_PY.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return True
    print(f"creating {VENV} and installing {' '.join(PACKAGES)} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        done = subprocess.run([str(VENV_PY), "-m", "pip", "install", "-q", *PACKAGES],
                              capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"ERROR: could not create the virtualenv {VENV}: {exc}")
        return False
    if done.returncode != 0 or subprocess.run(check, capture_output=True).returncode != 0:
        print(f"ERROR: pip install {' '.join(PACKAGES)} into {VENV} failed; simple-mockforce column skipped.")
        print(done.stderr.strip()[-2000:])
        return False
    return True


def ours(rows: int, repeat: int) -> tuple[float, dict[str, float]]:
    emulator = fresh_emulator()
    org = emulator.salesforce.default_org()
    t0 = time.perf_counter()
    load_contacts(org.store("Contact"), rows, ext_id=False)
    load_s = time.perf_counter() - t0
    gc.collect()
    session, headers = demo_session(emulator)
    medians = {}
    for name, make in WORKLOADS.items():
        samples = []
        for k in range(repeat):
            i = (k * 7919) % rows
            url = f"{BASE}/query?q={quote(make(contact_id, i))}"
            t = time.perf_counter()
            response = session.get(url, headers=headers)
            samples.append(time.perf_counter() - t)
            body = response.json()
            assert response.status_code == 200 and body["totalSize"] == 1, body
            assert body["records"][0]["Id"] == contact_id(i), body
        medians[name] = statistics.median(samples) * 1e6
    return load_s, medians


def mockforce(rows: int, repeat: int) -> dict | None:
    done = subprocess.run([str(VENV_PY), str(WORKER), str(rows), str(repeat)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"ERROR: simple-mockforce worker failed:\n{done.stderr.strip()[-2000:]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Contacts loaded into ours")
    parser.add_argument("--mockforce-rows", type=int, default=None,
                        help="Contacts loaded into simple-mockforce (default: same as --rows)")
    parser.add_argument("--repeat", type=int, default=301, help="queries per workload for ours")
    parser.add_argument("--mockforce-repeat", type=int, default=3, help="queries per workload for simple-mockforce")
    args = parser.parse_args()
    mf_rows = args.rows if args.mockforce_rows is None else args.mockforce_rows

    mf = None
    if ensure_venv():
        t0 = time.perf_counter()
        mf = mockforce(mf_rows, args.mockforce_repeat)
        if mf:
            print(f"simple-mockforce: loaded {mf_rows:,} Contacts in {mf['load_s']:.1f} s; "
                  f"run took {time.perf_counter() - t0:.0f} s")
    load_s, mine = ours(args.rows, args.repeat)
    print(f"ours:             loaded {args.rows:,} Contacts in {load_s:.1f} s")

    if mf and mf_rows != args.rows:
        print(f"\nNOTE: simple-mockforce ran with {mf_rows:,} rows, ours with {args.rows:,} rows; "
              f"the ratio compares different sizes (simple-mockforce scans, so its time grows with rows).")
    print(f"\nselective lookups, median (ours: {args.repeat} queries; simple-mockforce: "
          f"{args.mockforce_repeat} queries), REST query via requests, parse included")
    print(f"{'workload':<10}{'ours rows':>12}{'ours µs':>11}{'mockforce rows':>16}{'mockforce µs':>15}{'ratio':>11}")
    for name in WORKLOADS:
        ours_us = mine[name]
        if mf:
            mf_us = mf["median_us"][name]
            print(f"{name:<10}{args.rows:>12,}{ours_us:>11.1f}{mf_rows:>16,}{mf_us:>15.0f}{mf_us / ours_us:>10.0f}x")
        else:
            print(f"{name:<10}{args.rows:>12,}{ours_us:>11.1f}{'-':>16}{'n/a':>15}{'n/a':>11}")


if __name__ == "__main__":
    main()
