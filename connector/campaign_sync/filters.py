"""Import filters: parse, enforce the seed's rules, evaluate values, compile to SOQL (CON-CAMP-1).

A filter is text such as ``LastActivityDate > date(2012, 11, 1) AND Email IS NOT NULL``.
Parentheses open a new level. The rules of seed 003, each with the name a
:class:`FilterError` carries:

- ``ONE_OPERATOR_PER_LEVEL``: a level uses AND or OR, not both;
- ``NO_AND_NOT``: AND NOT (and any other negation) is not supported;
- ``NULL_OR_NUMBER_ONLY``: a comparison is against null or a value that evaluates to a number
  (text comparisons are refused; a date is written as an expression yielding a number);
- ``NO_JOIN``: no comparison with another field or a related object;
- ``LEFT_SIDE_FIELD``: the left side is one field, not a number or a combination.

The value expression subset: numbers, ``+ - * /``, parentheses and the functions
``date(y, m, d)`` and ``datetime(y, m, d[, h, mi, s])`` (UTC, months 1-12, epoch
milliseconds as JavaScript dates), ``days(n)``, ``hours(n)``, ``minutes(n)``,
``seconds(n)`` (milliseconds) and ``now()`` (the run's clock). The number is then
written as the SOQL literal the field's type needs: a date, a dateTime, a number
or a boolean (0 or 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from .errors import FilterError

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NUMERIC_TYPES = {"int", "double", "currency", "percent", "long"}
DATE_TYPES = {"date"}
DATETIME_TYPES = {"datetime"}
BOOLEAN_TYPES = {"boolean"}
SOQL_OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
MS = {"days": 86_400_000, "hours": 3_600_000, "minutes": 60_000, "seconds": 1000}

RULES = {
    "ONE_OPERATOR_PER_LEVEL": "each filter level may use only one type of operator",
    "NO_AND_NOT": "the AND NOT operator is not supported",
    "NULL_OR_NUMBER_ONLY": "comparisons can only be made against null values or numbers",
    "NO_JOIN": "JOIN comparisons are not supported",
    "LEFT_SIDE_FIELD": "the expression on the left must be a field",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(Path(__file__).with_name("filter.lark").read_text(encoding="utf-8"), parser="earley")


def _broken(rule: str, detail: str) -> FilterError:
    return FilterError(rule, f"{RULES[rule]} ({detail})")


def parse(text: str) -> Tree:
    """The syntax tree of a filter; `FilterError` (rule SYNTAX) when it does not parse."""
    try:
        return _parser().parse(text)
    except UnexpectedInput as error:
        where = f"column {error.column}" if error.column > 0 else "its end"
        raise FilterError("SYNTAX", f"cannot parse the filter at {where}: {text!r}") from None
    except LarkError as error:
        raise FilterError("SYNTAX", f"cannot parse the filter {text!r}: {error}") from None


def _text(node: Any) -> str:
    if isinstance(node, Token):
        return str(node)
    return " ".join(_text(child) for child in node.children if child is not None)


def _paths(node: Any) -> list[Tree]:
    if isinstance(node, Tree):
        if node.data == "path":
            return [node]
        return [p for child in node.children for p in _paths(child)]
    return []


def _contains(node: Any, kind: str) -> bool:
    if isinstance(node, Tree):
        return node.data == kind or any(_contains(c, kind) for c in node.children)
    return False


@dataclass
class Evaluator:
    """Evaluates a value expression to a number (epoch milliseconds for dates)."""

    now: Callable[[], datetime]

    def value(self, node: Any) -> float:
        kind = node.data
        if kind == "number":
            text = str(node.children[0])
            return float(text) if "." in text else int(text)
        if kind == "neg":
            return -self.value(node.children[0])
        if kind == "binop":
            left, op, right = self.value(node.children[0]), str(node.children[1]), self.value(node.children[2])
            if op == "/" and right == 0:
                raise _broken("NULL_OR_NUMBER_ONLY", "division by zero does not give a number")
            return {"+": left + right, "-": left - right, "*": left * right, "/": left / right}[op]
        if kind == "call":
            return self.call(str(node.children[0]), [self.value(c) for c in node.children[1:] if c is not None])
        raise _broken("NULL_OR_NUMBER_ONLY", f"{_text(node)!r} does not evaluate to a number")

    def call(self, name: str, args: list[float]) -> float:
        lowered = name.lower()
        if lowered in ("date", "datetime"):
            wanted = (3, 3) if lowered == "date" else (3, 6)
            if not wanted[0] <= len(args) <= wanted[1] or any(a != int(a) for a in args):
                raise FilterError("SYNTAX", f"{lowered}() takes {wanted[0]}"
                                            f"{'' if wanted[0] == wanted[1] else ' to ' + str(wanted[1])}"
                                            " whole numbers (year, month 1-12, day[, hour, minute, second])")
            try:
                moment = datetime(*(int(a) for a in args), tzinfo=timezone.utc)
            except ValueError as error:
                raise FilterError("SYNTAX", f"{lowered}{tuple(int(a) for a in args)}: {error}") from None
            return int((moment - EPOCH) / timedelta(milliseconds=1))
        if lowered in MS:
            if len(args) != 1:
                raise FilterError("SYNTAX", f"{lowered}() takes one number")
            return args[0] * MS[lowered]
        if lowered == "now":
            if args:
                raise FilterError("SYNTAX", "now() takes no argument")
            return int((self.now().astimezone(timezone.utc) - EPOCH) / timedelta(milliseconds=1))
        raise FilterError("SYNTAX", f"unknown function {name}() (known: date, datetime, days, hours, minutes, "
                                    "seconds, now)")


def _literal(field: str, field_type: str, number: float) -> str:
    """The SOQL literal for `number` compared with a field of `field_type`."""
    if field_type in NUMERIC_TYPES:
        return repr(number) if isinstance(number, float) and number != int(number) else str(int(number))
    moment = EPOCH + timedelta(milliseconds=number)
    if field_type in DATE_TYPES:
        return moment.strftime("%Y-%m-%d")
    if field_type in DATETIME_TYPES:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if field_type in BOOLEAN_TYPES and number in (0, 1):
        return "true" if number == 1 else "false"
    raise _broken("NULL_OR_NUMBER_ONLY", f"{field} is a {field_type} field; it can only be compared with null")


class _Compiler:
    def __init__(self, field_types: dict[str, str], now: Callable[[], datetime]) -> None:
        self.types = {name.lower(): (name, kind) for name, kind in field_types.items()}
        self.evaluator = Evaluator(now)

    def level(self, node: Tree, top: bool) -> str:
        terms = node.children[0::2]
        ops = [child.data for child in node.children[1::2]]
        if any(op in ("and_not", "or_not") for op in ops):
            raise _broken("NO_AND_NOT", "write the condition without a negation")
        if len(set(ops)) > 1:
            raise _broken("ONE_OPERATOR_PER_LEVEL", "AND and OR are mixed on one level; group them in parentheses")
        joiner = " AND " if not ops or ops[0] == "and_" else " OR "
        parts = [self.term(term) for term in terms]
        text = joiner.join(parts)
        return text if top or len(parts) == 1 else f"({text})"

    def field(self, node: Any) -> tuple[str, str]:
        if not isinstance(node, Tree) or node.data != "path":
            raise _broken("LEFT_SIDE_FIELD", f"{_text(node)!r} is not a field")
        if len(node.children) > 1:
            raise _broken("NO_JOIN", f"{'.'.join(map(str, node.children))} reaches another object")
        name = str(node.children[0])
        if name.lower() not in self.types:
            raise FilterError("UNKNOWN_FIELD", f"{name} is not a field of the remote object")
        return self.types[name.lower()]

    def term(self, node: Tree) -> str:
        kind = node.data
        if kind == "level":
            return self.level(node, top=False)
        if kind == "negation":
            raise _broken("NO_AND_NOT", f"NOT {_text(node.children[1])}")
        left = node.children[0]
        field, field_type = self.field(left)
        if kind in ("is_null", "is_not_null"):
            return f"{field} {'=' if kind == 'is_null' else '!='} null"
        op, right = SOQL_OPS[str(node.children[1])], node.children[2]
        if _paths(right):
            raise _broken("NO_JOIN", f"{field} is compared with {_text(right)!r}, another field")
        if isinstance(right, Tree) and right.data == "null":
            if op not in ("=", "!="):
                raise _broken("NULL_OR_NUMBER_ONLY", f"{field} {op} null has no meaning; use IS NULL / IS NOT NULL")
            return f"{field} {op} null"
        if _contains(right, "string"):
            raise _broken("NULL_OR_NUMBER_ONLY", f"{field} is compared with the text {_text(right)}")
        if _contains(right, "boolean") or _contains(right, "null"):
            raise _broken("NULL_OR_NUMBER_ONLY", f"{_text(right)!r} does not evaluate to a number")
        return f"{field} {op} {_literal(field, field_type, self.evaluator.value(right))}"


def compile_filter(text: str, field_types: dict[str, str],
                   now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> str:
    """The SOQL condition for a filter over fields `{api name: describe type}`; `FilterError` names a broken rule."""
    if not text or not text.strip():
        return ""
    tree = parse(text)
    compiler = _Compiler(field_types, now)
    if tree.data != "level":
        tree = Tree("level", [tree])
    return compiler.level(tree, top=True)
