"""Flow runs (AEP-FS-6): on-demand requests, and what one run does and records.

A run reads its window of the source table through the emulated Salesforce
API (:mod:`.salesforce_reader`), maps each record with the flow's mapping set,
writes one Catalog batch into the target dataset and records the run in the
real shape: ``metrics`` and ``activities`` (copy, then promotion), no
top-level status.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import FlowServiceError, bad_request
from . import flow_specs
from .codes import INVALID, RUN_NOT_ALLOWED, UNKNOWN_REFERENCE
from .connections import required_object
from .flows import validated
from .resources import Collection
from .salesforce_reader import SalesforceReader, SourceError, window_soql

SOURCE_ERROR = "CONNECTOR-1001-500"  # a Salesforce error: login, limits, a revoked user, a bad query
MAPPING_ERROR = "MAPPER-1301-400"  # a record that maps to an empty XDM row
FLOW_DELETED = "FLOW-1439-404"  # an on-demand run whose flow was deleted before it started
SAMPLE_ERRORS = 5


@dataclass
class Window:
    """A run's window on the delta column, epoch seconds; ``start`` None reads from the beginning."""

    start: int | None
    end: int


@dataclass
class Outcome:
    status: str  # success | failed
    input_count: int = 0
    output_count: int = 0
    failed_count: int = 0
    input_bytes: int = 0
    output_bytes: int = 0
    batch_id: str | None = None
    errors: tuple[dict, ...] = ()
    sample_errors: tuple[dict, ...] = ()


class Runs(Collection):
    """The runs of one sandbox; ``build`` validates a ``POST /runs`` body."""

    kind = "runs"
    case_insensitive = frozenset({"metrics.statusSummary.status", "activities.statusSummary.status"})

    def build(self, body: Any, context: Any) -> dict:
        body = required_object(body)
        flow_id = body.get("flowId")
        if not isinstance(flow_id, str) or not flow_id:
            raise FlowServiceError(400, INVALID, "Bad request", "flowId: is required", {"path": "flowId"})
        flow = context.flowservice.flows.items.get(flow_id)
        if flow is None:
            raise FlowServiceError(400, UNKNOWN_REFERENCE, "Bad request", f"The flows resource {flow_id} is not found.",
                                   {"path": "flowId"})
        if flow.get("scheduleParams", {}).get("frequency") not in (None, "once"):
            raise bad_request(RUN_NOT_ALLOWED, f"The flow {flow_id} is scheduled "
                                               f"{flow['scheduleParams']['frequency']}: on-demand runs are for flows "
                                               "scheduled once.")
        if flow["state"] != "enabled":
            raise bad_request(RUN_NOT_ALLOWED, f"The flow {flow_id} is disabled.")
        spec = flow_specs.find(flow["flowSpec"]["id"]) or {}
        if spec.get("attributes", {}).get("frequency") == "streaming":
            raise bad_request(RUN_NOT_ALLOWED, f"The flow {flow_id} is a streaming destination flow: it exports "
                                               "each profile change as it happens, not on demand.")
        params = body.get("params", {})
        if not isinstance(params, dict):
            raise FlowServiceError(400, INVALID, "Bad request", "params: must be an object", {"path": "params"})
        known = spec.get("runSpec", {}).get("spec", {})
        params = validated({k: v for k, v in params.items() if k in known.get("properties", {})}, known, "params")
        if params["windowStartTime"] > params["windowEndTime"]:
            raise FlowServiceError(400, INVALID, "Bad request",
                                   "params.windowStartTime: must not be after windowEndTime",
                                   {"path": "params.windowStartTime"})
        return {"flowId": flow_id, "params": params}


def transformation(flow: dict, name: str) -> dict:
    return next((t.get("params") or {} for t in flow.get("transformations", []) if t.get("name") == name), {})


def delta_column(flow: dict) -> str | None:
    return (transformation(flow, "Copy").get("deltaColumn") or {}).get("name")


def _columns(source: dict, mapping: Any, delta: str | None) -> list[str]:
    names = [c["name"] for c in source.get("params", {}).get("columns", []) if isinstance(c, dict)]
    names += mapping.source_attributes() if mapping is not None else []
    names += [delta] if delta else []
    chosen: dict[str, str] = {}
    for name in names:
        chosen.setdefault(name.lower(), name)
    return list(chosen.values()) or ["Id"]


