"""Import from the CRM: remote object, fields, filter, order by, upstream ids and the automatic index.

With the automatic index, the run reads the rows whose delta field (LastModifiedDate, else
SystemModstamp, or the one given) lies in ``[crmStartImport, crmEndDate)``: the start is
the option's value (no option: a full import), the end is the run's clock. The rows and the
new option value are written in one transaction, so a failed run leaves both as they were
and the next run reads the same window again. Rows reconcile on the CRM Id.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from connector.salesforce import NotFound, SalesforceClient, SalesforceError

from .conversions import ConversionError, import_value, zone
from .db import transaction
from .errors import ConfigurationError
from .fieldspec import FieldMap, parse_all, parse_order
from .filters import compile_filter
from .options import format_option, option_name, parse_option, read_option, to_utc, write_option
from .outcome import Outcome, Reject, process_failure, store_rejects
from .remote import RemoteObject

IDS_PER_QUERY = 300
WRITE_BATCH = 5000
UPSERT = ("INSERT INTO recipients (crm_object, crm_id, crm_modified, data) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (crm_object, crm_id) DO UPDATE SET crm_modified = excluded.crm_modified, "
          "data = json_patch(recipients.data, excluded.data), crm_deleted = NULL")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ImportSpec:
    """Settings of one import activity (the seed's "Import from the CRM")."""

    activity: str
    sobject: str
    fields: list[Any] = field(default_factory=list)
    filter: str = ""
    order_by: list[Any] = field(default_factory=list)
    auto_index: bool = True
    instance: str = "default"
    option_name: str | None = None
    delta_field: str | None = None
    ids: list[str] | None = None
    timezone: str | None = None
    process_rejects: bool = False
    process_errors: bool = True


@dataclass
class _Plan:
    remote: RemoteObject
    maps: list[FieldMap]
    delta: str
    soql_base: str
    where: list[str]
    order: str
    option: str | None
    start: datetime | None
    end: datetime


def _plan(client: SalesforceClient, conn: sqlite3.Connection, spec: ImportSpec, now: Clock) -> _Plan:
    """Check every setting before any write: object, fields, order, filter, delta field, option."""
    try:
        remote = RemoteObject.fetch(client, spec.sobject)
    except NotFound:
        raise ConfigurationError(f"unknown remote object {spec.sobject!r}") from None
    maps = [FieldMap(remote.field(m.remote)["name"], m.local, m.conversion) for m in parse_all(spec.fields)]
    delta = remote.delta_field(spec.delta_field)
    order = [(remote.field(name, "order-by field")["name"], way) for name, way in parse_order(spec.order_by)]
    where = []
    condition = compile_filter(spec.filter, remote.types(), now)
    if condition:
        where.append(f"({condition})")
    end = to_utc(now()).replace(microsecond=0)
    start, option = None, None
    if spec.auto_index:
        option = spec.option_name or option_name(spec.instance, spec.activity)
        stored = read_option(conn, option)
        start = parse_option(option, stored) if stored is not None else None
        if start is not None:
            where.append(f"{delta} >= {start.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        where.append(f"{delta} < {end.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    selected = list(dict.fromkeys(["Id", delta] + [m.remote for m in maps]))
    soql = f"SELECT {', '.join(selected)} FROM {remote.name}"
    order_text = ", ".join(f"{name} {way}" for name, way in order)
    return _Plan(remote, maps, delta, soql, where, order_text, option, start, end)


def _queries(plan: _Plan, ids: list[str] | None) -> Iterator[str]:
    def build(extra: list[str]) -> str:
        where = plan.where + extra
        text = plan.soql_base + (f" WHERE {' AND '.join(where)}" if where else "")
        return text + (f" ORDER BY {plan.order}" if plan.order else "")
    if ids is None:
        yield build([])
        return
    for index in range(0, len(ids), IDS_PER_QUERY):
        chunk = ", ".join("'" + i.replace("\\", "").replace("'", "") + "'" for i in ids[index:index + IDS_PER_QUERY])
        yield build([f"Id IN ({chunk})"])


def _convert(plan: _Plan, record: dict[str, Any], tz: Any, outcome: Outcome) -> str | None:
    """The JSON data of one row; None (and a reject) when a value cannot be converted."""
    data, failed = {}, []
    for m in plan.maps:
        try:
            data[m.local] = import_value(record.get(m.remote), plan.remote.type_of(m.remote), m.conversion, tz)
        except ConversionError as error:
            failed.append((m.remote, str(error)))
    if failed:
        outcome.reject(Reject("CONVERSION_ERROR", "; ".join(msg for _, msg in failed), [c for c, _ in failed],
                              crm_id=record.get("Id")))
        return None
    return json.dumps(data, separators=(",", ":"), default=str)


def run_import(client: SalesforceClient, conn: sqlite3.Connection, spec: ImportSpec,
               now: Clock = utc_now) -> Outcome:
    """Run the import; settings errors raise before anything is written, process errors are an outcome."""
    outcome = Outcome("import", spec.activity)
    tz = zone(spec.timezone)
    try:
        plan = _plan(client, conn, spec, now)
    except SalesforceError as error:
        return process_failure(conn, outcome, error, 0, spec.process_errors,
                               f"import {spec.activity} could not start, nothing written")
    outcome.variables = {"crmOptionName": plan.option or "",
                         "crmStartImport": format_option(plan.start) if plan.start else "",
                         "crmEndDate": format_option(plan.end)}
    queries = list(_queries(plan, spec.ids))
    outcome.soql = queries[0] if queries else None
    sobject = plan.remote.name
    try:
        with transaction(conn):
            batch: list[tuple] = []
            for soql in queries:
                for record in client.query(soql):
                    outcome.rows_read += 1
                    data = _convert(plan, record, tz, outcome)
                    if data is None:
                        continue
                    batch.append((sobject, record["Id"], record.get(plan.delta), data))
                    if len(batch) >= WRITE_BATCH:
                        conn.executemany(UPSERT, batch)
                        outcome.processed += len(batch)
                        batch.clear()
            if batch:
                conn.executemany(UPSERT, batch)
                outcome.processed += len(batch)
            if spec.process_rejects and outcome.rejects:
                store_rejects(conn, spec.activity, "import", outcome.rejects)
            if plan.option:
                write_option(conn, plan.option, format_option(plan.end))
    except SalesforceError as error:
        outcome.processed = 0
        return process_failure(conn, outcome, error, outcome.rows_read, spec.process_errors,
                               f"import {spec.activity} failed, nothing written, the window is read again next run")
    return outcome
