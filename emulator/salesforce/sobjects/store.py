"""Record storage for one sObject type, with the indexes selective queries use.

Records are dicts keyed by canonical field API names holding Python values
(str, bool, int/float, aware ``datetime``, ``date`` or None). Deleted records
stay here with ``IsDeleted = True`` while they are in the recycle bin.

Indexes (SPEC SF-REST-8): equality on Id, Email, every external-id or
unique field and the reference fields child relationships go through (keys
case-folded, as SOQL compares strings case-insensitively; 18-character ids
stay unique when folded);
ordered on LastModifiedDate, SystemModstamp and CreatedDate for range filters.
"""
from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .schema import SObjectSchema

ORDERED_INDEX_FIELDS = ("LastModifiedDate", "SystemModstamp", "CreatedDate")
_MISSING = object()


def index_key(value: Any) -> Any:
    """Case-folded strings; the value itself when folding changes nothing (saves a copy per row)."""
    if isinstance(value, str):
        folded = value.casefold()
        return value if folded == value else folded
    return value


def _bucket_add(index: dict, key: Any, record_id: str) -> None:
    """Add to an equality bucket: a lone id is kept as the id string, several as a set (memory)."""
    bucket = index.get(key)
    if bucket is None:
        index[key] = record_id
    elif isinstance(bucket, str):
        if bucket != record_id:
            index[key] = {bucket, record_id}
    else:
        bucket.add(record_id)


def _bucket_remove(index: dict, key: Any, record_id: str) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    if isinstance(bucket, str):
        if bucket == record_id:
            del index[key]
        return
    bucket.discard(record_id)
    if not bucket:
        del index[key]


def equality_indexed(schema: SObjectSchema) -> list[str]:
    """Email, unique and external-id fields, and the reference fields of child relationships
    (``Contact.AccountId``: a subquery's children come from there, never from a scan)."""
    names = [f.name for f in schema.fields.values()
             if f.external_id or f.unique or f.type == "email" or f.name in schema.child_reference_fields]
    return [n for n in names if n != "Id"]


