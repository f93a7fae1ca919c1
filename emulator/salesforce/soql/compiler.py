"""Compile a bound WHERE tree into plain Python closures, once per query.

Each predicate becomes ``test(value) -> bool`` specialised for its operator,
field type and literal (case folding, id sets, compiled LIKE regexes, date
ranges are all prepared here), wrapped in an accessor that reads the value
from a stored record (following parent references for ``Account.Name``).
No syntax tree is walked per row.

Null semantics follow SOQL: a null field fails every comparison except
``= null``, ``!=`` and ``NOT IN`` / ``EXCLUDES`` (``Email != 'a@b.c'``
includes rows whose Email is null); ``NOT`` is a plain two-valued negation,
so ``NOT Title LIKE 'c%'`` also keeps rows whose Title is null.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from .binder import IDS, TEXT, AllOf, AnyOf, Bound, Negation, Path, Predicate
from .dates import DateRange
from .parser import like_parts

Test = Callable[[Any], bool]
RecordTest = Callable[[dict], bool]


class StoreSource(Protocol):
    def store(self, sobject_name: str) -> Any: ...


def accessor(path: Path, ctx: StoreSource) -> Callable[[dict], Any]:
    """``record -> value`` for a resolved path; None when a parent is missing."""
    name = path.field.name
    if not path.hops:
        return lambda record: record.get(name)
    hops = [(ref.name, ctx.store(target.name).records) for ref, target in path.hops]

    def get(record: dict | None) -> Any:
        for ref_name, records in hops:
            parent_id = record.get(ref_name)
            if parent_id is None:
                return None
            record = records.get(parent_id)
            if record is None:
                return None
        return record.get(name)
    return get


# -- value tests ---------------------------------------------------------------
def _negate(test: Test) -> Test:
    return lambda v: not test(v)


def _never(_v: Any) -> bool:
    return False


def _like(raw: str) -> Test:
    """LIKE: case-insensitive, ``%`` any run, ``_`` one character, anchored at both ends."""
    parts = like_parts(raw)
    if all(p for p in parts):  # no wildcard: case-insensitive equality
        text = "".join(parts)  # type: ignore[arg-type]
        folded = text.casefold()
        return lambda v: v is not None and (v == text or v.casefold() == folded)
    flags = re.IGNORECASE | re.DOTALL
    if len(parts) == 3 and parts[0] is None and parts[2] is None and parts[1]:
        search = re.compile(re.escape(parts[1]), flags).search
        return lambda v: v is not None and search(v) is not None
    if len(parts) == 2 and parts[0] and parts[1] is None:
        match = re.compile(re.escape(parts[0]), flags).match
        return lambda v: v is not None and match(v) is not None
    pattern = "".join(".*" if p is None else "." if p == "" else re.escape(p) for p in parts)
    fullmatch = re.compile(pattern, flags).fullmatch
    return lambda v: v is not None and fullmatch(v) is not None


def _in_range(rng: DateRange) -> Test:
    low, high = rng.low, rng.high
    return lambda v: v is not None and low <= v < high


def _range_test(op: str, rng: DateRange) -> Test:
    low, high = rng.low, rng.high
    if op == "=":
        return _in_range(rng)
    if op == "!=":
        return _negate(_in_range(rng))
    return {
        "<": lambda v: v is not None and v < low,
        "<=": lambda v: v is not None and v < high,
        ">": lambda v: v is not None and v >= high,
        ">=": lambda v: v is not None and v >= low,
    }[op]


def _eq_test(value: Any, fold: bool) -> Test:
    if value is None:
        return lambda v: v is None
    if isinstance(value, DateRange):
        return _in_range(value)
    if fold:
        folded = value.casefold()
        return lambda v: v is not None and (v == value or v.casefold() == folded)
    return lambda v: v is not None and v == value


def _in_test(values: tuple[Any, ...], fold: bool) -> Test:
    has_null = any(v is None for v in values)
    concrete = [v for v in values if v is not None]
    if any(isinstance(v, DateRange) for v in concrete):
        tests = [_eq_test(v, fold) for v in values]
        return lambda v: any(t(v) for t in tests)
    if fold:
        members = frozenset(v.casefold() for v in concrete)
        return lambda v: has_null if v is None else v.casefold() in members
    members = frozenset(concrete)
    return lambda v: has_null if v is None else v in members


def _ordering_test(op: str, value: Any, fold: bool) -> Test:
    if value is None:
        return _never
    if isinstance(value, DateRange):
        return _range_test(op, value)
    if fold:
        value = value.casefold()
        return {
            "<": lambda v: v is not None and v.casefold() < value,
            "<=": lambda v: v is not None and v.casefold() <= value,
            ">": lambda v: v is not None and v.casefold() > value,
            ">=": lambda v: v is not None and v.casefold() >= value,
        }[op]
    return {
        "<": lambda v: v is not None and v < value,
        "<=": lambda v: v is not None and v <= value,
        ">": lambda v: v is not None and v > value,
        ">=": lambda v: v is not None and v >= value,
    }[op]


def _choices(text: str) -> frozenset[str]:
    return frozenset(p.strip().casefold() for p in text.split(";") if p.strip())


def _multipicklist_test(op: str, values: tuple[Any, ...]) -> Test:
    """Multi-select picklists hold ``a;b;c``: = and IN compare the whole set,
    INCLUDES ('a;b', 'c') means (a and b) or c, EXCLUDES is its negation."""
    wanted = [None if v is None else _choices(v) for v in values]
    if op in ("INCLUDES", "EXCLUDES"):
        subsets = [w for w in wanted if w]

        def includes(v: Any) -> bool:
            if v is None:
                return False
            have = _choices(v)
            return any(s <= have for s in subsets)
        return includes if op == "INCLUDES" else _negate(includes)

    def equals(v: Any) -> bool:
        return (None in wanted) if v is None else _choices(v) in wanted
    return _negate(equals) if op in ("!=", "NOT IN") else equals


def value_test(pred: Predicate) -> Test:
    """The ``value -> bool`` test of one predicate."""
    ftype = pred.path.field.type
    op, values = pred.op, pred.values
    if ftype == "multipicklist":
        return _multipicklist_test(op, values)
    if op == "LIKE":
        return _never if values[0] is None else _like(values[0])
    fold = ftype in TEXT and ftype not in IDS
    if op == "=":
        return _eq_test(values[0], fold)
    if op == "!=":
        return _negate(_eq_test(values[0], fold))
    if op == "IN":
        return _in_test(values, fold)
    if op == "NOT IN":
        return _negate(_in_test(values, fold))
    return _ordering_test(op, values[0], fold)


# -- record predicates ---------------------------------------------------------
def compile_predicate(pred: Predicate, ctx: StoreSource) -> RecordTest:
    test = value_test(pred)
    if not pred.path.hops:
        name = pred.path.field.name
        return lambda record: test(record.get(name))
    get = accessor(pred.path, ctx)
    return lambda record: test(get(record))


def _all(tests: list[RecordTest]) -> RecordTest:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda r: first(r) and second(r)

    def every(record: dict) -> bool:
        for t in tests:
            if not t(record):
                return False
        return True
    return every


def _any(tests: list[RecordTest]) -> RecordTest:
    if len(tests) == 2:
        first, second = tests
        return lambda r: first(r) or second(r)

    def some(record: dict) -> bool:
        for t in tests:
            if t(record):
                return True
        return False
    return some


def compile_condition(node: Bound, ctx: StoreSource) -> RecordTest:
    """A closure evaluating the whole (sub)tree on one record."""
    if isinstance(node, Predicate):
        return compile_predicate(node, ctx)
    if isinstance(node, AllOf):
        return _all([compile_condition(c, ctx) for c in node.items])
    if isinstance(node, AnyOf):
        return _any([compile_condition(c, ctx) for c in node.items])
    if isinstance(node, Negation):
        inner = compile_condition(node.item, ctx)
        return lambda r: not inner(r)
    raise TypeError(f"not a bound condition: {node!r}")


def compile_conjunction(items: list[Bound], ctx: StoreSource) -> RecordTest | None:
    """The AND of ``items`` (None when there is nothing left to test)."""
    if not items:
        return None
    return _all([compile_condition(c, ctx) for c in items])
