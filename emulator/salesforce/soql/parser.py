"""SOQL text -> :class:`~.nodes.Query` with a lark LALR grammar (``grammar.lark``).

The transformer runs inline with the LALR parser (no intermediate tree, no
recursion), so even absurdly nested input cannot overflow the stack here.
Syntax errors become ``MALFORMED_QUERY`` in the real API's format: lexer
errors read ``line 1:7 no viable alternative at character '"'``, parser
errors ``unexpected token: 'FRO'`` (``'<EOF>'`` at the end of the text).
"""
from __future__ import annotations

import functools
import re
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedToken

from ..errors import SalesforceError
from . import dates
from .diagnostics import empty_query, malformed, out_of_range, row_column
from .logic import AllOf, AnyOf, Negation
from .nodes import Comparison, Condition, CountAll, CountField, FieldRef, Literal, OrderItem, Query, SubQuery

MAX_LENGTH = 100_000
MAX_OFFSET = 2000
MAX_DEPTH = 100
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|[nNrRtTbBfF\"'\\%_])|\\(u.{0,4}|.?)", re.S)


class _Fail(Exception):
    """Raised inside the transformer; :func:`parse` adds the text and pointer."""

    def __init__(self, pos: int, detail: str) -> None:
        super().__init__(detail)
        self.pos = pos
        self.detail = detail


def _unexpected(token: Token) -> _Fail:
    return _Fail(token.start_pos, f"unexpected token: '{token}'")


INT_MAX = 2_147_483_647  # LIMIT/OFFSET are read as 32-bit integers


def _integer(token: Token) -> int:
    """LIMIT/OFFSET values: plain non-negative 32-bit integers; a larger one is MALFORMED_QUERY."""
    text = str(token)
    if not text.isdigit():
        raise _unexpected(token)
    if len(text) > 10 or int(text) > INT_MAX:
        raise _Fail(token.start_pos, f'For input string: "{text}"')
    return int(text)


def _number(token: Token) -> int | float:
    text = str(token)
    if "." in text:
        return float(text)
    if len(text.lstrip("+-")) > 4000:  # beyond int()'s digit limit: compare as a float
        return float("-inf") if text.startswith("-") else float("inf")
    return int(text)


class _Builder(Transformer):
    """Lark callbacks building :mod:`nodes` objects; tokens are kept for positions."""

    def start(self, c: list) -> dict:
        return self._statement(c)

    @staticmethod
    def _statement(c: list) -> dict:
        """SELECT … FROM … [WHERE …] …: the keyword arguments of a :class:`Query` (or a subquery)."""
        parts: dict[str, Any] = {"select": tuple(c[1]), "sobject": str(c[3]), "sobject_pos": c[3].start_pos}
        for item in c[4:]:
            parts.update(item)
        return parts

    def select_list(self, c: list) -> list:
        return c

    def subquery(self, c: list) -> SubQuery:
        parts = self._statement(c)
        return SubQuery(tuple(parts.items()), c[0].start_pos)

    def count_all(self, c: list) -> CountAll:
        return CountAll(c[0].start_pos)

    def count_field(self, c: list) -> CountField:
        return CountField(c[1], str(c[2]) if len(c) > 2 else None, c[0].start_pos)

    def object_name(self, c: list) -> Token:
        return c[0]

    def field_path(self, c: list) -> FieldRef:
        return FieldRef(tuple(str(t) for t in c), c[0].start_pos)

    def where(self, c: list) -> dict:
        return {"where": c[1]}

    def and_(self, c: list) -> AllOf:
        return AllOf(tuple(x for x in c if not isinstance(x, Token)))

    def or_(self, c: list) -> AnyOf:
        return AnyOf(tuple(x for x in c if not isinstance(x, Token)))

    def not_(self, c: list) -> Negation:
        return Negation(c[1])

    def compare(self, c: list) -> Comparison:
        op = "!=" if str(c[1]) == "<>" else str(c[1])
        return Comparison(c[0], op, c[2], c[0].pos)

    def like(self, c: list) -> Comparison:
        return Comparison(c[0], "LIKE", c[2], c[0].pos)

    def in_(self, c: list) -> Comparison:
        return Comparison(c[0], "IN", tuple(c[2]), c[0].pos)

    def not_in(self, c: list) -> Comparison:
        return Comparison(c[0], "NOT IN", tuple(c[3]), c[0].pos)

    def includes(self, c: list) -> Comparison:
        return Comparison(c[0], "INCLUDES", tuple(c[2]), c[0].pos)

    def excludes(self, c: list) -> Comparison:
        return Comparison(c[0], "EXCLUDES", tuple(c[2]), c[0].pos)

    def value_list(self, c: list) -> list:
        return c

    def value(self, c: list) -> Literal:
        token = c[0]
        kind, text, pos = token.type, str(token), token.start_pos
        if kind == "STRING":
            body = text[1:-1]
            for match in _ESCAPE.finditer(body):
                if match.group(2) is not None:
                    bad = match.group(0)
                    raise _Fail(pos, f"Invalid string literal '{text}'. Illegal character sequence "
                                     f"'{bad}' in string literal.")
            return Literal("string", body, pos, text)
        if kind == "NUMBER":
            return Literal("number", _number(token), pos, text)
        if kind == "DATE":
            try:
                return Literal("date", date.fromisoformat(text), pos, text)
            except ValueError:
                raise _Fail(pos, f"line {token.line}:{token.column - 1} no viable alternative at "
                                 f"character '{text}'") from None
        if kind == "DATETIME":
            try:
                moment = datetime.fromisoformat(text).astimezone(timezone.utc)
            except (ValueError, OverflowError):
                raise _Fail(pos, f"line {token.line}:{token.column - 1} no viable alternative at "
                                 f"character '{text}'") from None
            return Literal("datetime", moment, pos, text)
        if kind == "NULL":
            return Literal("null", None, pos, text)
        return Literal("boolean", kind == "TRUE", pos, text)

    def date_literal(self, c: list) -> Literal:
        name_token = c[0]
        name = str(name_token).upper()
        pos = name_token.start_pos
        if len(c) == 1:
            if name not in dates.FIXED:
                raise _unexpected(name_token)
            return Literal("date_literal", (name, None), pos, str(name_token))
        if name not in dates.PARAMETERISED:
            raise _unexpected(name_token)
        n_token = c[1]
        if not str(n_token).isdigit():
            raise _unexpected(n_token)
        n = int(str(n_token)) if len(str(n_token)) <= 18 else sys.maxsize
        return Literal("date_literal", (name, n), pos, f"{name_token}:{n_token}")

    def order_by(self, c: list) -> dict:
        return {"order_by": tuple(x for x in c if isinstance(x, OrderItem))}

    def order_item(self, c: list) -> OrderItem:
        words = {t.type for t in c[1:]}
        nulls_first = True if "FIRST" in words else False if "LAST" in words else None
        return OrderItem(c[0], "DESC" in words, nulls_first)

    def limit(self, c: list) -> dict:
        return {"limit": _integer(c[1])}

    def for_clause(self, c: list) -> dict:
        return {"for_": c[1].type}

    def offset(self, c: list) -> dict:
        value = _integer(c[1])
        if value > MAX_OFFSET:
            raise out_of_range(f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        return {"offset": value}


_GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="contextual", transformer=_Builder(), maybe_placeholders=False)