def execute(flow: dict, run_id: str, window: Window, context: Any, reader: SalesforceReader, ids: Any,
            now: Any) -> Outcome:
    """Read the window, map, write one batch; Salesforce errors give a failed outcome, never an exception."""
    service, sandbox = context.flowservice, context.sandbox
    source = service.source_connections.items[flow["sourceConnectionIds"][0]]
    target = service.target_connections.items[flow["targetConnectionIds"][0]]
    mapping_id = transformation(flow, "Mapping").get("mappingId")
    mapping = sandbox.conversion.get(mapping_id) if mapping_id else None
    delta = delta_column(flow)
    soql = window_soql(source["params"]["tableName"], _columns(source, mapping, delta), delta, window.start,
                       window.end)
    credentials = service.connections.credentials(source["baseConnectionId"])
    try:
        records, input_bytes = reader.query_all(source["baseConnectionId"], credentials, soql)
    except SourceError as error:
        return Outcome("failed", errors=({"code": SOURCE_ERROR, "message": f"{error.code}: {error.message}"},))
    rows, failures = [], []
    for record in records:
        record.pop("attributes", None)
        row = mapping.apply(record) if mapping is not None else record
        if row:
            rows.append(row)
        else:
            failures.append({"code": MAPPING_ERROR, "message": f"Record {record.get('Id')} maps to no XDM field."})
    status = _status(len(records), len(failures), flow.get("options") or {})
    written = rows if status == "success" else []
    outcome = Outcome(status, len(records), len(written), len(failures),
                      input_bytes, len(orjson.dumps(written)) if written else 0)
    diagnostics = bool((flow.get("options") or {}).get("errorDiagnosticsEnabled"))
    outcome.sample_errors = tuple(failures[:SAMPLE_ERRORS]) if diagnostics else ()
    if status == "failed":
        share = f"{len(failures)} of {len(records)} records failed"
        outcome.errors = ({"code": MAPPING_ERROR, "message": f"{share}, above the partial ingestion threshold."},)
    if records:
        batch = sandbox.catalog.write_batch(
            ids.source, now, target["params"]["dataSetId"], written, failed_record_count=outcome.failed_count,
            errors=[{"code": e["code"], "description": e["message"]} for e in (*outcome.errors, *failures[:1])],
            tags={"flowId": flow["id"], "flowRunId": run_id}, status=status)
        outcome.batch_id = batch.id
    return outcome


def _status(total: int, failed: int, options: dict) -> str:
    """Failed when the failed share is above ``partialIngestionPercent`` (any failure without it)."""
    if not failed:
        return "success"
    threshold = options.get("partialIngestionPercent")
    if threshold is None:
        return "failed"
    return "success" if failed * 100 / total <= float(threshold) else "failed"


def record(run: dict, flow: dict, window: Window, outcome: Outcome, started_ms: int, completed_ms: int) -> None:
    """Fill ``run`` with the real run shape for ``outcome``."""
    status = {"status": outcome.status, "errors": list(outcome.errors)}
    records = {"inputRecordCount": outcome.input_count, "outputRecordCount": outcome.output_count,
               "failedRecordCount": outcome.failed_count}
    sizes = {"inputBytes": outcome.input_bytes, "outputBytes": outcome.output_bytes}
    files = {"inputFileCount": 1 if outcome.input_count else 0, "outputFileCount": 1 if outcome.batch_id else 0}
    duration = {"startedAtUTC": started_ms, "completedAtUTC": completed_ms}
    batches = [outcome.batch_id] if outcome.batch_id else []
    targets = [{"id": t, "type": "TargetConnection", "reference": {"type": "Batch", "ids": batches}}
               for t in flow["targetConnectionIds"]]
    copy_status = {**status, "extensions": {"manifest": {"failedRecords": outcome.failed_count,
                                                         "sampleErrors": list(outcome.sample_errors)}}}
    window_ms = {"windowStart": window.start * 1000 if window.start is not None else 0,
                 "windowEnd": window.end * 1000}
    run["metrics"] = {"durationSummary": duration, "sizeSummary": sizes, "recordSummary": records,
                      "fileSummary": files, "statusSummary": status}
    run["activities"] = [
        {"id": "copyActivity", "updatedAtUTC": completed_ms,
         "durationSummary": {**duration, "extensions": window_ms}, "sizeSummary": sizes, "recordSummary": records,
         "fileSummary": files, "statusSummary": copy_status,
         "sourceInfo": [{"id": s, "type": "SourceConnection"} for s in flow["sourceConnectionIds"]],
         "targetInfo": targets},
        {"id": "promotionActivity", "updatedAtUTC": completed_ms, "durationSummary": dict(duration),
         "recordSummary": records, "statusSummary": {**status}, "targetInfo": targets}]


def scheduled(run: dict) -> None:
    """A run requested on demand, before the next tick picks it up."""
    run["metrics"] = {"statusSummary": {"status": "scheduled", "errors": []}}
    run["activities"] = []


def last_run_details(run: dict, outcome: Outcome) -> dict:
    state = "failed" if outcome.status == "failed" else "partialSuccess" if outcome.failed_count else "success"
    duration = run["metrics"]["durationSummary"]
    return {"id": run["id"], "state": state, "startedAtUTC": duration["startedAtUTC"],
            "completedAtUTC": duration["completedAtUTC"]}
