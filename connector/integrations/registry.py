"""The in-memory registry of workflows, their connection status and run history (CON-TRIG-1).

State lives in this object only (nothing on disk, nothing global): a platform process
would keep one registry; tests and scenarios build one per run. Secrets stay inside
the :class:`~.model.SalesforceService` objects and never appear in reports or history.
Time comes from the ``now`` callable, so the emulator's clock (time travel) drives the
propagation window and the history timestamps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests

from connector.salesforce import RetryPolicy, SalesforceClient
from connector.salesforce.errors import AuthenticationError, SalesforceError

from .add_contact import add_contact
from .connection import Clock, ConnectionFailed, ConnectionReport, classify, connect, test_connection
from .errors import DuplicateWorkflowError, UnknownWorkflowError
from .model import TRIGGER_NEW_CARD_LEAD, CardFilter, CardLead, RunResult, SalesforceService, Workflow

def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Entry:
    workflow: Workflow
    registered_at: datetime
    last_check: ConnectionReport | None = None
    history: list[RunResult] = field(default_factory=list)


@dataclass(frozen=True)
class Dispatch:
    """What one card event did: a result per matching workflow, and the workflows its filter skipped."""

    card_id: str
    results: tuple[RunResult, ...]
    skipped: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "results": [r.as_dict() for r in self.results],
                "skipped": list(self.skipped), "created": sum(r.ok for r in self.results),
                "failed": sum(not r.ok for r in self.results)}


class WorkflowRegistry:
    """Workflows by name; :meth:`dispatch` runs a card event through every matching one."""

    def __init__(self, session: requests.Session | None = None, now: Clock = utc_now,
                 retry: RetryPolicy | None = None) -> None:
        self.session = session or requests.Session()
        self.now = now
        self.retry = retry
        self._entries: dict[str, _Entry] = {}
        self._clients: dict[tuple[str, str, str], SalesforceClient] = {}

    # -- workflows ---------------------------------------------------------------------
    def add(self, name: str, service: SalesforceService, card_filter: CardFilter | None = None,
            trigger: str | None = None, use_case: str | None = None) -> Workflow:
        """Register a workflow; an exact duplicate (or a taken name) raises :class:`DuplicateWorkflowError`."""
        extra = {k: v for k, v in (("trigger", trigger), ("use_case", use_case)) if v}
        workflow = Workflow(name, service, card_filter or CardFilter(), **extra)
        if name in self._entries:
            raise DuplicateWorkflowError(f"a workflow named {name!r} already exists", name)
        for other in self._entries.values():
            if other.workflow.identity == workflow.identity:
                raise DuplicateWorkflowError(
                    f"workflow {name!r} duplicates {other.workflow.name!r}: same trigger, card filter, Salesforce "
                    f"account ({service.login_url}, consumer key {service.consumer_key}) and use case; change the "
                    f"filter or the account", other.workflow.name)
        self._entries[name] = _Entry(workflow, self.now())
        return workflow

    def remove(self, name: str) -> None:
        self._entry(name)
        del self._entries[name]

    def get(self, name: str) -> Workflow:
        return self._entry(name).workflow

    def workflows(self) -> list[Workflow]:
        return [e.workflow for e in self._entries.values()]

    def history(self, name: str) -> list[RunResult]:
        """Run results of one workflow, oldest first."""
        return list(self._entry(name).history)

    def last_check(self, name: str) -> ConnectionReport | None:
        return self._entry(name).last_check

    def _entry(self, name: str) -> _Entry:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UnknownWorkflowError(f"no workflow named {name!r} (known: {known})") from None

    def _changed_at(self, entry: _Entry) -> datetime:
        return entry.workflow.service.app_changed_at or entry.registered_at

    # -- connection ----------------------------------------------------------------------
    def test_connection(self, name: str) -> ConnectionReport:
        """Log in with the workflow's service and report success or the exact cause."""
        entry = self._entry(name)
        report, client = test_connection(entry.workflow.service, self._changed_at(entry), self.now, self.session)
        entry.last_check = report
        key = self._client_key(entry.workflow.service)
        if client is not None:
            if self.retry is not None:
                client.retry = self.retry
            self._clients[key] = client
        else:
            self._clients.pop(key, None)
        return report

    def _client_key(self, service: SalesforceService) -> tuple[str, str, str]:
        return (*service.account_key, service.consumer_secret)

    def _client(self, entry: _Entry) -> SalesforceClient:
        service = entry.workflow.service
        key = self._client_key(service)
        if key not in self._clients:
            self._clients[key] = connect(service, self._changed_at(entry), self.now, self.session, self.retry)
        return self._clients[key]

    # -- runs ------------------------------------------------------------------------------
    def dispatch(self, card: CardLead) -> Dispatch:
        """Run ``card`` through every workflow of its trigger whose filter it passes; record each result."""
        results, skipped = [], []
        for entry in list(self._entries.values()):
            if entry.workflow.trigger != TRIGGER_NEW_CARD_LEAD:
                continue
            if not entry.workflow.card_filter.matches(card):
                skipped.append(entry.workflow.name)
                continue
            result = self._run(entry, card)
            entry.history.append(result)
            results.append(result)
        return Dispatch(card.card_id, tuple(results), tuple(skipped))

    def _run(self, entry: _Entry, card: CardLead) -> RunResult:
        name = entry.workflow.name
        try:
            added = add_contact(self._client(entry), card)
        except ConnectionFailed as failed:
            entry.last_check = failed.report
            return RunResult(name, card.card_id, card.event_id, "failed", self.now(), error_code=failed.report.cause,
                             message=failed.report.message)
        except AuthenticationError as error:  # a re-login refused mid-run (secret rotated, app changed)
            report = classify(error, entry.workflow.service, self._changed_at(entry), self.now())
            entry.last_check = report
            self._clients.pop(self._client_key(entry.workflow.service), None)
            return RunResult(name, card.card_id, card.event_id, "failed", self.now(), error_code=report.cause,
                             message=report.message)
        except SalesforceError as error:
            return RunResult(name, card.card_id, card.event_id, "failed", self.now(), error_code=error.error_code,
                             message=error.message, fields=tuple(error.fields))
        except requests.RequestException as error:
            return RunResult(name, card.card_id, card.event_id, "failed", self.now(), error_code="UNREACHABLE",
                             message=f"Salesforce could not be reached ({type(error).__name__})")
        return RunResult(name, card.card_id, card.event_id, "created", self.now(), contact_id=added.contact_id,
                         account_id=added.account_id)
