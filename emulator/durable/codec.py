"""Pickling an emulator's state with its record stores kept apart.

The state graph is pickled whole, except each :class:`ObjectStore`, which
pickles as a reference (its schema and a uid): its records are saved one row
each in the state file, so a write saves only the records it touched. On
loading, the reference rebuilds the store (indexes included) from those rows.
"""
from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from ..salesforce.sobjects.store import ObjectStore


class RowSource:
    """The rows of a state file while its segments are unpickled, and the stores rebuilt from them."""

    def __init__(self, rows_by_store: dict[str, list[tuple[int, bytes]]]) -> None:
        self.rows_by_store = rows_by_store
        self.stores: dict[str, tuple[ObjectStore, int]] = {}  # uid -> (store, next seq)

    def build(self, schema: Any, uid: str) -> ObjectStore:
        store = ObjectStore(schema)
        rows = self.rows_by_store.get(uid, ())
        for _, data in rows:
            store.insert(pickle.loads(data))
        self.stores[uid] = (store, (rows[-1][0] + 1) if rows else 0)
        return store


_LOADING: ContextVar[RowSource | None] = ContextVar("crm_harness_state_rows", default=None)


def _rebuild_store(schema: Any, uid: str) -> ObjectStore:
    """Unpickling a store reference: the store with its rows (module-level so pickle finds it by name)."""
    source = _LOADING.get()
    if source is None:
        raise pickle.UnpicklingError("a record store can only be loaded from its state file")
    return source.build(schema, uid)


def dumps(state: Any, uid_of: Callable[[ObjectStore], str], seen: dict[str, ObjectStore]) -> bytes:
    """Pickle ``state``; every store met is named by ``uid_of`` and collected in ``seen``."""
    def reduce_store(store: ObjectStore) -> tuple:
        uid = uid_of(store)
        seen[uid] = store
        return _rebuild_store, (store.schema, uid)

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    table = dict(copyreg.dispatch_table)  # a plain dict: the pickler looks every type up in it
    table[ObjectStore] = reduce_store
    pickler.dispatch_table = table
    pickler.dump(state)
    return buffer.getvalue()


def loads(data: bytes, source: RowSource) -> Any:
    token = _LOADING.set(source)
    try:
        return pickle.loads(data)
    finally:
        _LOADING.reset(token)


def dump_record(record: dict) -> bytes:
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
