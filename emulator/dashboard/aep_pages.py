"""AEP pages: Flow Service connections, flows and runs with their metrics; datasets and their rows;
segments and profiles with their activation status. Read through the backend's own objects, under its lock;
connection credentials are never shown (only the auth spec's name)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from flask import redirect, render_template, request, url_for

from ..aep.flowservice import connection_specs, destinations, flow_specs
from ..core.clock import iso
from .blueprint import PageError, bp, emulator, paged

MAX_ROW_COLUMNS = 12


def ms_iso(stamp: Any) -> str | None:
    """Epoch milliseconds → ISO (the Flow Service stamps its resources in ms)."""
    if not isinstance(stamp, (int, float)) or isinstance(stamp, bool) or stamp <= 0:
        return None
    return iso(datetime.fromtimestamp(stamp / 1000, timezone.utc))


def sandbox_of(key: str):
    """A sandbox by id, or by name (``?org=`` picks among orgs); 404 otherwise."""
    aep = emulator().aep
    org = request.args.get("org")
    candidates = [s for s in aep.sandboxes.values() if s.id == key or (s.name == key and org in (None, s.org_id))]
    if not candidates:
        raise PageError(404, f"no AEP sandbox {key!r}")
    return candidates[0]


def spec_name(spec_id: str | None, flow: bool = False) -> str:
    spec = (flow_specs.find(spec_id) if flow else connection_specs.find_spec(spec_id)) if spec_id else None
    return spec.get("name", spec_id) if spec else str(spec_id)


@bp.get("/aep")
def aep_index():
    aep = emulator().aep
    with aep.lock:
        rows = [{"org": s.org_id, "name": s.name, "id": s.id, "connections": len(s.flowservice.connections.items),
                 "flows": len(s.flowservice.flows.items), "runs": len(s.flowservice.runs.items),
                 "datasets": len(s.catalog.datasets), "profiles": len(s.profiles.profiles),
                 "segments": len(s.profiles.segments)} for s in aep.sandboxes.values()]
    return render_template("aep_index.html", page=paged(rows))


def _default_sandbox() -> str:
    aep = emulator().aep
    default = (aep.spec or {}).get("sandbox") or next((s.name for s in aep.sandboxes.values()), None)
    if default is None:
        raise PageError(404, "the emulator has no AEP sandbox (load a fixture with an aep section)")
    return default


@bp.get("/aep/flows")
def aep_flows_default():
    return aep_flows(_default_sandbox())


@bp.get("/aep/<sandbox>")
def aep_sandbox(sandbox: str):
    with emulator().aep.lock:
        box = sandbox_of(sandbox)
    return redirect(url_for("dashboard.aep_flows", sandbox=box.name), 303)


@bp.get("/aep/<sandbox>/connections")
def aep_connections(sandbox: str):
    aep = emulator().aep
    with aep.lock:
        box = sandbox_of(sandbox)
        service = box.flowservice
        base = [{"id": c["id"], "name": c.get("name"), "spec": spec_name(c["connectionSpec"]["id"]),
                 "auth": (c.get("auth") or {}).get("specName"), "state": c.get("state"),
                 "reason": c.get("stateReason"), "created": ms_iso(c.get("createdAt"))}
                for c in reversed(list(service.connections.items.values()))]
        sources = [{"id": c["id"], "name": c.get("name"), "base": c.get("baseConnectionId"),
                    "table": (c.get("params") or {}).get("tableName"),
                    "columns": len((c.get("params") or {}).get("columns") or []),
                    "format": (c.get("data") or {}).get("format"), "spec": spec_name(c["connectionSpec"]["id"]),
                    "state": c.get("state")} for c in reversed(list(service.source_connections.items.values()))]
        targets = [{"id": c["id"], "name": c.get("name"), "base": c.get("baseConnectionId"),
                    "dataset": (c.get("params") or {}).get("dataSetId"),
                    "params": {k: v for k, v in (c.get("params") or {}).items() if k != "dataSetId"},
                    "spec": spec_name(c["connectionSpec"]["id"]), "state": c.get("state")}
                   for c in reversed(list(service.target_connections.items.values()))]
    return render_template("aep_connections.html", sandbox=box, base=paged(base, "base_page", 10),
                           sources=paged(sources, "source_page", 10), targets=paged(targets, "target_page", 10))


def _run_row(run: dict, flows: dict) -> dict[str, Any]:
    metrics = run.get("metrics") or {}
    status = metrics.get("statusSummary") or {}
    records = metrics.get("recordSummary") or {}
    sizes = metrics.get("sizeSummary") or {}
    duration = metrics.get("durationSummary") or {}
    started, completed = duration.get("startedAtUTC"), duration.get("completedAtUTC")
    errors = status.get("errors") or []
    flow = flows.get(run.get("flowId"))
    return {"id": run["id"], "flow_id": run.get("flowId"), "flow": flow.get("name") if flow else None,
            "status": status.get("status", "?"), "created": ms_iso(run.get("createdAt")),
            "started": ms_iso(started), "completed": ms_iso(completed),
            "seconds": (completed - started) / 1000 if isinstance(started, int) and isinstance(completed, int)
            else None,
            "input": records.get("inputRecordCount"), "output": records.get("outputRecordCount"),
            "failed": records.get("failedRecordCount"), "input_bytes": sizes.get("inputBytes"),
            "output_bytes": sizes.get("outputBytes"),
            "error": f"{errors[0].get('code')}: {errors[0].get('message')}" if errors else None,
            "window": next((a.get("durationSummary", {}).get("extensions") for a in run.get("activities") or []
                            if a.get("id") == "copyActivity"), None)}


@bp.get("/aep/<sandbox>/flows")
def aep_flows(sandbox: str):
    aep = emulator().aep
    flow_filter = request.args.get("flow", "").strip()
    with aep.lock:
        box = sandbox_of(sandbox)
        service = box.flowservice
        flows = []
        for flow in reversed(list(service.flows.items.values())):
            schedule = flow.get("scheduleParams") or {}
            planned = service.schedules.get(flow["id"])
            next_due = planned.next_due if planned is not None and flow.get("state") == "enabled" else None
            last = flow.get("lastRunDetails") or {}
            source = service.source_connections.items.get((flow.get("sourceConnectionIds") or [None])[0] or "")
            target = service.target_connections.items.get((flow.get("targetConnectionIds") or [None])[0] or "")
            runs = sum(1 for r in service.runs.items.values() if r.get("flowId") == flow["id"])
            segments = destinations.segment_selectors(flow) if destinations.is_destination(flow) else ()
            flows.append({
                "id": flow["id"], "name": flow.get("name"), "state": flow.get("state"),
                "spec": spec_name(flow["flowSpec"]["id"], flow=True),
                "source": (source or {}).get("params", {}).get("tableName") or (source or {}).get("name"),
                "dataset": ((target or {}).get("params") or {}).get("dataSetId"),
                "target": (target or {}).get("name"),
                "frequency": schedule.get("frequency"), "interval": schedule.get("interval"),
                "start": ms_iso(int(schedule["startTime"]) * 1000) if str(schedule.get("startTime", "")).isdigit()
                else None,
                "next_due": iso(datetime.fromtimestamp(next_due, timezone.utc)) if next_due else None,
                "last_state": last.get("state"), "last_completed": ms_iso(last.get("completedAtUTC")),
                "runs": runs, "segments": [name or segment_id for segment_id, _m, name in segments]})
        flow_names = {f["id"]: f for f in service.flows.items.values()}
        all_runs = sorted(service.runs.items.values(), key=lambda r: (r.get("createdAt", 0), r["id"]), reverse=True)
        if flow_filter:
            all_runs = [r for r in all_runs if r.get("flowId") == flow_filter]
        runs_page = paged(all_runs, "runs_page")
        runs_page.items = [_run_row(r, flow_names) for r in runs_page.items]
    return render_template("aep_flows.html", sandbox=box, flows=paged(flows, "flows_page", 10), runs=runs_page,
                           flow_filter=flow_filter)


@bp.get("/aep/<sandbox>/datasets")
def aep_datasets(sandbox: str):
    aep = emulator().aep
    with aep.lock:
        box = sandbox_of(sandbox)
        rows = []
        for dataset in reversed(list(box.catalog.datasets.values())):
            document = dataset.document
            batches = sum(1 for b in box.catalog.batches.values() if b.dataset_id == dataset.id)
            rows.append({"id": dataset.id, "name": document.get("name"), "schema": dataset.schema_id,
                         "rows": len(dataset.rows), "batches": batches,
                         "last_status": document.get("lastBatchStatus"), "updated": ms_iso(document.get("updated"))})
    return render_template("aep_datasets.html", sandbox=box, page=paged(rows))


def flatten(value: Any, prefix: str = "", out: dict | None = None) -> dict[str, Any]:
    """An XDM row as ``{"person.name.firstName": …}``; lists are shown as JSON."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value, separators=(",", ":"), default=str)
    else:
        out[prefix] = value
    return out


