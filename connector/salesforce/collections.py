"""Many records per call: sObject Collections and Composite over a `SalesforceClient` (CON-SF-1).

The collection helpers (SF-REST-6) split any number of records into calls of
at most 200 records (and at most 10 runs of one object type, the API's chunk
limit) and return the per-record results merged in input order:
`{"id", "success", "errors": [{"statusCode", "message", "fields"}]}` (upsert
adds `"created"`; a failed record may have no `"id"`).

`all_or_none` is passed through as the API's `allOrNone`, so it holds **per
call**, as with the real API: when more than 200 records are sent, an earlier
call that succeeded is not undone by a later one that fails. Callers that need
all-or-nothing over more than 200 records must stay within one call.

`composite` sends up to 25 dependent subrequests (SF-REST-7) in one call.
Request-level errors raise the client's typed `SalesforceError`.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from .client import SalesforceClient

MAX_RECORDS = 200
MAX_TYPE_RUNS = 10
MAX_RETRIEVE = 2000
MAX_SUBREQUESTS = 25


def _type_of(record: dict[str, Any]) -> str | None:
    attributes = record.get("attributes")
    return attributes.get("type") if isinstance(attributes, dict) else None


def chunk(records: list[dict[str, Any]], size: int = MAX_RECORDS,
          max_type_runs: int = MAX_TYPE_RUNS) -> Iterator[list[dict[str, Any]]]:
    """Consecutive slices of at most `size` records and at most `max_type_runs` runs of one type."""
    current: list[dict[str, Any]] = []
    runs, previous = 0, object()
    for record in records:
        kind = (_type_of(record) or "").lower()
        starts_run = kind != previous
        if current and (len(current) == size or (starts_run and runs == max_type_runs)):
            yield current
            current, runs, starts_run = [], 0, True
        if starts_run:
            runs += 1
        previous = kind
        current.append(record)
    if current:
        yield current


def _typed(sobject: str | None, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with `attributes.type` (from `sobject` when a record has none)."""
    typed = []
    for record in records:
        if _type_of(record) is None:
            if sobject is None:
                raise ValueError("each record needs attributes.type when no sobject is given")
            record = {"attributes": {"type": sobject}, **{k: v for k, v in record.items() if k != "attributes"}}
        typed.append(record)
    return typed


def _send(client: SalesforceClient, method: str, path: str, records: list[dict[str, Any]],
          all_or_none: bool) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for part in chunk(records):
        results.extend(client.request(method, path, json={"allOrNone": all_or_none, "records": part}).json())
    return results


def create_many(client: SalesforceClient, sobject: str | None, records: Iterable[dict[str, Any]], *,
                all_or_none: bool = False) -> list[dict[str, Any]]:
    """Insert records (`POST composite/sobjects`); `sobject` types records without `attributes`."""
    return _send(client, "POST", "composite/sobjects", _typed(sobject, records), all_or_none)


def update_many(client: SalesforceClient, sobject: str | None, records: Iterable[dict[str, Any]], *,
                all_or_none: bool = False) -> list[dict[str, Any]]:
    """Update records by their `Id` (`PATCH composite/sobjects`)."""
    typed = _typed(sobject, records)
    if any(not (r.get("Id") or r.get("id")) for r in typed):
        raise ValueError("every record to update needs an Id")
    return _send(client, "PATCH", "composite/sobjects", typed, all_or_none)


def upsert_many(client: SalesforceClient, sobject: str, ext_field: str, records: Iterable[dict[str, Any]], *,
                all_or_none: bool = False) -> list[dict[str, Any]]:
    """Create or update records of one type by external id (`PATCH composite/sobjects/{T}/{field}`)."""
    return _send(client, "PATCH", f"composite/sobjects/{sobject}/{ext_field}", _typed(sobject, records),
                 all_or_none)


def delete_many(client: SalesforceClient, ids: Iterable[str], *, all_or_none: bool = False) -> list[dict[str, Any]]:
    """Delete records by id (`DELETE composite/sobjects?ids=`), 200 ids per call."""
    ids = list(ids)
    results: list[dict[str, Any]] = []
    for start in range(0, len(ids), MAX_RECORDS):
        params = {"ids": ",".join(ids[start:start + MAX_RECORDS]), "allOrNone": "true" if all_or_none else "false"}
        results.extend(client.request("DELETE", "composite/sobjects", params=params).json())
    return results


def retrieve_many(client: SalesforceClient, sobject: str, ids: Iterable[str],
                  fields: Iterable[str]) -> list[dict[str, Any] | None]:
    """Records by id (`POST composite/sobjects/{T}`, 2000 ids per call); None where an id has no record."""
    ids, fields = list(ids), list(fields)
    found: list[dict[str, Any] | None] = []
    for start in range(0, len(ids), MAX_RETRIEVE):
        body = {"ids": ids[start:start + MAX_RETRIEVE], "fields": fields}
        found.extend(client.request("POST", f"composite/sobjects/{sobject}", json=body).json())
    return found


def composite(client: SalesforceClient, subrequests: list[dict[str, Any]], all_or_none: bool = False,
              collate: bool = False) -> list[dict[str, Any]]:
    """Run up to 25 dependent subrequests in one call; returns `compositeResponse` in order.

    Each subrequest is `{"method", "url", "referenceId", "body"?, "httpHeaders"?}`; a `url`
    without a leading `/` is taken relative to `/services/data/{version}/`. Later
    subrequests may use `@{referenceId.field}` values of earlier results.
    """
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ValueError(f"a composite request holds at most {MAX_SUBREQUESTS} subrequests")
    prefix = f"/services/data/{client.api_version}/"
    sent = [{**s, "url": s["url"] if s["url"].startswith("/") else prefix + s["url"]} for s in subrequests]
    body = {"allOrNone": all_or_none, "collateSubrequests": collate, "compositeRequest": sent}
    return client.request("POST", "composite", json=body).json()["compositeResponse"]


def failures(results: Iterable[dict[str, Any] | None]) -> list[tuple[int, dict[str, Any]]]:
    """(index, result) of every failed record result, skipping allOrNone rollback notices."""
    failed = []
    for index, result in enumerate(results):
        if result is None or result.get("success", True):
            continue
        codes = {e.get("statusCode") for e in result.get("errors", [])}
        if codes != {"ALL_OR_NONE_OPERATION_ROLLED_BACK"}:
            failed.append((index, result))
    return failed
