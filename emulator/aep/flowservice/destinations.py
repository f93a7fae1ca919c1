"""Streaming export of destination flows (AEP-DEST-1): profile-store changes to Salesforce CRM.

A destination flow (flowSpec ``71471eba-…``) reads the sandbox's profile store
and writes to a "Salesforce CRM" target connection. At each tick, every
enabled destination flow with activated segments sends the profiles changed
since its cursor (the store's change log) through the connector's
:class:`~connector.destination.Destination` — password grant on the base
connection's My Domain, mapping validated against the describe, sObject
Collections updates in chunks of ≤ 200 — over the emulator's own WSGI app,
so every call is journaled, counted against the org and meets its faults.
Each export with changes is recorded as a run in the AEP-FS-6 shape. No HTTP
routes here; the AEP backend's lock is held by the caller.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import requests

from connector.destination import (UNKNOWN_ERRORS, ActivationJournal, DestinationConfig, DestinationConnectionError,
                                   InvalidMappingId, MappingError, SalesforceCredentials, SegmentMapping, connect,
                                   standard_mapping)
from connector.destination.export import Destination, RunReport
from connector.salesforce.errors import SalesforceError
from connector.salesforce.retry import RetryPolicy

from . import runs as run_logic
from .resources import epoch_ms
from .runs import Outcome, Window

DESTINATION_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"
EXPORT_ERROR = "DESTINATION-1001-500"  # Salesforce refused the export (or a record of it)
CONNECTION_ERROR = "DESTINATION-1002-401"  # the destination could not log in to Salesforce
# Backoff without sleeping: the emulator's time only moves with its clock.
NO_SLEEP_RETRY = RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0, sleep=lambda _seconds: None)


class MemoryJournal(ActivationJournal):
    """The connector's activation journal in memory; copied whole (``serialize``) by snapshots."""

    def __init__(self) -> None:
        super().__init__(":memory:")

    def __deepcopy__(self, memo: dict) -> "MemoryJournal":
        twin = MemoryJournal()
        twin.db.deserialize(self.db.serialize())
        return twin

    def __reduce__(self) -> tuple:
        """Pickled (durable state) as the database's bytes."""
        return _journal_from_bytes, (self.db.serialize(),)


def _journal_from_bytes(data: bytes) -> MemoryJournal:
    journal = MemoryJournal()
    journal.db.deserialize(data)
    return journal


@dataclass
class ExportState:
    """Where one destination flow stands: the change-log cursor, the selectors it exported, its journal."""

    cursor: int = 0
    selectors: tuple[tuple[str, str, str], ...] = ()
    journal: MemoryJournal = field(default_factory=MemoryJournal)


def is_destination(flow: dict) -> bool:
    return flow["flowSpec"]["id"] == DESTINATION_FLOW_SPEC


def segment_selectors(flow: dict) -> tuple[tuple[str, str, str], ...]:
    """(segment id, Mapping ID, name) of every ``PLATFORM_SEGMENT`` selector of the GeneralTransform."""
    params = run_logic.transformation(flow, "GeneralTransform")
    selectors = ((params.get("segmentSelectors") or {}).get("selectors")) or []
    found = []
    for selector in selectors:
        value = selector.get("value") if isinstance(selector, dict) else None
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            found.append((value["id"], str(value.get("mappingId") or ""), str(value.get("name") or "")))
    return tuple(found)


def pending(sandbox: Any) -> bool:
    """Lock-free first look: did the profile store or the flows change since the last export pass?"""
    service = sandbox.flowservice
    return service.exported != (sandbox.profiles.seq, service.flow_version)


