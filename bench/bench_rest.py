"""Per-call cost of sObject GET/POST/PATCH through ``requests`` in-process, against the floor.

The floor is ``requests`` itself with a canned adapter that returns a fixed
response (no app): the ratio shows what the emulator adds on top of the
client library. Target: <= 1.3x the floor. Prints figures; asserts nothing.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import requests
from requests.adapters import BaseAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.testing import demo_session  # noqa: E402

BASE = "https://harness.my.salesforce.com/services/data/v59.0"
ROUNDS, CALLS = 11, 1000


class CannedAdapter(BaseAdapter):
    """Returns the same small JSON response for every request."""

    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"id":"003Hs000000000AAAA","success":true,"errors":[]}'
        response.request, response.url = request, request.url
        return response

    def close(self):
        """No resources."""


def per_call_us(call, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls * 1e6


def interleaved(floor_call, emulated_call, calls: int = CALLS, rounds: int = ROUNDS) -> tuple[float, float, float]:
    """Median floor and emulator per-call times and the median of per-round ratios.

    Floor and emulator batches alternate so both see the same machine load.
    """
    floors, emulated, ratios = [], [], []
    for _ in range(rounds):
        f = per_call_us(floor_call, calls)
        e = per_call_us(emulated_call, calls)
        floors.append(f)
        emulated.append(e)
        ratios.append(e / f)
    return statistics.median(floors), statistics.median(emulated), statistics.median(ratios)


def main() -> None:
    session, headers = demo_session()
    record_id = session.post(f"{BASE}/sobjects/Contact", json={"LastName": "Bench"}, headers=headers).json()["id"]

    canned = requests.Session()
    canned.mount("https://", CannedAdapter())
    calls = {
        "GET": lambda s: s.get(f"{BASE}/sobjects/Contact/{record_id}", headers=headers),
        "POST": lambda s: s.post(f"{BASE}/sobjects/Contact", json={"LastName": "Bench"}, headers=headers),
        "PATCH": lambda s: s.patch(f"{BASE}/sobjects/Contact/{record_id}", json={"FirstName": "B"},
                                   headers=headers),
    }
    print(f"{'call':6} {'emulator µs':>12} {'floor µs':>10} {'ratio':>7}  (medians of {ROUNDS} interleaved rounds x {CALLS} calls)")
    for name, call in calls.items():
        floor, emulated, ratio = interleaved(lambda: call(canned), lambda: call(session))
        print(f"{name:6} {emulated:12.1f} {floor:10.1f} {ratio:7.2f}x")


if __name__ == "__main__":
    main()