@bp.get("/aep/<sandbox>/datasets/<dataset_id>")
def aep_dataset(sandbox: str, dataset_id: str):
    aep = emulator().aep
    with aep.lock:
        box = sandbox_of(sandbox)
        dataset = box.catalog.dataset(dataset_id)
        if dataset is None:
            raise PageError(404, f"no dataset {dataset_id!r} in sandbox {box.name}")
        page = paged(dataset.rows)
        rows = [flatten(row) for row in page.items]
        batches = [{"id": b.id, "status": b.document.get("status"), "records": b.document.get("recordCount"),
                    "failed": b.document.get("failedRecordCount"), "created": ms_iso(b.document.get("created")),
                    "flow_run": ",".join(b.document.get("tags", {}).get("flowRunId", []))}
                   for b in reversed(list(box.catalog.batches.values())) if b.dataset_id == dataset.id]
        name = dataset.document.get("name")
    names = list(dict.fromkeys(key for row in rows for key in row))
    page.items = rows
    return render_template("aep_dataset.html", sandbox=box, dataset_id=dataset_id, name=name, page=page,
                           columns=names[:MAX_ROW_COLUMNS], more_columns=max(0, len(names) - MAX_ROW_COLUMNS),
                           batches=paged(batches, "batches_page", 10))