def _depth(cond: Condition | None) -> int:
    """Nesting depth of a WHERE tree, computed iteratively."""
    deepest, stack = 0, [(cond, 1)] if cond is not None else []
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, (AllOf, AnyOf)):
            stack.extend((child, level + 1) for child in node.items)
        elif isinstance(node, Negation):
            stack.append((node.item, level + 1))
    return deepest


def _syntax_error(text: str, error: LarkError) -> SalesforceError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return malformed(text, len(text), "unexpected token: '<EOF>'")
        return malformed(text, token.start_pos, f"unexpected token: '{token}'")
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        row, col = row_column(text, pos)
        char = text[pos] if pos < len(text) else "<EOF>"
        return malformed(text, pos, f"line {row}:{col - 1} no viable alternative at character '{char}'")
    return malformed(text, 0, "unexpected token: '<EOF>'")


def _parse(text: str) -> Query:
    try:
        parts = _PARSER.parse(text)
    except _Fail as fail:
        raise malformed(text, fail.pos, fail.detail) from None
    except LarkError as error:
        raise _syntax_error(text, error) from None
    query = Query(text=text, **parts)
    subqueries = [item.query(text) for item in query.select if isinstance(item, SubQuery)]
    if any(_depth(q.where) > MAX_DEPTH for q in [query, *subqueries]):
        raise malformed(text, 0, "Query is too complicated: too many nested conditions")
    return query


def parse(soql: Any) -> Query:
    """Parse SOQL text; raises :class:`SalesforceError` (400) for anything invalid."""
    if not isinstance(soql, str) or not soql.strip():
        raise empty_query()
    if len(soql) > MAX_LENGTH:
        raise SalesforceError(400, "MALFORMED_QUERY",
                              f"SOQL statements cannot be longer than {MAX_LENGTH} characters.")
    return _parse_cached(soql) if len(soql) <= _CACHED_LENGTH else _parse(soql)


_CACHED_LENGTH = 4096  # bounds the memory the cache of parsed queries can hold
_parse_cached = functools.lru_cache(maxsize=1024)(_parse)


def decode_string(raw: str) -> str:
    """Decode SOQL backslash escapes (``\\%`` and ``\\_`` become plain ``%`` and ``_``)."""
    def replace(match: re.Match) -> str:
        code = match.group(1) or ""
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}.get(code.lower(), code)
    return _ESCAPE.sub(replace, raw)


_LIKE_TOKEN = re.compile(r"(\\(?:u[0-9A-Fa-f]{4}|.))|(%)|(_)|([^\\%_]+)", re.S)


def like_parts(raw: str) -> list[str | None]:
    """A LIKE pattern as literal text pieces and wildcards: ``None`` for ``%``, ``""`` for ``_``.

    Works on the raw (undecoded) text so that ``\\%`` (a literal percent sign)
    and ``\\\\%`` (a backslash, then a wildcard) are told apart.
    """
    parts: list[str | None] = []
    for escape, percent, underscore, plain in _LIKE_TOKEN.findall(raw):
        if percent:
            parts.append(None)
        elif underscore:
            parts.append("")
        else:
            piece = decode_string(escape) if escape else plain
            if parts and parts[-1]:
                parts[-1] += piece
            else:
                parts.append(piece)
    return parts
