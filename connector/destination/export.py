"""Seed 000's export: profiles and segment statuses into Contacts or Leads through sObject Collections.

A run takes XDM profiles (with `segmentMembership.ups`), computes each
record's wanted values (mapped attributes plus the status of every activated
segment in its Mapping-ID field), keeps only what differs from the journal's
last confirmed values, and sends the rest with `PATCH /composite/sobjects`
(`allOrNone: false`) in chunks of at most 200. Each chunk's values are
journaled as pending before it is sent and confirmed after, so re-running
after a crash or an abandoned chunk finishes the work with every update
applied once. Transient refusals (REQUEST_LIMIT_EXCEEDED, 429, 5xx) are retried
with bounded backoff and an expired session re-logs in (the client does
both); when retries run out the run stops as `incomplete` and its pending
updates are sent by the next run, never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import requests

from connector.salesforce import collections
from connector.salesforce.client import SalesforceClient
from connector.salesforce.errors import AuthenticationError, MalformedRequest, NotFound, SalesforceError
from connector.salesforce.retry import RetryPolicy

from .config import DestinationConfig
from .errors import UNKNOWN_ERRORS, DestinationConnectionError
from .journal import ActivationJournal, Values
from .mapping import FieldMapping, SegmentMapping, ValidatedMapping, crm_id, validate, xdm_value

CHUNK = collections.MAX_RECORDS
IN_SEGMENT = ("realized", "existing")


@dataclass(frozen=True)
class RecordFailure:
    """One profile whose update Salesforce refused: the run's message and Salesforce's own error."""

    profile_id: str
    record_id: str | None
    message: str
    status_code: str
    detail: str
    fields: tuple[str, ...] = ()


@dataclass
class RunReport:
    """Seed 000's validation figures for one run, and every failed record."""

    run_id: int
    profiles_in_segments: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    reconciled: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    status: str = "success"  # success | partial (some records failed) | incomplete (stopped; re-run)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"runId": self.run_id, "status": self.status, "profilesInSegments": self.profiles_in_segments,
                "recordsUpdated": self.records_updated, "recordsUnchanged": self.records_unchanged,
                "reconciled": self.reconciled, "error": self.error,
                "failures": [{"profileId": f.profile_id, "recordId": f.record_id, "message": f.message,
                              "statusCode": f.status_code, "detail": f.detail, "fields": list(f.fields)}
                             for f in self.failures]}


def _changes(wanted: dict[str, Values], sent: dict[str, Values]) -> list[tuple[str, Values]]:
    """Per record, only the fields whose value differs from the last confirmed one."""
    changes = []
    for record_id, values in wanted.items():
        before = sent.get(record_id, {})
        diff = {f: v for f, v in values.items() if f not in before or before[f] != v}
        if diff:
            changes.append((record_id, diff))
    return changes


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def connect(config: DestinationConfig, session: requests.Session | None = None,
            retry: RetryPolicy | None = None) -> SalesforceClient:
    """Log in with the password grant ("Connected"), or raise `DestinationConnectionError` with the reason."""
    creds = config.credentials
    try:
        return SalesforceClient.login_password(creds.url, creds.client_id, creds.client_secret, creds.username,
                                               creds.password, session=session, retry=retry)
    except AuthenticationError as exc:
        raise DestinationConnectionError(f"{exc.error_code}: {exc.message}", exc.error_code) from None
    except NotFound:
        raise DestinationConnectionError(f"no Salesforce org has the My Domain {creds.custom_domain!r}",
                                         "NOT_FOUND") from None
    except requests.ConnectionError:
        raise DestinationConnectionError(f"cannot reach {creds.url}", "UNREACHABLE") from None
    except SalesforceError as exc:
        raise DestinationConnectionError(f"{exc.error_code}: {exc.message}", exc.error_code) from None


