"""The SOQL syntax tree: small immutable dataclasses produced by the parser.

Every node keeps ``pos``, the offset of its first character in the query
text, so later (semantic) errors can point at the token the way the real API
does ("ERROR at Row:1:Column:8").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Union

from .logic import AllOf, AnyOf, Negation


@dataclass(frozen=True)
class FieldRef:
    """A field path as written: ``Name`` or ``Account.Owner.Name``."""

    path: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class CountAll:
    """``COUNT()``: the query returns only a row count."""

    pos: int


@dataclass(frozen=True)
class CountField:
    """``COUNT(field) [alias]``: an aggregate query returning one AggregateResult row."""

    field: FieldRef
    alias: str | None
    pos: int


@dataclass(frozen=True)
class SubQuery:
    """``(SELECT … FROM <child relationship> …)`` in the SELECT list; ``parts`` as for :class:`Query`."""

    parts: tuple[tuple[str, object], ...]
    pos: int

    def query(self, text: str) -> "Query":
        return Query(text=text, **dict(self.parts))


SelectItem = Union[FieldRef, CountAll, CountField, SubQuery]


@dataclass(frozen=True)
class Literal:
    """A value in a filter.

    ``kind`` is one of ``string`` (``value`` is the raw text between the
    quotes, escapes not yet decoded because LIKE decodes ``\\%`` and ``\\_``
    differently), ``number`` (int or float), ``date``, ``datetime`` (aware,
    UTC), ``null``, ``boolean`` and ``date_literal`` (``value`` is
    ``(NAME, n or None)``, e.g. ``("LAST_N_DAYS", 30)``).
    """

    kind: str
    value: str | int | float | bool | date | datetime | tuple[str, int | None] | None
    pos: int
    text: str


@dataclass(frozen=True)
class Comparison:
    """``field op value``; ``op`` is one of = != < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES."""

    field: FieldRef
    op: str
    value: Union[Literal, tuple[Literal, ...]]
    pos: int


Condition = Union[Comparison, AllOf["Condition"], AnyOf["Condition"], Negation["Condition"]]


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_first: bool | None = None  # None: the default (first for ASC, last for DESC)

    @property
    def effective_nulls_first(self) -> bool:
        return (not self.descending) if self.nulls_first is None else self.nulls_first


@dataclass(frozen=True)
class Query:
    """A parsed (not yet schema-checked) SOQL query."""

    text: str
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: int
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    for_: str | None = None  # FOR VIEW | FOR REFERENCE: "VIEW" or "REFERENCE"

    @property
    def is_count(self) -> bool:
        return any(isinstance(item, CountAll) for item in self.select)