class ObjectStore:
    """All records of one sObject type in one org."""

    def __init__(self, schema: SObjectSchema) -> None:
        self.schema = schema
        self.records: dict[str, dict] = {}
        # key -> one id (str) or a set of ids; read through lookup()
        self.equality: dict[str, dict[Any, str | set[str]]] = {n: {} for n in equality_indexed(schema)}
        self.ordered: dict[str, list[tuple[Any, str]]] = {n: [] for n in ORDERED_INDEX_FIELDS}
        self._search: Any = None  # the SOSL index (search.index.SearchIndex), built on the first search
        # Durable mode (emulator/durable) reads and clears these: the ids written since its last
        # save, or every row when ``rewrite`` is set. None: nobody is saving this store.
        self.changed: set[str] | None = None
        self.rewrite = False

    def search_index(self, build: Callable[[], Any]) -> Any:
        """The SOSL index of this store, built by ``build`` the first time and then kept up to date."""
        if self._search is None:
            self._search = build()
        return self._search

    # -- index maintenance -------------------------------------------------
    def ensure_index(self, field_name: str) -> None:
        """Start indexing a field (a new unique/external-id custom field)."""
        if field_name in self.equality or field_name == "Id":
            return
        index: dict[Any, str | set[str]] = {}
        for record_id, record in self.records.items():
            value = record.get(field_name)
            if value is not None:
                _bucket_add(index, index_key(value), record_id)
        self.equality[field_name] = index

    def mark_all_changed(self) -> None:
        """Every row changed in place (a field added or dropped): durable mode rewrites the store."""
        self.rewrite = True

    def drop_field(self, field_name: str) -> None:
        self.rewrite = True
        self.equality.pop(field_name, None)
        self._search = None  # rebuilt on the next search
        for record in self.records.values():
            record.pop(field_name, None)

    def _index_add(self, record_id: str, record: dict, names: Iterable[str]) -> None:
        entry: tuple[Any, str] | None = None
        for name in names:
            value = record.get(name)
            if value is None:
                continue
            if name in self.equality:
                _bucket_add(self.equality[name], index_key(value), record_id)
            elif name in self.ordered:
                entries = self.ordered[name]
                if entry is None or entry[0] != value:
                    entry = (value, record_id)  # shared by the date indexes when their values agree
                if not entries or entries[-1] < entry:
                    entries.append(entry)
                else:
                    bisect.insort(entries, entry)

    def _index_remove(self, record_id: str, record: dict, names: Iterable[str]) -> None:
        for name in names:
            value = record.get(name)
            if value is None:
                continue
            if name in self.equality:
                _bucket_remove(self.equality[name], index_key(value), record_id)
            elif name in self.ordered:
                entries = self.ordered[name]
                pos = bisect.bisect_left(entries, (value, record_id))
                if pos < len(entries) and entries[pos] == (value, record_id):
                    del entries[pos]

    def _indexed_names(self, names: Iterable[str] | None = None) -> list[str]:
        all_names = [*self.equality, *self.ordered]
        return all_names if names is None else [n for n in names if n in self.equality or n in self.ordered]

    # -- mutations -----------------------------------------------------------
    def insert(self, record: dict) -> None:
        record_id = record["Id"]
        self.records[record_id] = record
        if self.changed is not None:
            self.changed.add(record_id)
        self._index_add(record_id, record, self._indexed_names())
        if self._search is not None:
            self._search.add(record)

    def update(self, record_id: str, changes: dict) -> dict:
        record = self.records[record_id]
        if self.changed is not None:
            self.changed.add(record_id)
        touched = self._indexed_names(changes)
        self._index_remove(record_id, record, touched)
        record.update(changes)
        self._index_add(record_id, record, touched)
        if self._search is not None:
            self._search.add(record, changes)
        return record

    def purge(self, record_id: str) -> dict | None:
        record = self.records.pop(record_id, None)
        if self.changed is not None:
            self.changed.add(record_id)
        if record is not None:
            self._index_remove(record_id, record, self._indexed_names())
        return record

    # -- reads ---------------------------------------------------------------
    def get(self, record_id: str) -> dict | None:
        return self.records.get(record_id)

    def lookup(self, field_name: str, value: Any) -> set[str] | None:
        """Ids whose field equals ``value``, or None when the field is not indexed."""
        if field_name == "Id":
            return {value} if value in self.records else set()
        index = self.equality.get(field_name)
        if index is None:
            return None
        bucket = index.get(index_key(value), ())
        return {bucket} if isinstance(bucket, str) else set(bucket)

    def bucket(self, field_name: str, value: Any) -> tuple[str, ...] | str | set[str]:
        """The ids of an indexed field's value, without a copy (a str for one id); the field must be indexed."""
        return self.equality[field_name].get(index_key(value), ())

    def range(self, field_name: str, low: Any = None, low_inclusive: bool = True,
              high: Any = None, high_inclusive: bool = True) -> Iterator[str] | None:
        """Ids in the ordered index between ``low`` and ``high``, ascending; None if not indexed."""
        entries = self.ordered.get(field_name)
        if entries is None:
            return None
        if low is None:
            start = 0
        elif low_inclusive:
            start = bisect.bisect_left(entries, (low, ""))
        else:
            start = bisect.bisect_right(entries, (low, "\uffff"))
        if high is None:
            stop = len(entries)
        elif high_inclusive:
            stop = bisect.bisect_right(entries, (high, "\uffff"))
        else:
            stop = bisect.bisect_left(entries, (high, ""))
        return (entries[i][1] for i in range(start, stop))

    def scan(self, include_deleted: bool = False) -> Iterator[dict]:
        if include_deleted:
            return iter(self.records.values())
        return (r for r in self.records.values() if not r["IsDeleted"])

    def __len__(self) -> int:
        return len(self.records)