class Destination:
    """An activated Salesforce CRM destination: client, validated mapping and journal."""

    def __init__(self, client: SalesforceClient, config: DestinationConfig, journal: ActivationJournal,
                 mapping: ValidatedMapping, clock: Callable[[], str] = _utc_now) -> None:
        self.client = client
        self.config = config
        self.journal = journal
        self.mapping = mapping
        self.clock = clock

    @classmethod
    def activate(cls, client: SalesforceClient, config: DestinationConfig, journal: ActivationJournal,
                 mappings: list[FieldMapping], segments: list[SegmentMapping], **kw: Any) -> Destination:
        """Validate the mapping against the object's describe (before any export) and bind it."""
        describe = client.describe(config.id_type)
        return cls(client, config, journal, validate(config.id_type, mappings, segments, describe), **kw)

    # -- one run ---------------------------------------------------------------------
    def export(self, profiles: Iterable[dict[str, Any]]) -> RunReport:
        """Send what changed for these profiles; the report has seed 000's figures and each failure."""
        report = RunReport(self.journal.start_run(self.clock()))
        try:
            report.reconciled = self._reconcile()
            wanted, owners = self._wanted(profiles, report)
            sent = self.journal.sent_values()
            changes = _changes(wanted, sent)
            report.records_unchanged = len(wanted) - len(changes)
            for start in range(0, len(changes), CHUNK):
                self._send(changes[start:start + CHUNK], owners, report)
        except SalesforceError as exc:
            report.status, report.error = "incomplete", f"{exc.status} {exc.error_code}: {exc.message}"
        except requests.RequestException as exc:
            report.status, report.error = "incomplete", f"{type(exc).__name__}: Salesforce unreachable"
        if report.status == "success" and report.failures:
            report.status = "partial"
        self.journal.finish_run(report.run_id, self.clock(), report.profiles_in_segments, report.records_updated,
                                len(report.failures), report.status)
        return report

    def _wanted(self, profiles: Iterable[dict[str, Any]],
                report: RunReport) -> tuple[dict[str, Values], dict[str, str]]:
        """Record id → field → value for every profile in an activated segment (ever), and its owner."""
        wanted: dict[str, Values] = {}
        owners: dict[str, str] = {}
        segments = [(s.segment_id, s.mapping_id) for s in self.mapping.segments]
        attributes = [(tuple(m.source.split(".")), m.target) for m in self.mapping.attributes]
        for profile in profiles:
            ups = (profile.get("segmentMembership") or {}).get("ups") or {}
            statuses = {name: ups[sid].get("status") for sid, name in segments if isinstance(ups.get(sid), dict)}
            if not statuses:
                continue
            if any(status in IN_SEGMENT for status in statuses.values()):
                report.profiles_in_segments += 1
            profile_id = str(profile.get("id", ""))
            record_id = crm_id(profile)
            if record_id is None:
                report.failures.append(RecordFailure(profile_id, None, "the profile has no crmID identity",
                                                     "MISSING_IDENTITY", "identityMap.crmID is empty"))
                continue
            values = wanted.setdefault(record_id, {})
            for path, target in attributes:
                value = xdm_value(profile, path)
                if value is not None:
                    values[target] = value if isinstance(value, str) else str(value)
            values.update({name: _text(status) for name, status in statuses.items()})
            owners[record_id] = profile_id
        return wanted, owners

    def _send(self, chunk: list[tuple[str, Values]], owners: dict[str, str], report: RunReport) -> None:
        sobject = self.mapping.sobject
        self.journal.record_intent(report.run_id, sobject, chunk)
        records = [{"attributes": {"type": sobject}, "Id": rid, **values} for rid, values in chunk]
        results = collections.update_many(self.client, sobject, records, all_or_none=False)
        refused = []
        for (record_id, _values), result in zip(chunk, results):
            if result.get("success"):
                report.records_updated += 1
            else:
                refused.append(record_id)
                report.failures.append(_failure(owners.get(record_id, ""), record_id, result))
        self.journal.confirm_run(report.run_id, refused)

    # -- crash recovery -----------------------------------------------------------------
    def _reconcile(self) -> int:
        """Settle the pending rows of a run that stopped: values already in Salesforce count as sent.

        Returns how many pending values were found applied. Every pending row
        is then cleared; this run computes what is still missing and sends it.
        """
        pending = self.journal.pending()
        if not pending:
            return 0
        sent = self.journal.sent_values()
        by_object: dict[str, dict[str, Values]] = {}
        for sobject, record_id, values in pending:
            by_object.setdefault(sobject, {})[record_id] = values
        found_applied = 0
        for sobject, records in by_object.items():
            names = sorted({name for values in records.values() for name in values})
            current = self._read_back(sobject, list(records), names)
            applied = []
            for record_id, values in records.items():
                found = current.get(record_id) or {}
                there = {n: v for n, v in values.items() if n in found and _text(found[n]) == v}
                if there:
                    found_applied += len(there)
                    applied.append((record_id, {**sent.get(record_id, {}), **there}))
            self.journal.confirm(sobject, applied, settled=list(records))
        return found_applied

    def _read_back(self, sobject: str, ids: list[str], names: list[str]) -> dict[str, dict[str, Any]]:
        """Current values by id; a field that no longer exists is left out (its value was not applied)."""
        try:
            records = collections.retrieve_many(self.client, sobject, ids, ["Id", *names])
        except MalformedRequest:
            if len(names) == 1:
                return {}
            merged: dict[str, dict[str, Any]] = {}
            for name in names:
                for record_id, values in self._read_back(sobject, ids, [name]).items():
                    merged.setdefault(record_id, {}).update(values)
            return merged
        return {r["Id"]: {n: r.get(n) for n in names} for r in records if r}


def _failure(profile_id: str, record_id: str, result: dict[str, Any]) -> RecordFailure:
    error = (result.get("errors") or [{}])[0]
    code = error.get("statusCode", "UNKNOWN")
    detail = error.get("message", "")
    message = UNKNOWN_ERRORS if code == "INVALID_FIELD" else f"{code}: {detail}"
    return RecordFailure(profile_id, record_id, message, code, detail, tuple(error.get("fields") or ()))