def export_all(sandbox: Any, context: Any, session_factory: Callable[[], requests.Session] | None, ids: Any,
               now: datetime) -> None:
    """Send each enabled destination flow's changes since its cursor; one run per flow with changes."""
    service, store = sandbox.flowservice, sandbox.profiles
    for flow in list(service.flows.items.values()):
        if not is_destination(flow) or flow["state"] != "enabled":
            continue
        state = service.exports.setdefault(flow["id"], ExportState())
        selectors = segment_selectors(flow)
        if selectors != state.selectors:  # a segment (de)activated or remapped: every profile is looked at again
            state.selectors, state.cursor = selectors, 0
        changed, cursor = store.changes_since(state.cursor)
        activated = {segment_id for segment_id, _, _ in selectors}
        changed = [p for p in changed if activated & store.memberships.get(p, {}).keys()]
        if not changed:  # nothing that concerns an activated segment: no run
            state.cursor = cursor
            continue
        profiles = [store.xdm(profile_id) for profile_id in changed]
        run = service.new_run(flow, ids, now)
        outcome, keep_cursor = _export(flow, profiles, state, context, session_factory, now)
        started = epoch_ms(now)
        run_logic.record(run, flow, Window(None, int(now.timestamp())), outcome, started, started)
        flow["lastRunDetails"] = run_logic.last_run_details(run, outcome)
        if not keep_cursor:
            state.cursor = cursor
    service.exported = (store.seq, service.flow_version)


def _config(flow: dict, context: Any) -> DestinationConfig:
    service = context.flowservice
    target = service.target_connections.items[flow["targetConnectionIds"][0]]
    params = service.connections.credentials(target["baseConnectionId"])
    credentials = SalesforceCredentials(password=str(params.get("password", "")),
                                        custom_domain=str(params.get("customDomain", "")),
                                        client_id=str(params.get("clientId", "")),
                                        client_secret=str(params.get("clientSecret", "")),
                                        username=str(params.get("username", "")))
    return DestinationConfig(credentials, id_type=target["params"]["salesforceIdType"], name=flow.get("name") or "")


def _export(flow: dict, profiles: list[dict], state: ExportState, context: Any,
            session_factory: Callable[[], requests.Session] | None, now: datetime) -> tuple[Outcome, bool]:
    """The connector's run over ``profiles``; (outcome, keep the cursor to send them again next time)."""
    total = len(profiles)
    if session_factory is None:
        return _failed(total, EXPORT_ERROR, "the emulator has no HTTP app to reach Salesforce through"), True
    try:
        config = _config(flow, context)
        client = connect(config, session=session_factory(), retry=NO_SLEEP_RETRY)
    except ValueError as exc:  # the stored credentials do not make a configuration (never their values)
        return _failed(total, CONNECTION_ERROR, f"Invalid destination connection: {exc}"), True
    except DestinationConnectionError as exc:
        return _failed(total, CONNECTION_ERROR, f"Could not connect to Salesforce: {exc.reason}"), True
    segments = [SegmentMapping(segment_id, mapping_id, name) for segment_id, mapping_id, name in state.selectors]
    stamp = now.isoformat(timespec="milliseconds")
    try:
        destination = Destination.activate(client, config, state.journal, standard_mapping(config.id_type), segments,
                                           clock=lambda: stamp)
    except InvalidMappingId as exc:  # seed 000: a Mapping ID that is not a custom field of the object
        return _failed(total, EXPORT_ERROR, UNKNOWN_ERRORS, f"INVALID_FIELD: {exc}"), False
    except MappingError as exc:
        return _failed(total, EXPORT_ERROR, f"Invalid mapping: {exc}"), False
    except SalesforceError as exc:
        return _failed(total, EXPORT_ERROR, f"{exc.error_code}: {exc.message}"), True
    report = destination.export(profiles)
    return _outcome(report, total), report.status == "incomplete"


def _failed(total: int, code: str, message: str, detail: str | None = None) -> Outcome:
    error = {"code": code, "message": message, **({"detail": detail} if detail else {})}
    return Outcome("failed", input_count=total, failed_count=total, errors=(error,), sample_errors=(error,))


def _outcome(report: RunReport, total: int) -> Outcome:
    """A connector report as a run outcome: profiles read in, records updated out, each refused record."""
    samples = tuple({"code": EXPORT_ERROR, "message": f.message, "detail": f"{f.status_code}: {f.detail}",
                     "profileId": f.profile_id, "recordId": f.record_id}
                    for f in report.failures[:run_logic.SAMPLE_ERRORS])
    errors: tuple[dict, ...] = tuple(copy.deepcopy(samples))
    status = "success"
    if report.status == "incomplete":
        status = "failed"
        errors = ({"code": EXPORT_ERROR, "message": f"Export stopped, retried at the next change: {report.error}"},
                  *errors)
    elif report.failures and not report.records_updated:
        status = "failed"
    return Outcome(status, input_count=total, output_count=report.records_updated,
                   failed_count=len(report.failures), errors=errors, sample_errors=samples)
