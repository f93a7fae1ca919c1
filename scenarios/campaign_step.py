"""``campaign`` steps: run the Campaign-style sync activity (CON-CAMP-1) in a scenario.

``operation`` is ``import``, ``export``, ``deleted`` or ``delete`` (the keys of the
matching ``*Spec`` of :mod:`connector.campaign_sync`, with ``object`` for the remote
object), or ``sql`` to seed or read the local database (``query`` with ``params``, or
``many`` for a list of parameter lists). Each scenario has its own in-memory local
database (``db`` names another one). The run's clock is the emulator's; Bulk API
polling and retry waits advance it instead of sleeping. The result is the outcome as
JSON (``$.status``: ok, rejects or error); a refused setting is a 400 result whose
error code is the broken filter rule or the error's class name.
"""
from __future__ import annotations

import sqlite3
import time
from typing import Any

from connector.campaign_sync import (
    CampaignSyncError,
    DeletedSpec,
    DeleteSpec,
    ExportSpec,
    FilterError,
    ImportSpec,
    open_db,
    run_delete,
    run_deleted_import,
    run_export,
    run_import,
    transaction,
)

from .connector_step import _client, _policy
from .context import RunContext, StepError, clock_sleep, emulator_clock
from .registry import register
from .result import Result, from_value

CAMPAIGN_SCHEMA = {'description': 'The Campaign-style sync activity (connector/campaign_sync, CON-CAMP-1); see '
                'scenarios/campaign_step.py.',
 'type': 'object',
 'required': ['operation'],
 'additionalProperties': False,
 'properties': {'operation': {'enum': ['import', 'export', 'deleted', 'delete', 'sql']},
                'db': {'type': 'string'},
                'activity': {'type': 'string'},
                'object': {'type': 'string'},
                'fields': {'type': 'array'},
                'filter': {'type': 'string'},
                'order_by': {'type': 'array', 'items': {'type': 'string'}},
                'auto_index': {'type': 'boolean'},
                'instance': {'type': 'string'},
                'option_name': {'type': 'string'},
                'delta_field': {'type': 'string'},
                'ids': {'type': 'array', 'items': {'type': 'string'}},
                'timezone': {'type': 'string'},
                'process_rejects': {'type': 'boolean'},
                'process_errors': {'type': 'boolean'},
                'mapping': {'type': 'array'},
                'key': {'type': 'string'},
                'mode': {'enum': ['bulk', 'collections']},
                'batch_size': {'type': 'integer', 'minimum': 1},
                'recipients': {'type': 'array', 'items': {'type': 'integer'}},
                'poll_interval': {'type': 'number', 'minimum': 0},
                'start': {'type': 'string'},
                'end': {'type': 'string'},
                'query': {'type': 'string'},
                'params': {'type': 'array'},
                'many': {'type': 'array', 'items': {'type': 'array'}}}}

SPECS = {"import": (ImportSpec, run_import), "export": (ExportSpec, run_export),
         "deleted": (DeletedSpec, run_deleted_import), "delete": (DeleteSpec, run_delete)}
RESERVED = ("operation", "db", "object")


def _database(ctx: RunContext, name: str) -> sqlite3.Connection:
    databases = ctx.extra.setdefault("campaign_dbs", {})
    if name not in databases:
        databases[name] = open_db(":memory:")
    return databases[name]


def _sql(conn: sqlite3.Connection, spec: dict[str, Any]) -> Any:
    query = spec.get("query")
    if not query:
        raise StepError("campaign sql needs a query")
    if query.lstrip().lower().startswith(("select", "pragma", "with")):
        return {"rows": [dict(r) for r in conn.execute(query, spec.get("params") or [])]}
    with transaction(conn):
        if "many" in spec:
            cursor = conn.executemany(query, spec["many"])
        else:
            cursor = conn.execute(query, spec.get("params") or [])
    return {"rowcount": cursor.rowcount}


def _settings(spec: dict[str, Any], ctx: RunContext) -> Any:
    cls, _ = SPECS[spec["operation"]]
    kwargs = {k: v for k, v in spec.items() if k not in RESERVED}
    kwargs["sobject"] = spec.get("object")
    if cls is ExportSpec:
        kwargs.setdefault("sleep", clock_sleep(ctx))
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise StepError(f"campaign {spec['operation']}: bad settings: {error}") from None


def _refused(error: CampaignSyncError, elapsed_ms: float, summary: str) -> Result:
    code = error.rule if isinstance(error, FilterError) else type(error).__name__
    body = {"type": type(error).__name__, "status": 400, "error_code": code, "message": str(error)}
    return Result("connector", 400, json=body, text=str(error), elapsed_ms=round(elapsed_ms, 1), error_code=code,
                  summary=summary)


@register("campaign", schema={"$ref": "#/$defs/campaign"}, defs={"campaign": CAMPAIGN_SCHEMA},
          doc=("`operation`: `import`, `export`, `deleted`, `delete` (the settings of `connector.campaign_sync`'s "
               "`ImportSpec`/`ExportSpec`/`DeletedSpec`/`DeleteSpec`, with `object`), or `sql` (`query`, `params` or "
               "`many`) on the scenario's own in-memory local database",
               "the outcome (`$.status` ok/rejects/error, counts, `rejects`, `variables`…); refused settings are a "
               "400 whose error code is the broken filter rule or the error class"))
def run_campaign(spec: dict[str, Any], ctx: RunContext) -> Result:
    """Run one operation of the activity; refused settings become a 400 result, not a crash."""
    operation = spec.get("operation")
    summary = f"campaign.{operation}"
    started = time.perf_counter()
    conn = _database(ctx, str(spec.get("db", "default")))
    try:
        if operation == "sql":
            value: Any = _sql(conn, spec)
        elif operation in SPECS:
            settings = _settings(spec, ctx)
            client = _client(ctx, _policy({}, ctx))
            client.retry = _policy({}, ctx)
            value = SPECS[operation][1](client, conn, settings, now=emulator_clock(ctx)).as_dict()
        else:
            raise StepError(f"unknown campaign operation {operation!r} (import, export, deleted, delete, sql)")
    except CampaignSyncError as error:
        return _refused(error, (time.perf_counter() - started) * 1000, summary)
    except sqlite3.Error as error:
        raise StepError(f"campaign sql: {error}") from None
    return from_value(value, (time.perf_counter() - started) * 1000, summary)
