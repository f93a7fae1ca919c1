"""Salesforce pages: overview (orgs, users, apps — never a secret), objects, records, a record, fields, limits."""
from __future__ import annotations

from typing import Any

from flask import render_template, request

from ..core.clock import iso
from ..core.ids import normalize_id
from ..salesforce.api_usage import WINDOW
from ..salesforce.sobjects.records import OrgData
from ..salesforce.sobjects.render import compound_value, json_value
from . import records as record_table
from .journal_page import shown_entry
from .blueprint import Page, PageError, bp, check_page, emulator, page_number, page_size, paged

HISTORY_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp",
                  "IsDeleted")
JOURNAL_MATCHES = 25


def api_version() -> str:
    return f"v{emulator().config.api_version_max}.0"


def org_data() -> OrgData:
    """The org named by ``?org=`` (the default org without it); 404 when there is none."""
    backend = emulator().salesforce
    wanted = request.args.get("org")
    if wanted:
        found = backend.orgs.get(normalize_id(wanted) or wanted)
        if found is None:
            raise PageError(404, f"no Salesforce org {wanted!r}")
        return found
    if not backend.orgs:
        raise PageError(404, "the emulator has no Salesforce org (load a fixture with an org)")
    return backend.default_org()


def org_args(data: OrgData) -> dict[str, str]:
    """The ``org`` link parameter, only when the emulator holds more than one org."""
    return {"org": data.org.id} if len(emulator().salesforce.orgs) > 1 else {}


def schema_of(data: OrgData, name: str):
    obj = data.schema.get(name)
    if obj is None:
        raise PageError(404, f"no object named {name!r} in this org")
    return obj


def live_count(data: OrgData, name: str) -> tuple[int, int]:
    """(live, deleted) records of an object (the recycle bin holds the deleted ones)."""
    store = data.stores.get(name)
    if store is None:
        return 0, 0
    deleted = sum(1 for r in store.records.values() if r["IsDeleted"])
    return len(store) - deleted, deleted


def percent(used: int, maximum: int) -> int:
    return 100 if maximum <= 0 else min(100, round(used * 100 / maximum))


def cap_usage(data: OrgData, obj) -> dict[str, Any]:
    """Custom fields counted against the per-object cap (scope ``all`` or ``unique_external``)."""
    config = data.org.config
    custom = obj.custom_fields()
    counted = custom if config.custom_field_cap_scope == "all" else [f for f in custom if f.external_id or f.unique]
    cap = max(config.custom_field_cap, 0)
    return {"used": len(counted), "cap": cap, "custom": len(custom), "scope": config.custom_field_cap_scope,
            "percent": percent(len(counted), cap)}


# -- overview ----------------------------------------------------------------------------------
@bp.get("")
def overview():
    emu = emulator()
    backend = emu.salesforce
    now = emu.clock.now()
    with backend.lock:
        orgs = []
        for data in backend.orgs.values():
            org = data.org
            sessions = sum(1 for s in backend.tokens.sessions.values()
                           if s.org_id == org.id and not s.revoked and not s.expired(now, org.config.session_timeout))
            used, maximum = data.api_usage.current(now), org.config.daily_api_limit
            orgs.append({"id": org.id, "name": org.name, "my_domain": org.config.my_domain,
                         "users": len(org.users), "apps": len(org.apps), "sessions": sessions,
                         "api_used": used, "api_max": maximum, "api_percent": percent(used, maximum)})
        data = backend.default_org() if backend.orgs else None
        users = apps = None
        if data is not None:
            users = paged([{"id": u.id, "username": u.username, "name": u.name, "email": u.email,
                            "active": u.active, "time_zone": u.time_zone} for u in data.org.users.values()],
                          "users_page", 10)
            names = {u.id: u.username for u in data.org.users.values()}
            apps = paged([{"name": a.name, "client_id": a.client_id, "callback_urls": a.callback_urls,
                           "scopes": sorted(a.scopes), "client_credentials": a.client_credentials_enabled,
                           "run_as": names.get(a.run_as_user_id or "", ""),
                           "relax_ip": a.relax_ip_restrictions,
                           "propagation": int(a.propagation_delay.total_seconds()),
                           "effective": a.effective(now)} for a in data.org.apps.values()], "apps_page", 10)
    aep = emu.aep
    with aep.lock:
        clients = [{"client_id": c.client_id, "org_id": c.org_id} for c in aep.clients.values()]
        sandboxes = [{"org": s.org_id, "name": s.name, "id": s.id,
                      "connections": len(s.flowservice.connections.items), "flows": len(s.flowservice.flows.items),
                      "runs": len(s.flowservice.runs.items), "datasets": len(s.catalog.datasets),
                      "profiles": len(s.profiles.profiles), "segments": len(s.profiles.segments)}
                     for s in aep.sandboxes.values()]
        live_tokens = sum(1 for t in aep.tokens.values() if now < t.expires_at)
    return render_template("overview.html", orgs=orgs, users=users, apps=apps, clients=clients,
                           sandboxes=paged(sandboxes, "sandboxes_page", 10), ims_tokens=live_tokens,
                           clock=emu.clock.state(), faults=len(emu.faults.rules()))


# -- objects -----------------------------------------------------------------------------------
@bp.get("/objects")
def objects():
    data = org_data()
    with emulator().salesforce.lock:
        rows = []
        for obj in data.schema.all():
            live, deleted = live_count(data, obj.name)
            rows.append({"name": obj.name, "label": obj.label_plural, "prefix": obj.key_prefix, "live": live,
                         "deleted": deleted, "fields": len(obj.fields), "cap": cap_usage(data, obj)})
    return render_template("objects.html", page=paged(rows), org=data.org, org_args=org_args(data))


