"""The Flow Service state of one sandbox: its resources, their schedules, and its ``tick``.

Routes call the methods here with the AEP backend's lock held; ``tick(now)``
(from :meth:`AepBackend.tick`, once per request) fires every due schedule
slot once, in order, then the runs requested on demand.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import bad_request
from . import runs as run_logic
from .codes import BAD_ACTION
from .connections import Connections, SourceConnections, TargetConnections
from .flows import Flows
from .resources import Caller, Ids, epoch_ms
from .runs import Runs, Window
from .salesforce_reader import SalesforceReader, SalesforceSession
from .schedule import Schedule
from .flow_specs import coerce, find
from .destinations import ExportState

SCHEDULER = Caller("acp_flowservice_scheduler", "", "", "")


@dataclass
class Context:
    """What validation and runs look at beyond one collection: the sandbox and the emulated org."""

    sandbox: Any
    salesforce: Any = None

    @property
    def flowservice(self) -> "FlowService":
        return self.sandbox.flowservice


@dataclass
class FlowService:
    """Connections, source and target connections, flows and runs of one sandbox."""

    connections: Connections = field(default_factory=Connections)
    source_connections: SourceConnections = field(default_factory=SourceConnections)
    target_connections: TargetConnections = field(default_factory=TargetConnections)
    flows: Flows = field(default_factory=Flows)
    runs: Runs = field(default_factory=Runs)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    queue: list[tuple[int, int, str, int]] = field(default_factory=list)  # (due, seq, flow id, generation)
    pending: list[tuple[str, int]] = field(default_factory=list)  # on-demand (run id, requested at), in order
    sessions: dict[str, SalesforceSession] = field(default_factory=dict)
    seq: int = 0
    exports: dict[str, ExportState] = field(default_factory=dict)  # destination flow id -> where it stands
    flow_version: int = 0  # bumped by every flow change: the destination export looks again
    exported: tuple[int, int] = (0, 0)  # (profile store seq, flow_version) at the last export pass

    # -- flows -----------------------------------------------------------------------------
    def create_flow(self, body: Any, context: Context, caller: Caller, ids: Ids, now: datetime) -> dict:
        flow = self.flows.create(body, context, caller, ids, now)
        self.flow_version += 1
        flow["state"] = "enabled"
        self.flows.derive(flow, context, "create", epoch_ms(now))
        self._reschedule(flow, now)
        return flow

    def patch_flow(self, flow_id: str, if_match: str | None, operations: Any, context: Context, caller: Caller,
                   ids: Ids, now: datetime) -> dict:
        before = self.flows.get(flow_id).get("scheduleParams")
        flow = self.flows.patch(flow_id, if_match, operations, context, caller, ids, now)
        self.flow_version += 1
        self.flows.derive(flow, context, "update", epoch_ms(now))
        if flow.get("scheduleParams") != before:
            self._reschedule(flow, now)
        return flow

    def delete_flow(self, flow_id: str, context: Context) -> None:
        self.flows.delete(flow_id, context)
        self.flow_version += 1
        self.schedules.pop(flow_id, None)
        self.exports.pop(flow_id, None)

    def act(self, flow_id: str, op: str | None, context: Context, caller: Caller, ids: Ids, now: datetime) -> dict:
        """``enable`` or ``disable``; a re-enabled flow resumes at its next slot (missed slots do not run)."""
        flow = self.flows.get(flow_id)
        if op not in ("enable", "disable"):
            raise bad_request(BAD_ACTION, f"Invalid op {op!r}: expected enable or disable.")
        state = "enabled" if op == "enable" else "disabled"
        if flow["state"] != state:
            flow["state"] = state
            self.flow_version += 1
            etag = ids.etag(now)
            flow.update(updatedAt=epoch_ms(now), updatedBy=caller.actor, updatedClient=caller.client_id,
                        version=etag, etag=etag)
            self.flows.derive(flow, context, op, epoch_ms(now))
            if state == "enabled":
                self._reschedule(flow, now)
        return flow

    def _reschedule(self, flow: dict, now: datetime) -> None:
        params = flow.get("scheduleParams")
        spec = find(flow["flowSpec"]["id"]) or {}
        if params is None or "scheduleSpec" not in spec:
            self.schedules.pop(flow["id"], None)
            return
        coerced = coerce(params, spec["scheduleSpec"]["spec"])
        previous = self.schedules.get(flow["id"])
        schedule = Schedule.from_params(coerced)
        moment = int(now.timestamp())
        if previous is not None:
            schedule.high_water, schedule.generation = previous.high_water, previous.generation + 1
            schedule.fired, schedule.last_fired = previous.fired, previous.last_fired
            if previous.once and previous.fired and schedule.once:
                self.schedules[flow["id"]] = schedule  # a once flow that ran stays done
                return
            if previous.last_fired is not None:
                moment = max(moment, previous.last_fired + 1)
        schedule.next_due = schedule.first_slot_from(moment)
        self.schedules[flow["id"]] = schedule
        self._enqueue(flow["id"], schedule)

    def _enqueue(self, flow_id: str, schedule: Schedule) -> None:
        if schedule.next_due is not None:
            self.seq += 1
            heapq.heappush(self.queue, (schedule.next_due, self.seq, flow_id, schedule.generation))

    # -- runs ------------------------------------------------------------------------------
    def request_run(self, body: Any, context: Context, caller: Caller, ids: Ids, now: datetime) -> dict:
        run = self.runs.create(body, context, caller, ids, now)
        run_logic.scheduled(run)
        self.pending.append((run["id"], int(now.timestamp())))
        return run

    def due(self, now_seconds: int) -> bool:
        """Is a slot due, or an on-demand run requested before this second (it starts once the clock moves)?"""
        return bool(self.pending and self.pending[0][1] < now_seconds) or \
            bool(self.queue and self.queue[0][0] <= now_seconds)

    def tick(self, now: datetime, context: Context, reader: SalesforceReader, ids: Ids) -> None:
        """Fire every slot due at ``now`` once, oldest first (flows in creation order within a slot)."""
        now_seconds = int(now.timestamp())
        while self.queue and self.queue[0][0] <= now_seconds:
            due, _, flow_id, generation = heapq.heappop(self.queue)
            schedule = self.schedules.get(flow_id)
            flow = self.flows.items.get(flow_id)
            if schedule is None or flow is None or generation != schedule.generation or due != schedule.next_due:
                continue  # deleted, rescheduled or already fired
            schedule.next_due = schedule.after(due)
            if flow["state"] == "enabled":
                self._fire_slot(flow, schedule, due, context, reader, ids)
            else:
                schedule.generation += 1  # disabled: the flow is re-queued when enabled again
                schedule.next_due = None
                continue
            self._enqueue(flow_id, schedule)
        while self.pending and self.pending[0][1] < now_seconds:
            run = self.runs.items.get(self.pending.pop(0)[0])
            flow = self.flows.items.get(run["flowId"]) if run is not None else None
            if run is None:
                continue
            if flow is None:  # deleted before the run started: it fails, it does not linger as scheduled
                run["metrics"]["statusSummary"] = {"status": "failed", "errors": [
                    {"code": run_logic.FLOW_DELETED, "message": f"The flow {run['flowId']} was deleted."}]}
                continue
            params = run["params"]
            self._execute(flow, run, Window(params["windowStartTime"], params["windowEndTime"]),
                          now_seconds, context, reader, ids, now)

    def _fire_slot(self, flow: dict, schedule: Schedule, due: int, context: Context, reader: SalesforceReader,
                   ids: Ids) -> None:
        moment = datetime.fromtimestamp(due, timezone.utc)
        window = Window(schedule.window_start(), due)
        caller = Caller(SCHEDULER.client_id, flow["imsOrgId"], flow["sandboxId"], flow["sandboxName"])
        run = self._new_run(flow, caller, ids, moment)
        schedule.fired, schedule.last_fired = True, due
        outcome = self._execute(flow, run, window, due, context, reader, ids, moment)
        if outcome.status == "success":
            schedule.high_water = due

    def new_run(self, flow: dict, ids: Ids, moment: datetime) -> dict:
        """A run the platform starts by itself (a schedule slot, a streaming export)."""
        caller = Caller(SCHEDULER.client_id, flow["imsOrgId"], flow["sandboxId"], flow["sandboxName"])
        return self._new_run(flow, caller, ids, moment)

    def _new_run(self, flow: dict, caller: Caller, ids: Ids, moment: datetime) -> dict:
        stamp = epoch_ms(moment)
        run_id, etag = ids.uuid(), ids.etag(moment)
        run = {"id": run_id, "createdAt": stamp, "updatedAt": stamp, "createdBy": caller.actor,
               "updatedBy": caller.actor, "createdClient": caller.client_id, "updatedClient": caller.client_id,
               **caller.stamp(), "flowId": flow["id"], "version": etag, "etag": etag}
        self.runs.items[run_id] = run
        return run

    def _execute(self, flow: dict, run: dict, window: Window, started: int, context: Context,
                 reader: SalesforceReader, ids: Ids, moment: datetime) -> run_logic.Outcome:
        outcome = run_logic.execute(flow, run["id"], window, context, reader, ids, moment)
        started_ms = started * 1000
        run_logic.record(run, flow, window, outcome, started_ms, max(started_ms, epoch_ms(moment)))
        flow["lastRunDetails"] = run_logic.last_run_details(run, outcome)
        return outcome
