"""Record operations of one org: create, read, update, delete, undelete, upsert.

Callers hold the backend lock. Every method raises :class:`ValidationFailure`
(a record-level problem, rendered per record by collections) or
:class:`SalesforceError` (a request-level problem).
"""
from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from ...core.ids import IdSource, normalize_id
from ..errors import ErrorDetail, SalesforceError, ValidationFailure
from .fields import FieldDef
from ..identity import Org
from ..api_usage import UsageCounter
from .derived import DERIVERS
from .schema import SObjectSchema, Schema
from .store import ObjectStore
from .validation import EMAIL_RE, coerce_record, coerce_value

NAME_COMPOSED = {"Contact", "Lead", "User"}


@dataclass
class OrgData:
    """Everything one org holds besides identity: schema, records, counters."""

    org: Org
    schema: Schema = field(default_factory=Schema)
    stores: dict[str, ObjectStore] = field(default_factory=dict)
    deletions: dict[str, deque] = field(default_factory=dict)  # object -> deque[(deleted_at, id)]
    recycle_bin: deque = field(default_factory=deque)  # (deleted_at, object, id) in deletion order
    api_usage: UsageCounter = field(default_factory=UsageCounter)
    bulk_usage: UsageCounter = field(default_factory=UsageCounter)
    cursors: dict = field(default_factory=dict)  # query locator id -> query.Cursor (SF-REST-8)
    bulk_jobs: dict = field(default_factory=dict)  # Bulk API 2.0 job id -> bulk.job.Job (SF-REST-12)
    bulk_pending: set = field(default_factory=set)  # ids of closed jobs waiting for their processing time
    counters: dict = field(default_factory=dict)  # auto-number sequences (Case.CaseNumber)
    recent: dict = field(default_factory=dict)  # user id -> {record id: object}, oldest first (recent.py)
    in_flight: int = 0

    def store(self, sobject: str) -> ObjectStore:
        """The store of a canonical object name (created on first use)."""
        found = self.stores.get(sobject)
        if found is None:
            found = self.stores[sobject] = ObjectStore(self.schema.get(sobject))
        return found


def second(moment: datetime) -> datetime:
    """Salesforce timestamps carry whole seconds."""
    return moment.replace(microsecond=0)


