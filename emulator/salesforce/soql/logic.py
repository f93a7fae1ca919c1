"""``AND``, ``OR`` and ``NOT`` over the nodes of one tree, shared by the SOQL syntax tree (``WHERE``),
the bound filter the compiler reads and the SOSL search term.

A node combines nodes of its own tree only; which tree that is follows from where it sits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class AllOf(Generic[T]):
    """Every item holds."""

    items: tuple[T, ...]


@dataclass(frozen=True)
class AnyOf(Generic[T]):
    """At least one item holds."""

    items: tuple[T, ...]


@dataclass(frozen=True)
class Negation(Generic[T]):
    """The item does not hold."""

    item: T
