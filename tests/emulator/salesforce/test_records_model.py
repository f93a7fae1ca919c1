"""Property test: record life cycles against a reference model on the emulator clock. Covers SF-REST-9.

Random sequences of create / update / delete / undelete and clock advances
must agree with a plain model of the rules: live records, the recycle bin
(purged ``recycle_bin_days`` = 15 days after deletion), the deletion log
listed by ``/deleted`` for ``deletion_window_days`` = 30 days, and ``/updated``
for ``updated_window_days`` = 30 days.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from emulator.app import create_app
from emulator.core.transport import session_for
from emulator.pytest_plugin import fresh_emulator
from emulator.salesforce.soql.cursors import OrgQueryContext
from emulator.salesforce.soql import execute

BASE = "https://harness.my.salesforce.com"
DATA = f"{BASE}/services/data/v59.0"
BIN, WINDOW = timedelta(days=15), timedelta(days=30)


@dataclass
class Row:
    state: str = "live"  # live | bin | purged
    modified: datetime | None = None
    deletions: list[datetime] = field(default_factory=list)


class Model:
    """What the rules say the org holds."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rows: dict[str, Row] = {}

    def purge(self) -> None:
        for row in self.rows.values():
            if row.state == "bin" and row.deletions[-1] < self.now - BIN:
                row.state = "purged"

    def deleted_ids(self) -> list[str]:
        listed = []
        for record_id, row in self.rows.items():
            recent = [d for d in row.deletions if d >= self.now - WINDOW]
            if recent and row.state != "live":
                listed.append((recent[-1], record_id))
        return [record_id for _when, record_id in sorted(listed)]

    def updated_ids(self) -> set[str]:
        return {i for i, r in self.rows.items() if r.state == "live" and r.modified >= self.now - WINDOW}

    def ids(self, state: str) -> set[str]:
        return {i for i, r in self.rows.items() if r.state == state}


class Harness:
    """A fresh emulator on a frozen clock, called over HTTP like a client would."""

    def __init__(self) -> None:
        self.emulator = fresh_emulator()
        clock = self.emulator.clock
        clock.freeze()
        clock.set(datetime(2030, 1, 1, 12, 0, 30, tzinfo=timezone.utc))
        self.session = session_for(create_app(self.emulator))
        self.session.post(f"{BASE}/__emulator/config", json={"salesforce": {"session_timeout_minutes": 10 ** 6}})
        token = self.session.post("https://login.salesforce.com/services/oauth2/token", data={
            "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
            "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def now(self) -> datetime:
        return self.emulator.clock.now()

    def window(self) -> dict:
        fmt = "%Y-%m-%dT%H:%M:%S+00:00"
        return {"start": (self.now() - timedelta(days=30)).strftime(fmt),
                "end": (self.now() + timedelta(minutes=1)).strftime(fmt)}

    def soql_ids(self, soql: str, include_deleted: bool) -> set[str]:
        backend = self.emulator.salesforce
        with backend.lock:
            data = backend.default_org()
            result = execute(soql, OrgQueryContext(data, "v59.0", backend.now()), include_deleted=include_deleted)
            return {r["Id"] for r in result.records}


OPS = st.one_of(
    st.tuples(st.just("create")),
    st.tuples(st.sampled_from(["update", "delete", "delete", "undelete"]), st.integers(0, 7)),
    # hours, with the 15-day purge and the 30-day windows' edges within reach
    st.tuples(st.just("advance"), st.sampled_from([1, 23, 24 * 7, 24 * 14, 24 * 14 + 23, 24 * 15, 24 * 15 + 1,
                                                   24 * 29, 24 * 30, 24 * 30 + 1])),
)


def apply(op: tuple, h: Harness, model: Model) -> None:
    kind = op[0]
    if kind == "advance":
        h.emulator.clock.advance(timedelta(hours=op[1]))
        model.now = h.now()
        return
    model.purge()  # every call applies the lazy purge first
    if kind == "create":
        response = h.session.post(f"{DATA}/sobjects/Contact", json={"LastName": "Model"})
        assert response.status_code == 201, response.text
        model.rows[response.json()["id"]] = Row(modified=model.now)
        return
    if not model.rows:
        return
    record_id = list(model.rows)[op[1] % len(model.rows)]
    row = model.rows[record_id]
    if kind in ("update", "delete"):
        url = f"{DATA}/sobjects/Contact/{record_id}"
        response = h.session.patch(url, json={"FirstName": "X"}) if kind == "update" else h.session.delete(url)
        if row.state == "live":
            assert response.status_code == 204, response.text
            row.modified = model.now
            if kind == "delete":
                row.state = "bin"
                row.deletions.append(model.now)
        else:
            assert response.status_code == 404
            expected = "ENTITY_IS_DELETED" if row.state == "bin" else "NOT_FOUND"
            assert response.json()[0]["errorCode"] == expected
        return
    result = h.session.post(f"{BASE}/__emulator/salesforce/undelete", json={"ids": [record_id]}).json()["results"][0]
    if row.state == "bin":
        assert result["success"] is True
        row.state, row.modified = "live", model.now
    else:
        expected = "UNDELETE_FAILED" if row.state == "live" else "ENTITY_IS_DELETED"
        assert result["success"] is False and result["errors"][0]["statusCode"] == expected


def check(h: Harness, model: Model) -> None:
    model.purge()
    deleted = h.session.get(f"{DATA}/sobjects/Contact/deleted/", params=h.window())  # also purges what is due
    assert deleted.status_code == 200, deleted.text
    assert [r["id"] for r in deleted.json()["deletedRecords"]] == model.deleted_ids()
    updated = h.session.get(f"{DATA}/sobjects/Contact/updated/", params=h.window())
    assert set(updated.json()["ids"]) == model.updated_ids()
    assert h.soql_ids("SELECT Id FROM Contact", False) == model.ids("live")
    assert h.soql_ids("SELECT Id FROM Contact WHERE IsDeleted = true", True) == model.ids("bin")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=20))
@example([("create",), ("delete", 0), ("advance", 24 * 14 + 23), ("advance", 1), ("advance", 1), ("undelete", 0)])
@example([("create",), ("create",), ("delete", 1), ("advance", 24 * 29), ("advance", 23), ("advance", 1),
          ("advance", 1)])
@example([("create",), ("delete", 0), ("undelete", 0), ("delete", 0), ("advance", 24 * 15 + 1), ("update", 0),
          ("advance", 24 * 15), ("delete", 0)])
def test_random_life_cycles_agree_with_the_model_at_every_step(ops):
    h = Harness()
    model = Model(h.now())
    for op in ops:
        apply(op, h, model)
        check(h, model)
