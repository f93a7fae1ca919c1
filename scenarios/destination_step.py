"""``destination`` steps: drive seed 000's Salesforce CRM destination (:mod:`connector.destination`, CON-DEST-1).

One destination per scenario run, on the scenario's session, with an
in-memory activation journal; retry waits advance the emulator clock. Actions:

- ``activate``: ``id_type`` (Contact | Lead), ``segments`` ``[{id, mapping_id, name?}]``,
  optional ``mappings`` ``[{source, target}]`` (default: seed 000's mapping for the type)
  and credentials (``password``, ``custom_domain``, ``client_id``, ``client_secret``,
  ``username``, ``login_url``; defaults: the fixture's user with its token appended, My
  Domain ``harness``, the emulator's URL) → ``{status: "Connected", sobject, fields}``.
  A refused connection → 400 ``CONNECTION_FAILED`` with the reason; a refused mapping
  → 400 with the error's class name (``InvalidMappingId`` …) and the field.
- ``export``: sends the profiles of the AEP profile store that changed since the last
  export (all of them the first time; ``all: true`` for every profile) → the run report
  (``profilesInSegments``, ``recordsUpdated``, ``failures`` …, ``status``).
"""
from __future__ import annotations

import time
from typing import Any

from connector.destination import (ActivationJournal, Destination, DestinationConfig, DestinationConnectionError,
                                   FieldMapping, MappingError, SalesforceCredentials, SegmentMapping, connect,
                                   standard_mapping)
from connector.salesforce import RetryPolicy

from .context import RunContext, StepError, clock_sleep
from .registry import register
from .result import Result, from_value

DESTINATION_SCHEMA = {'description': 'A seed-000 Salesforce CRM destination action (scenarios/destination_step.py, CON-DEST-1).',
 'type': 'object',
 'required': ['action'],
 'additionalProperties': False,
 'properties': {'action': {'enum': ['activate', 'export']},
                'id_type': {'enum': ['Contact', 'Lead']},
                'segments': {'type': 'array',
                             'items': {'type': 'object',
                                       'required': ['id', 'mapping_id'],
                                       'additionalProperties': False,
                                       'properties': {'id': {'type': 'string'},
                                                      'mapping_id': {'type': 'string'},
                                                      'name': {'type': 'string'}}}},
                'mappings': {'type': 'array',
                             'items': {'type': 'object',
                                       'required': ['source', 'target'],
                                       'additionalProperties': False,
                                       'properties': {'source': {'type': 'string'},
                                                      'target': {'type': 'string'}}}},
                'password': {'type': 'string'},
                'custom_domain': {'type': 'string'},
                'client_id': {'type': 'string'},
                'client_secret': {'type': 'string'},
                'username': {'type': 'string'},
                'login_url': {'type': 'string'},
                'all': {'type': 'boolean'}}}


class _Active:
    """The scenario's destination and the AEP change-log cursor of its last export."""

    def __init__(self, destination: Destination) -> None:
        self.destination = destination
        self.cursor: int | None = None


def _credentials(spec: dict[str, Any], ctx: RunContext) -> SalesforceCredentials:
    scope = ctx.scope
    password = spec.get("password", str(scope.get("password", "")) + str(scope.get("security_token", "")))
    try:
        return SalesforceCredentials(password=password, custom_domain=spec.get("custom_domain", "harness"),
                                     client_id=spec.get("client_id", scope.get("client_id", "")),
                                     client_secret=spec.get("client_secret", scope.get("client_secret", "")),
                                     username=spec.get("username", scope.get("username", "")),
                                     login_url=spec.get("login_url", ctx.connection.base_url))
    except ValueError as exc:
        raise StepError(f"destination.activate: {exc}") from None


def _refused(body: dict[str, Any], code: str, started: float, summary: str) -> Result:
    result = from_value(body, (time.perf_counter() - started) * 1000, summary)
    result.status, result.error_code = 400, code
    return result


def _activate(spec: dict[str, Any], ctx: RunContext, started: float) -> Result:
    config = DestinationConfig(_credentials(spec, ctx), spec.get("id_type", "Contact"))
    mappings = [FieldMapping(m["source"], m["target"]) for m in spec["mappings"]] if "mappings" in spec \
        else standard_mapping(config.id_type)
    segments = [SegmentMapping(s["id"], s["mapping_id"], s.get("name", "")) for s in spec.get("segments", [])]
    summary = "destination.activate"
    try:
        client = connect(config, session=ctx.connection.session, retry=RetryPolicy(sleep=clock_sleep(ctx)))
        destination = Destination.activate(client, config, ActivationJournal(":memory:"), mappings, segments)
    except DestinationConnectionError as exc:
        return _refused({"status": "Failed", "reason": exc.reason}, "CONNECTION_FAILED", started, summary)
    except MappingError as exc:
        return _refused({"field": exc.field, "message": str(exc)}, type(exc).__name__, started, summary)
    ctx.extra["destination"] = _Active(destination)
    return from_value({"status": "Connected", "sobject": destination.mapping.sobject,
                       "fields": destination.mapping.fields}, (time.perf_counter() - started) * 1000, summary)


def _export(spec: dict[str, Any], ctx: RunContext, started: float) -> Result:
    active = ctx.extra.get("destination")
    if active is None:
        raise StepError("destination.export: no destination yet (run an activate step first)")
    since = "" if spec.get("all") or active.cursor is None else f"?since={active.cursor}"
    response = ctx.connection.admin("GET", f"/aep/profiles{since}")
    if response.status_code != 200:
        raise StepError(f"destination.export: cannot read the AEP profiles: {response.text[:200]}")
    body = response.json()
    report = active.destination.export(body["profiles"])
    if report.status != "incomplete":
        active.cursor = body["cursor"]
    return from_value(report.as_dict(), (time.perf_counter() - started) * 1000, "destination.export")


ACTIONS = {"activate": _activate, "export": _export}


@register("destination", schema={"$ref": "#/$defs/destination"}, defs={"destination": DESTINATION_SCHEMA},
          doc=("`action`: `activate` (seed-000 credentials, Salesforce ID type, mappings, segments) or `export` "
               "(the AEP profile store's changes since the last export)",
               "the connection or the run report as JSON; a refused connection, mapping or run as a 400 with "
               "its code"))
def run_destination(spec: dict[str, Any], ctx: RunContext) -> Result:
    """Run one destination action."""
    return ACTIONS[spec["action"]](spec, ctx, time.perf_counter())