class Records:
    """Record operations bound to one org's data, a clock reading and the id source."""

    __slots__ = ("data", "ids", "now", "user_id", "undo")

    def __init__(self, data: OrgData, ids: IdSource, now: datetime, user_id: str) -> None:
        self.data = data
        self.ids = ids
        self.now = second(now)
        self.user_id = user_id
        self.undo: list[Callable[[], None]] = []

    # -- savepoints (allOrNone) ------------------------------------------------------
    def savepoint(self) -> int:
        """A mark to roll back to; every write made through this object after it can be undone."""
        return len(self.undo)

    def rollback(self, mark: int = 0) -> None:
        """Undo, newest first, every write made after ``mark``."""
        while len(self.undo) > mark:
            self.undo.pop()()

    def _remember(self, store: ObjectStore, record_id: str, keys) -> None:
        record = store.get(record_id)
        before = {k: record.get(k) for k in keys}
        self.undo.append(functools.partial(store.update, record_id, before))

    # -- lookups ---------------------------------------------------------------
    def schema(self, sobject: str) -> SObjectSchema:
        found = self.data.schema.get(sobject)
        if found is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        return found

    def live(self, schema: SObjectSchema, record_id: str, *, on_get: bool = False) -> dict:
        """The live record, or the real error for a malformed, unknown or deleted id."""
        normalized = normalize_id(record_id)
        if normalized is None or normalized[:3] != schema.key_prefix:
            if on_get:
                raise SalesforceError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not "
                                      f"accessible: {record_id}")
            raise SalesforceError(400, "MALFORMED_ID", f"{schema.name} ID: id value of incorrect type: "
                                  f"{record_id}", ["Id"])
        record = self.data.store(schema.name).get(normalized)
        if record is None:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        if record["IsDeleted"]:
            if on_get:
                raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
            raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return record

    # -- writes ----------------------------------------------------------------
    def create(self, sobject: str, payload: Any) -> dict:
        schema = self.schema(sobject)
        self._require_writable(schema)
        values = coerce_record(schema, payload, creating=True)
        self._check_references(schema, values)
        self._check_unique(schema, values, None)
        record = schema.blank_record()
        record.update(values)
        record_id = self.ids.new_id(schema.key_prefix)
        record.update(Id=record_id, IsDeleted=False, CreatedDate=self.now, CreatedById=self.user_id,
                      LastModifiedDate=self.now, LastModifiedById=self.user_id, SystemModstamp=self.now)
        if "ownerid" in schema.fields and record.get("OwnerId") is None:
            record["OwnerId"] = self.user_id
        self._compose_name(schema, record)
        derive = DERIVERS.get(schema.name)
        if derive is not None:
            derive(schema, record, set(values), self.data.counters, self.now)
        store = self.data.store(schema.name)
        store.insert(record)
        self.undo.append(functools.partial(store.purge, record_id))
        return record

    def create_many(self, sobject: str, payloads: Iterable[Any]
                    ) -> Iterator[tuple[dict | None, ValidationFailure | None]]:
        """:meth:`create` for each payload, faster: yields ``(record, None)`` or ``(None, failure)``.

        Same checks, same error and same stored record as :meth:`create`: a
        payload the fast path is not sure about (unknown, read-only or duplicate
        keys, a value to convert or that fails a check, a missing required field)
        goes through :func:`coerce_record`. Request-level problems raise before
        the first payload; one undo entry covers the batch; repeated text values
        share one string (memory: Bulk API 2.0 loads of a million rows).
        """
        schema = self.schema(sobject)
        self._require_writable(schema)
        return self._create_many(schema, payloads)

    def _create_many(self, schema: SObjectSchema, payloads: Iterable[Any]
                     ) -> Iterator[tuple[dict | None, ValidationFailure | None]]:
        store = self.data.store(schema.name)
        stamps = {"IsDeleted": False, "CreatedDate": self.now, "CreatedById": self.user_id,
                  "LastModifiedDate": self.now, "LastModifiedById": self.user_id, "SystemModstamp": self.now}
        owner = "ownerid" in schema.fields  # the very test create() makes
        composed = schema.name in NAME_COMPOSED
        derive, counters = DERIVERS.get(schema.name), self.data.counters
        required = schema.required_names()
        cross = schema.reference_names() | schema.unique_names()
        plans: dict[str, tuple | None] = {}
        shared: dict[str, str] = {}
        created: list[str] = []
        self.undo.append(lambda: [store.purge(i) for i in created])
        new_id, prefix, insert = self.ids.new_id, schema.key_prefix, store.insert
        for payload in payloads:
            values = self._fast_values(schema, payload, plans, shared) if type(payload) is dict else None
            try:
                if values is None or any(values.get(name) is None for name in required):
                    values = coerce_record(schema, payload, creating=True)
                if not cross.isdisjoint(values):
                    self._check_references(schema, values)
                    self._check_unique(schema, values, None)
            except ValidationFailure as failure:
                yield None, failure
                continue
            record = schema.blank_record()
            record.update(values)
            record_id = new_id(prefix)
            record["Id"] = record_id
            record.update(stamps)
            if owner and record.get("OwnerId") is None:
                record["OwnerId"] = self.user_id
            if composed:
                self._compose_name(schema, record)
                if len(shared) < 200_000:
                    record["Name"] = shared.setdefault(record["Name"], record["Name"])
            if derive is not None:
                derive(schema, record, set(values), counters, self.now)
            insert(record)
            created.append(record_id)
            yield record, None

    @staticmethod
    def _fast_values(schema: SObjectSchema, payload: dict, plans: dict, shared: dict) -> dict | None:
        """What coerce_record(creating=True) returns for a clean payload; None when unsure."""
        values: dict[str, Any] = {}
        for key, value in payload.items():
            plan = plans.get(key, False)
            if plan is False:
                plan = plans[key] = _fast_plan(schema, key)
            if plan is None:
                if key == "attributes":
                    continue
                return None
            field_def, name, length, email, picklist, share = plan
            if name in values:
                return None
            if value.__class__ is not str or share is None:
                try:
                    value = coerce_value(field_def, value)
                except ValidationFailure:
                    return None
                if value.__class__ is not str:
                    values[name] = value
                    continue
            elif value == "":
                values[name] = None
                continue
            if (length and len(value) > length) or (email and not EMAIL_RE.match(value)) or (
                    picklist is not None and value not in picklist):
                return None
            if share and len(shared) < 200_000:
                value = shared.setdefault(value, value)
            values[name] = value
        return values

    def update(self, sobject: str, record_id: str, payload: Any) -> dict:
        schema = self.schema(sobject)
        self._require_writable(schema)
        record = self.live(schema, record_id)
        values = coerce_record(schema, payload, creating=False, existing=record)
        self._check_references(schema, values)
        self._check_unique(schema, values, record["Id"])
        values.update(LastModifiedDate=self.now, LastModifiedById=self.user_id, SystemModstamp=self.now)
        merged = {**record, **values}
        self._compose_name(schema, merged)
        if "Name" in merged and merged.get("Name") != record.get("Name"):
            values["Name"] = merged["Name"]
        derive = DERIVERS.get(schema.name)
        if derive is not None:
            derive(schema, merged, set(values), self.data.counters, self.now)
            values.update((k, v) for k, v in merged.items() if record.get(k) != v and k not in values)
        store = self.data.store(schema.name)
        self._remember(store, record["Id"], values)
        return store.update(record["Id"], values)

    def delete(self, sobject: str, record_id: str) -> dict:
        schema = self.schema(sobject)
        self._require_writable(schema)
        record = self.live(schema, record_id)
        store = self.data.store(schema.name)
        changes = {"IsDeleted": True, "SystemModstamp": self.now, "LastModifiedDate": self.now,
                   "LastModifiedById": self.user_id}
        self._remember(store, record["Id"], changes)
        store.update(record["Id"], changes)
        log = self.data.deletions.setdefault(schema.name, deque())
        entry, bin_entry = (self.now, record["Id"]), (self.now, schema.name, record["Id"])
        log.append(entry)
        self.data.recycle_bin.append(bin_entry)

        def forget() -> None:
            log.remove(entry)
            self.data.recycle_bin.remove(bin_entry)
        self.undo.append(forget)
        return record

    def undelete(self, sobject: str, record_id: str) -> dict:
        schema = self.schema(sobject)
        normalized = normalize_id(record_id)
        record = self.data.store(schema.name).get(normalized) if normalized else None
        if record is None:
            raise SalesforceError(404, "ENTITY_IS_DELETED" if normalized else "MALFORMED_ID",
                                  "entity is deleted" if normalized else f"invalid id: {record_id}")
        if not record["IsDeleted"]:
            raise SalesforceError(400, "UNDELETE_FAILED", "Entity is not in the recycle bin", [])
        store = self.data.store(schema.name)
        changes = {"IsDeleted": False, "SystemModstamp": self.now, "LastModifiedDate": self.now,
                   "LastModifiedById": self.user_id}
        self._remember(store, record["Id"], changes)
        return store.update(record["Id"], changes)

    def upsert(self, sobject: str, field_name: str, value: str, payload: Any) -> tuple[dict, bool]:
        """Create or update by external id; returns (record, created)."""
        schema = self.schema(sobject)
        key_field = self.upsert_key(schema, field_name)
        store = self.data.store(schema.name)
        if key_field.type == "id":
            matches = [store.get(normalize_id(value))] if normalize_id(value) else []
            matches = [m for m in matches if m is not None and not m["IsDeleted"]]
        else:
            ids = store.lookup(key_field.name, value)
            if ids is None:
                ids = {r["Id"] for r in store.scan() if r.get(key_field.name) == value}
            matches = [store.get(i) for i in ids if not store.get(i)["IsDeleted"]]
        if isinstance(payload, dict) and key_field.name in payload and payload[key_field.name] != value:
            raise SalesforceError(400, "INVALID_FIELD", f"The value for {key_field.name} in the body "
                                  f"({payload[key_field.name]}) does not match the URL ({value})")
        if len(matches) > 1:
            raise MultipleMatches(sorted(m["Id"] for m in matches))
        if matches:
            return self.update(sobject, matches[0]["Id"], payload), False
        if key_field.type == "id" and value:
            raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
        body = dict(payload) if isinstance(payload, dict) else payload
        if isinstance(body, dict) and key_field.type != "id":
            body[key_field.name] = value
        return self.create(sobject, body), True

    @staticmethod
    def upsert_key(schema: SObjectSchema, field_name: str) -> FieldDef:
        """The field an upsert matches on; the real errors when it is unknown or not an external id."""
        key_field = schema.field(field_name)
        if key_field is None:
            raise SalesforceError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not "
                                  f"accessible: {field_name}")
        if not (key_field.external_id or key_field.type == "id" or key_field.id_lookup):
            raise SalesforceError(400, "INVALID_FIELD", f"Field {key_field.name} is not an External ID or "
                                  f"indexed field for {schema.name}")
        return key_field

    # -- maintenance -------------------------------------------------------------
    # -- rules -------------------------------------------------------------------
    @staticmethod
    def _require_writable(schema: SObjectSchema) -> None:
        if not schema.api_writable:
            raise SalesforceError(400, "INVALID_TYPE_FOR_OPERATION",
                                  f"entity type {schema.name} does not support this operation")

    def _check_references(self, schema: SObjectSchema, values: dict) -> None:
        references = schema.reference_names()
        for name, value in values.items():
            if value is None or name not in references:
                continue
            field_def = schema.fields[name.lower()]
            targets = [self.data.schema.get(t) for t in field_def.reference_to]
            target = next((t for t in targets if t and t.key_prefix == value[:3]), None)
            if target is None:
                raise ValidationFailure([ErrorDetail(
                    "MALFORMED_ID", f"{field_def.label}: id value of incorrect type: {value}", [name])])
            referenced = self.data.store(target.name).get(value)
            if referenced is None or referenced["IsDeleted"]:
                raise ValidationFailure([ErrorDetail(
                    "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])])

    def _check_unique(self, schema: SObjectSchema, values: dict, own_id: str | None) -> None:
        unique = schema.unique_names()
        store = self.data.store(schema.name)
        for name, value in values.items():
            if value is None or name not in unique:
                continue
            holders = store.lookup(name, value)
            if holders is None:
                holders = {r["Id"] for r in store.scan(True) if r.get(name) == value}
            others = sorted(h for h in holders if h != own_id)
            if others:
                raise ValidationFailure([ErrorDetail(
                    "DUPLICATE_VALUE", f"duplicate value found: {name} duplicates value on record with id: "
                    f"{others[0]}", [])])

    @staticmethod
    def _compose_name(schema: SObjectSchema, record: dict) -> None:
        if schema.name in NAME_COMPOSED:
            first, last = record.get("FirstName"), record.get("LastName")
            record["Name"] = f"{first} {last}" if first and last else first or last or ""


_CONVERTED_KINDS = {"boolean", "double", "currency", "percent", "int", "date", "datetime", "reference", "id"}


def _fast_plan(schema: SObjectSchema, key: Any) -> tuple | None:
    """How the fast create path handles one payload key; None: let coerce_record decide."""
    field_def = schema.field(key) if isinstance(key, str) else None
    if field_def is None or not field_def.createable:
        return None
    text = field_def.type not in _CONVERTED_KINDS
    # share: True = intern repeated text, False = keep as is, None = always convert with coerce_value
    share = None if not text else not (field_def.unique or field_def.external_id or field_def.type == "email")
    return (field_def, field_def.name, field_def.length, field_def.type == "email",
            frozenset(field_def.picklist) if field_def.restricted_picklist else None, share)


class MultipleMatches(SalesforceError):
    """Upsert found several records: HTTP 300 with their URLs."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(300, "MULTIPLE_CHOICES", "More than one record found for external id field")
        self.ids = ids


def purge_recycle_bin(data: OrgData, now: datetime) -> None:
    """Hard-delete records older than the recycle-bin period; prune the deletion log (SF-REST-9).

    A time-driven transition: the backend's ``tick`` runs it before dispatch.
    """
    if not data.recycle_bin and not any(data.deletions.values()):
        return
    now = second(now)
    config = data.org.config
    bin_cutoff = now - timedelta(days=config.recycle_bin_days)
    bin_queue = data.recycle_bin
    while bin_queue and bin_queue[0][0] < bin_cutoff:
        _, sobject, record_id = bin_queue.popleft()
        record = data.store(sobject).get(record_id)
        if record is not None and record["IsDeleted"] and record["SystemModstamp"] < bin_cutoff:
            data.store(sobject).purge(record_id)
    log_cutoff = now - timedelta(days=config.deletion_window_days)
    for log in data.deletions.values():
        while log and log[0][0] < log_cutoff:
            log.popleft()
