"""Median in-process time of an sObject Collections update of 200 Contacts (SF-REST-6).

``PATCH /composite/sobjects`` with 200 Contacts through ``requests`` and the
in-process transport (``emulator.session_for(create_app(...))``); also the
same with ``allOrNone`` and a create of 200. Target: update <= 10 ms median.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.testing import demo_session  # noqa: E402

BASE = "https://harness.my.salesforce.com/services/data/v59.0"
RECORDS, ROUNDS, CALLS = 200, 9, 30
TARGET_MS = 10.0


def median_ms(call, calls: int = CALLS, rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter() - start) / calls * 1000)
    return statistics.median(samples)


def main() -> None:
    session, headers = demo_session()
    created = session.post(f"{BASE}/composite/sobjects", headers=headers, json={"records": [
        {"attributes": {"type": "Contact"}, "LastName": f"Bench {i}", "Email": f"bench{i}@example.com"}
        for i in range(RECORDS)]}).json()
    ids = [r["id"] for r in created]
    counter = iter(range(10**9))

    def update(all_or_none: bool = False):
        n = next(counter)
        response = session.patch(f"{BASE}/composite/sobjects", headers=headers, json={
            "allOrNone": all_or_none, "records": [
                {"attributes": {"type": "Contact"}, "id": record_id, "FirstName": f"F{n}",
                 "Title": f"Title {n}", "Email": f"b{n}.{i}@example.com"}
                for i, record_id in enumerate(ids)]})
        assert response.status_code == 200 and all(r["success"] for r in response.json()), response.text[:300]

    def create():
        response = session.post(f"{BASE}/composite/sobjects", headers=headers, json={"records": [
            {"attributes": {"type": "Contact"}, "LastName": f"New {i}"} for i in range(RECORDS)]})
        assert response.status_code == 200, response.text[:300]

    figures = {
        f"update {RECORDS} Contacts": median_ms(update),
        f"update {RECORDS} Contacts, allOrNone": median_ms(lambda: update(True)),
        f"create {RECORDS} Contacts": median_ms(create),
    }
    print(f"{'call':36} {'median ms':>10}  (median of {ROUNDS} rounds x {CALLS} calls, in-process)")
    for name, value in figures.items():
        print(f"{name:36} {value:10.2f}")
    update_ms = figures[f"update {RECORDS} Contacts"]
    print(f"target: update <= {TARGET_MS:.0f} ms -> {'met' if update_ms <= TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
