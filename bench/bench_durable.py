"""What durable state (``serve --data``) costs a write, and how long a restart takes.

In process, on the demo org plus N generated Contacts: POST and PATCH a Contact
with the state file attached vs the same emulator without one (alternating
batches), then the time to restore the file into a fresh emulator. Every
durable write commits an SQLite transaction with ``synchronous=FULL`` before
it is answered, so the figure includes the disk's flush. Prints figures;
asserts nothing.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator.config import Emulator, EmulatorConfig  # noqa: E402
from emulator.durable import open_data  # noqa: E402
from emulator.pytest_plugin import fresh_emulator  # noqa: E402
from emulator.testing import demo_session  # noqa: E402

BASE = "https://harness.my.salesforce.com/services/data/v59.0"
ROUNDS, CALLS = 5, 100


def build(contacts: int) -> Emulator:
    emulator = fresh_emulator(seed=5)
    if contacts:
        emulator.seed(generate={"seed": 5, "count": contacts, "leads": 0, "accounts": contacts // 10})
    return emulator


def per_write_ms(session, auth, ids: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    for i in range(CALLS):
        session.post(f"{BASE}/sobjects/Contact", headers=auth, json={"LastName": f"Bench{i}"})
    post = (time.perf_counter() - start) / CALLS * 1000
    start = time.perf_counter()
    for i in range(CALLS):
        session.patch(f"{BASE}/sobjects/Contact/{ids[i % len(ids)]}", headers=auth, json={"Title": f"T{i}"})
    return post, (time.perf_counter() - start) / CALLS * 1000


def main() -> None:
    for contacts in (0, 10_000):
        folder = Path(tempfile.mkdtemp())
        plain, durable = build(contacts), build(contacts)
        start = time.perf_counter()
        open_data(durable, folder / "state.db")
        created = time.perf_counter() - start
        sessions = [demo_session(emulator) for emulator in (plain, durable)]
        ids = [r["Id"] for r in plain.salesforce.default_org().stores["Contact"].scan()][:CALLS] if contacts else []
        if not ids:
            session, auth = sessions[0]
            ids = [session.post(f"{BASE}/sobjects/Contact", headers=auth, json={"LastName": "Seed"}).json()["id"]]
            sessions[1][0].post(f"{BASE}/sobjects/Contact", headers=sessions[1][1], json={"LastName": "Seed"})
        figures: dict[str, list[tuple[float, float]]] = {"plain": [], "durable": []}
        for _ in range(ROUNDS):
            for name, (session, auth) in zip(("plain", "durable"), sessions):
                figures[name].append(per_write_ms(session, auth, ids))
        durable.persister.file.close()
        start = time.perf_counter()
        open_data(Emulator(EmulatorConfig(fixture={})), folder / "state.db")
        restored = time.perf_counter() - start
        post = [statistics.median(f[0] for f in figures[name]) for name in ("plain", "durable")]
        patch = [statistics.median(f[1] for f in figures[name]) for name in ("plain", "durable")]
        print(f"{contacts:>6} extra Contacts: POST {post[0]:.2f} ms -> {post[1]:.2f} ms durable; "
              f"PATCH {patch[0]:.2f} ms -> {patch[1]:.2f} ms durable; first save {created:.2f} s; "
              f"restart (load + check) {restored:.2f} s; file {(folder / 'state.db').stat().st_size / 1e6:.1f} MB "
              f"(+ WAL)")


if __name__ == "__main__":
    main()