def _activations(service: Any) -> list[dict[str, Any]]:
    """Destination flows with their activated segments (seed 000): flow, state, mapping field per segment."""
    found = []
    for flow in service.flows.items.values():
        if destinations.is_destination(flow):
            state = service.exports.get(flow["id"])
            found.append({"flow": flow, "selectors": destinations.segment_selectors(flow), "state": state})
    return found


def _sent(state: Any, record_ids: list[str]) -> dict[str, dict]:
    """What a destination flow's journal says it wrote to these records (only the page's records)."""
    if state is None or not record_ids:
        return {}
    marks = ",".join("?" * len(record_ids))
    rows = state.journal.db.execute(f"SELECT record_id, fields FROM sent WHERE record_id IN ({marks})", record_ids)
    return {record_id: json.loads(fields) for record_id, fields in rows}


@bp.get("/aep/<sandbox>/profiles")
def aep_profiles(sandbox: str):
    aep = emulator().aep
    term = request.args.get("q", "").strip().lower()[:80]
    with aep.lock:
        box = sandbox_of(sandbox)
        store = box.profiles
        activations = _activations(box.flowservice)
        segments = []
        for segment in store.segments.values():
            counts = {"realized": 0, "existing": 0, "exited": 0}
            for by_segment in store.memberships.values():
                membership = by_segment.get(segment.id)
                if membership is not None:
                    counts[membership.status] += 1
            activated = [{"flow": a["flow"].get("name") or a["flow"]["id"], "flow_id": a["flow"]["id"],
                          "mapping": mapping, "state": a["flow"].get("state"),
                          "last": (a["flow"].get("lastRunDetails") or {}).get("state")}
                         for a in activations for segment_id, mapping, _name in a["selectors"]
                         if segment_id == segment.id]
            segments.append({"id": segment.id, "name": segment.name, "description": segment.description,
                             "counts": counts, "activated": activated})
        profiles = list(store.profiles.values())
        if term:
            profiles = [p for p in profiles if term in json.dumps(p, default=str).lower()]
        page = paged(profiles)
        crm_ids = [((p.get("identityMap") or {}).get("crmID") or [{}])[0].get("id") for p in page.items]
        sent = [(a, _sent(a["state"], [c for c in crm_ids if c])) for a in activations]
        names = {s.id: s.name for s in store.segments.values()}
        rows = []
        for profile, crm in zip(page.items, crm_ids):
            person = (profile.get("person") or {}).get("name") or {}
            memberships = [{"segment": names.get(sid, sid), "status": m.status, "since": iso(m.last_change)}
                           for sid, m in sorted(store.memberships.get(profile["id"], {}).items())]
            exported = []
            for activation, written in sent:
                values = written.get(crm or "")
                for segment_id, mapping, name in activation["selectors"]:
                    if segment_id in store.memberships.get(profile["id"], {}):
                        exported.append({"flow": activation["flow"].get("name"), "segment": name or segment_id,
                                         "field": mapping, "value": (values or {}).get(mapping)})
            rows.append({"id": profile["id"], "crm_id": crm,
                         "name": " ".join(x for x in (person.get("firstName"), person.get("lastName")) if x),
                         "email": (profile.get("personalEmail") or {}).get("address"),
                         "company": (profile.get("b2b") or {}).get("companyName"),
                         "memberships": memberships, "exported": exported})
        page.items = rows
    return render_template("aep_profiles.html", sandbox=box, segments=paged(segments, "segments_page", 10),
                           page=page, term=request.args.get("q", ""))
