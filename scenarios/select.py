"""``-k`` expressions: words matched as case-insensitive substrings, with ``and``, ``or``, ``not`` and parentheses."""
from __future__ import annotations

import operator
import re
from typing import Callable

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class ExpressionError(ValueError):
    """A ``-k`` expression that does not parse."""


def matches(expression: str, text: str) -> bool:
    """Whether ``text`` satisfies ``expression`` (e.g. ``oauth and not refresh``)."""
    tokens = _TOKEN.findall(expression)
    haystack = text.lower()
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise ExpressionError(f"unexpected end of -k expression {expression!r}")
        position += 1
        return token

    def parse_chain(word: str, operand: Callable[[], bool], combine: Callable[[bool, bool], bool]) -> bool:
        """``operand (word operand)*``: every operand is parsed (no short cut), then combined."""
        value = operand()
        while peek() == word:
            take()
            value = combine(value, operand())
        return value

    def parse_or() -> bool:
        return parse_chain("or", parse_and, operator.or_)

    def parse_and() -> bool:
        return parse_chain("and", parse_not, operator.and_)

    def parse_not() -> bool:
        if peek() == "not":
            take()
            return not parse_not()
        token = take()
        if token == "(":
            value = parse_or()
            if take() != ")":
                raise ExpressionError(f"missing ) in -k expression {expression!r}")
            return value
        if token in ("and", "or", ")"):
            raise ExpressionError(f"unexpected {token!r} in -k expression {expression!r}")
        return token.lower() in haystack

    result = parse_or()
    if peek() is not None:
        raise ExpressionError(f"unexpected {peek()!r} in -k expression {expression!r}")
    return result
