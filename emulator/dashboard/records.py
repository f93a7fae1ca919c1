"""The records table of one object, served by the emulator's SOQL engine (no HTTP, no cursor).

The records come from :func:`emulator.salesforce.soql.execute`, the engine
behind ``/query``. Without a search a page runs ``SELECT COUNT() …`` for the
total, then the page itself ordered by ``CreatedDate DESC`` (newest first: an
index walk that stops at the page's end, see the planner). SOQL caps
``OFFSET`` at 2 000, so a later page asks ``LIMIT offset + size`` and keeps
the last ``size`` rows: only those rows are rendered. A search is one query — ``LIKE '%term%'`` on the
object's name and e-mail fields, ``Email =`` for a complete address, ``Id =``
for an id of the object — whose matches are sliced into pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..core.ids import normalize_id
from ..salesforce.sobjects.schema import SObjectSchema
from ..salesforce.soql import execute
from ..salesforce.soql.cursors import OrgQueryContext

MAX_TERM = 80
MAX_OFFSET_IN_SOQL = 2000
PREFERRED = ("Email", "Phone", "Title", "Company", "AccountId", "Username", "StageName", "Amount", "Status",
             "Subject", "Industry", "City", "BillingCity", "CloseDate")
EXTRA_COLUMNS = 4
EMAIL = re.compile(r"[^@\s'\\]+@[^@\s'\\]+\.[A-Za-z]{2,}")


def name_fields(obj: SObjectSchema) -> list[str]:
    """The fields that name a record (``Name``; ``CaseNumber`` for Case)."""
    found = [f.name for f in obj.fields.values() if f.name_field]
    return found or (["Name"] if obj.field("Name") else [])


def columns(obj: SObjectSchema) -> list[str]:
    """Id, the name field, a few telling fields, LastModifiedDate: what the table shows."""
    chosen = ["Id", *name_fields(obj)]
    for name in PREFERRED:
        if len(chosen) >= 2 + EXTRA_COLUMNS:
            break
        found = obj.field(name)
        if found is not None and found.name not in chosen and not found.components:
            chosen.append(found.name)
    if obj.field("LastModifiedDate") and "LastModifiedDate" not in chosen:
        chosen.append("LastModifiedDate")
    return chosen


def parent_names(obj: SObjectSchema, names: list[str], schema: Any) -> dict[str, str]:
    """For each reference column whose parent has a Name: the dotted path that reads it (``Account.Name``)."""
    found = {}
    for name in names:
        field = obj.field(name)
        if field is None or field.type != "reference" or not field.relationship_name or len(field.reference_to) != 1:
            continue
        parent = schema.get(field.reference_to[0])
        if parent is not None and parent.field("Name") is not None:
            found[name] = f"{field.relationship_name}.Name"
    return found


def search_fields(obj: SObjectSchema) -> list[str]:
    names = name_fields(obj) + [f.name for f in obj.fields.values() if f.type == "email"]
    if obj.name == "Case" and obj.field("Subject"):
        names.append("Subject")
    return list(dict.fromkeys(n for n in names if obj.field(n) is not None and obj.field(n).filterable))


def soql_literal(text: str, like: bool = False) -> str:
    """A SOQL string literal's body: backslash and quote escaped (and ``%``/``_`` for a LIKE pattern)."""
    text = "".join(ch for ch in text if ch >= " ")
    text = text.replace("\\", "\\\\").replace("'", "\\'")
    if like:
        text = text.replace("%", "\\%").replace("_", "\\_")
    return text


def where_clause(obj: SObjectSchema, term: str, exact_email: bool = False) -> str:
    """The WHERE of a search (empty for none); ``exact_email`` asks ``Email = term`` (index-served)."""
    term = term.strip()[:MAX_TERM]
    if not term:
        return ""
    record_id = normalize_id(term)
    if record_id is not None and record_id[:3] == obj.key_prefix:
        return f" WHERE Id = '{record_id}'"
    if exact_email:
        return f" WHERE Email = '{soql_literal(term)}'"
    fields = search_fields(obj)
    if not fields:
        return " WHERE Id = null"
    pattern = soql_literal(term, like=True)
    return " WHERE " + " OR ".join(f"{name} LIKE '%{pattern}%'" for name in fields)


def is_email(obj: SObjectSchema, term: str) -> bool:
    found = obj.field("Email")
    return found is not None and found.type == "email" and bool(EMAIL.fullmatch(term.strip()))


def order_clause(obj: SObjectSchema) -> str:
    return " ORDER BY CreatedDate DESC" if obj.field("CreatedDate") else " ORDER BY Id"


@dataclass
class RecordsPage:
    columns: list[str]
    parents: dict[str, str]  # reference column -> the column holding its parent's name
    rows: list[dict[str, Any]]
    total: int
    soql: str  # the page's query as a person could paste it into /query (OFFSET form when it fits)


def query_page(data: Any, version: str, now: Any, obj: SObjectSchema, term: str, offset: int,
               size: int) -> tuple[int, RecordsPage | None]:
    """(total, the page) — the page is None when ``offset`` is past the end. Call under the backend lock.

    Without a search: ``COUNT()``, then the page (an index walk on CreatedDate that stops at its end).
    With one: a single query finds every match in order (one scan) and the page is a slice of it; a
    complete e-mail address is looked up in the Email index first, the scan only when it finds nothing.
    """
    ctx = OrgQueryContext(data, version, now)
    names = columns(obj)
    parents = parent_names(obj, names, data.schema)
    select = f"SELECT {', '.join([*names, *parents.values()])} FROM {obj.name}"
    if term.strip():
        result = None
        if is_email(obj, term):
            shown = f"{select}{where_clause(obj, term, exact_email=True)}{order_clause(obj)}"
            result = execute(shown, ctx)
        if result is None or not result.total_size:
            shown = f"{select}{where_clause(obj, term)}{order_clause(obj)}"
            result = execute(shown, ctx)
        total = result.total_size
        if offset and offset >= total:
            return total, None
        records = result.records[offset:offset + size]
    else:
        total = execute(f"SELECT COUNT() FROM {obj.name}", ctx).total_size
        if offset and offset >= total:
            return total, None
        select += order_clause(obj)
        if offset <= MAX_OFFSET_IN_SOQL:
            shown = f"{select} LIMIT {size}" + (f" OFFSET {offset}" if offset else "")
            result = execute(shown, ctx)
            records = result.records
        else:  # SOQL's OFFSET stops at 2 000: ask for every row up to the page's end, keep the page
            shown = f"{select} LIMIT {offset + size}"
            result = execute(shown, ctx)
            records = result.records[offset:]
    rows = [result.flat(record) for record in records]
    return total, RecordsPage(names, parents, rows, total, shown)