@bp.get("/objects/<name>")
def records(name: str):
    data = org_data()
    emu = emulator()
    term = "".join(ch for ch in request.args.get("q", "") if ch >= " ")[:record_table.MAX_TERM]
    number, size = page_number(), page_size()
    with emu.salesforce.lock:
        obj = schema_of(data, name)
        offset = (number - 1) * size
        total, result = record_table.query_page(data, api_version(), emu.clock.now(), obj, term, offset, size)
    if result is None:
        check_page(number, size, total)
    page = Page(result.rows if result else [], number, size, total)
    return render_template("records.html", obj=obj, page=page, columns=result.columns if result else [],
                           parents=result.parents if result else {},
                           parent_objects={c: obj.field(c).reference_to[0] for c in (result.parents if result else {})},
                           soql=result.soql if result else "", term=term, org=data.org, org_args=org_args(data))


@bp.get("/objects/<name>/<record_id>")
def record(name: str, record_id: str):
    data = org_data()
    emu = emulator()
    with emu.salesforce.lock:
        obj = schema_of(data, name)
        normalized = normalize_id(record_id)
        store = data.stores.get(obj.name)
        stored = store.get(normalized) if normalized and store is not None else None
        if stored is None:
            raise PageError(404, f"no {obj.name} record with id {record_id!r}")
        fields = []
        for f in obj.fields.values():
            value = compound_value(stored, f.components) if f.components else json_value(stored.get(f.name))
            target = None
            if f.type == "reference" and isinstance(value, str):
                target_obj = data.schema.by_prefix(value[:3])
                target = target_obj.name if target_obj is not None else None
            fields.append({"name": f.name, "label": f.label, "type": f.type, "custom": f.custom, "value": value,
                           "target": target})
        history = {k: json_value(stored.get(k)) for k in HISTORY_FIELDS}
        users = {u.id: u.username for u in data.org.users.values()}
        title = stored.get(record_table.name_fields(obj)[0]) if record_table.name_fields(obj) else None
    record_ids = {normalized, normalized[:15]}
    touched = [e for e in reversed(emu.journal.recent()) if any(i in e.path or i in e.query for i in record_ids)]
    journal = paged(touched, "journal_page", JOURNAL_MATCHES)
    journal.items = [shown_entry(e) for e in journal.items]
    show_empty = request.args.get("empty") == "1"
    shown = [f for f in fields if show_empty or f["value"] not in (None, "", [], {})]
    return render_template("record.html", obj=obj, record_id=normalized, title=title, fields=shown,
                           hidden=len(fields) - len(shown), show_empty=show_empty, history=history, users=users,
                           journal=journal, org=data.org,
                           org_args=org_args(data))


# -- custom fields -----------------------------------------------------------------------------
@bp.get("/fields")
def fields_overview():
    data = org_data()
    with emulator().salesforce.lock:
        rows = [{"name": obj.name, "label": obj.label, "standard": len(obj.fields) - len(obj.custom_fields()),
                 "cap": cap_usage(data, obj)} for obj in data.schema.all()]
        config = data.org.config
    return render_template("fields.html", page=paged(rows), org=data.org, org_args=org_args(data),
                           cap=config.custom_field_cap, scope=config.custom_field_cap_scope)


@bp.get("/objects/<name>/fields")
def object_fields(name: str):
    data = org_data()
    with emulator().salesforce.lock:
        obj = schema_of(data, name)
        rows = []
        for f in obj.custom_fields():
            info = f.extra.get("tooling") or {}
            rows.append({"name": f.name, "label": f.label, "type": f.type, "length": f.length,
                         "external_id": f.external_id, "unique": f.unique, "required": f.required,
                         "tooling_id": info.get("Id"), "created": json_value(info.get("CreatedDate")),
                         "metadata_type": (info.get("Metadata") or {}).get("type")})
        usage = cap_usage(data, obj)
    return render_template("object_fields.html", obj=obj, page=paged(rows), usage=usage, org=data.org,
                           org_args=org_args(data))


# -- limits ------------------------------------------------------------------------------------
def _gauge(used: int, maximum: int) -> dict[str, Any]:
    return {"used": used, "max": maximum, "remaining": max(maximum - used, 0), "percent": percent(used, maximum)}


@bp.get("/limits")
def limits():
    """The figures ``GET /limits`` answers, plus the window and concurrency behind them."""
    data = org_data()
    emu = emulator()
    now = emu.clock.now()
    with emu.salesforce.lock:
        config = data.org.config
        rows = sum(len(s) for s in data.stores.values())
        storage_max, used_mb = 5, rows * 2 // 1024
        api_used = data.api_usage.current(now)
        bulk_used = data.bulk_usage.current(now)
        window = data.api_usage.window_start
        gauges = [
            ("DailyApiRequests", "API calls in the rolling 24-hour window", _gauge(api_used, config.daily_api_limit)),
            ("DailyBulkApiBatches", "Bulk API batches and 2.0 jobs", _gauge(bulk_used, config.daily_bulk_api_limit)),
            ("DataStorageMB", f"{rows} rows at 2 KB each", _gauge(used_mb, storage_max)),
            ("ConcurrentRequests", "calls being served right now",
             _gauge(data.in_flight, config.concurrent_request_limit)),
        ]
        settings = config.as_dict()
    resets = iso(window + WINDOW) if window is not None else None
    return render_template("limits.html", gauges=gauges, window=iso(window) if window else None, resets=resets,
                           settings=settings, org=data.org, org_args=org_args(data))
