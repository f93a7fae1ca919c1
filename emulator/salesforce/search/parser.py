"""SOSL text -> :class:`Search` with lark grammars (SPEC SF-REST-14).

``sosl.lark`` (with the SOQL grammar appended, so RETURNING field lists,
WHERE, ORDER BY, LIMIT and OFFSET are SOQL's own rules and transformer
callbacks) parses the statement; ``term.lark`` parses the search term between
the braces. Syntax errors are 400 ``MALFORMED_SEARCH`` in the SOQL pointer
format; a term shorter than two characters is 400 ``INVALID_SEARCH``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

from ..errors import SalesforceError
from ..soql.diagnostics import pointer
from ..soql.logic import AllOf, AnyOf
from ..soql.nodes import Query
from ..soql.parser import _Builder, _Fail, _syntax_error

MAX_LENGTH = 10_000
GROUPS = ("ALL", "NAME", "EMAIL", "PHONE")
_HERE = Path(__file__).parent
_UNESCAPE = re.compile(r"\\(.)", re.S)
_WORDS = re.compile(r"[^\W_]+")


# -- the search term ------------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    """One search word, lower-cased and unescaped; ``pattern`` when it has * or ? wildcards."""

    text: str
    pattern: re.Pattern | None = None

    @property
    def digits(self) -> str:
        return "".join(ch for ch in self.text if ch.isdigit())

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(_WORDS.findall(self.text))


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase: every word, and the words in this order in one field."""

    words: tuple[Word, ...]
    text: str


@dataclass(frozen=True)
class Excluding:
    """``keep AND NOT drop``."""

    keep: "Term"
    drop: "Term"


Term = Union[Word, Phrase, AllOf["Term"], AnyOf["Term"], Excluding]


def _word(raw: str) -> Word:
    wildcard = re.search(r"(?<!\\)[*?]", raw) is not None
    text = _UNESCAPE.sub(r"\1", raw).lower()
    if not wildcard:
        return Word(text)
    pieces = re.split(r"(?<!\\)([*?])", raw)
    pattern = "".join(".*" if p == "*" else "." if p == "?" else re.escape(_UNESCAPE.sub(r"\1", p).lower())
                      for p in pieces)
    return Word(text.replace("*", "").replace("?", ""), re.compile(pattern, re.S))


class _TermBuilder(Transformer):
    def word(self, c: list) -> Word:
        return _word(str(c[0]))

    def phrase(self, c: list) -> Phrase:
        body = _UNESCAPE.sub(r"\1", str(c[0])[1:-1])
        return Phrase(tuple(Word(w) for w in _WORDS.findall(body.lower())), body.lower())

    def include(self, c: list) -> tuple[bool, Term]:
        return True, c[-1]

    def exclude(self, c: list) -> tuple[bool, Term]:
        return False, c[-1]

    def and_expr(self, c: list) -> Term:
        term: Term = c[0]
        keep: list[Term] = [term]
        for include, item in c[1:]:
            if include:
                keep.append(item)
            else:
                term = Excluding(AllOf(tuple(keep)) if len(keep) > 1 else keep[0], item)
                keep = [term]
        return AllOf(tuple(keep)) if len(keep) > 1 else keep[0]

    def or_expr(self, c: list) -> Term:
        return AnyOf(tuple(x for x in c if not isinstance(x, Token)))


_TERM_PARSER = Lark((_HERE / "term.lark").read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                    transformer=_TermBuilder(), maybe_placeholders=False)


def term_words(term: Term) -> list[Word]:
    if isinstance(term, Word):
        return [term]
    if isinstance(term, Phrase):
        return list(term.words)
    if isinstance(term, Excluding):
        return term_words(term.keep) + term_words(term.drop)
    return [w for item in term.items for w in term_words(item)]


def parse_term(raw: str, text: str | None = None, offset: int = 0) -> Term:
    """A search term; MALFORMED_SEARCH when it does not parse, INVALID_SEARCH when it is too short."""
    stripped = raw.strip()
    if len(stripped.replace("*", "").replace("?", "")) < 2:
        raise SalesforceError(400, "INVALID_SEARCH", f"search term must be longer than one character: {stripped}")
    try:
        term = _TERM_PARSER.parse(raw)
    except LarkError as error:
        where = text if text is not None else raw
        raise _search_error(where, error, offset) from None
    if not any(len(w.text) >= 2 or w.pattern is not None and len(w.text) >= 1 for w in term_words(term)):
        raise SalesforceError(400, "INVALID_SEARCH", f"search term must be longer than one character: {stripped}")
    return term


# -- the statement ----------------------------------------------------------------------
@dataclass(frozen=True)
class Returning:
    """One RETURNING object: its name as written and, with a field list, the SOQL query over it."""

    sobject: str
    pos: int
    query: Query | None


@dataclass(frozen=True)
class Search:
    text: str
    term: Term
    group: str  # ALL | NAME | EMAIL | PHONE
    returning: tuple[Returning, ...]
    limit: int | None


class _SearchBuilder(_Builder):
    def start(self, c: list) -> dict:  # type: ignore[override]
        parts: dict[str, Any] = {"term_token": c[1], "group": "ALL", "returning": (), "limit": None}
        for item in c[2:]:
            parts.update(item)
        return parts

    def in_clause(self, c: list) -> dict:
        return {"group": c[1]}

    def search_group(self, c: list) -> str:
        return {"NAME_GROUP": "NAME"}.get(c[0].type, c[0].type)

    def returning(self, c: list) -> dict:
        return {"returning": tuple(x for x in c if isinstance(x, dict))}

    def returning_item(self, c: list) -> dict:
        item: dict[str, Any] = {"sobject": str(c[0]), "sobject_pos": c[0].start_pos}
        if len(c) > 1:
            item["select"] = tuple(c[1])
            for part in c[2:]:
                item.update(part)
        return item


def _grammar() -> str:
    soql = (_HERE.parent / "soql" / "grammar.lark").read_text(encoding="utf-8")
    soql = re.sub(r"^start:", "soql_statement:", soql, flags=re.M)
    return (_HERE / "sosl.lark").read_text(encoding="utf-8") + "\n" + soql


_PARSER = Lark(_grammar(), parser="lalr", lexer="contextual", transformer=_SearchBuilder(),
               maybe_placeholders=False)


def _search_error(text: str, error: Exception, offset: int = 0) -> SalesforceError:
    """A syntax error of the statement (or its term) as MALFORMED_SEARCH in SOQL's pointer format."""
    if isinstance(error, _Fail):
        return SalesforceError(400, "MALFORMED_SEARCH", pointer(text, error.pos + offset, error.detail))
    as_query = _syntax_error(text, error)  # type: ignore[arg-type]
    message = as_query.message
    if offset:
        return SalesforceError(400, "MALFORMED_SEARCH", pointer(text, offset, message.rsplit("\n", 1)[-1]))
    return SalesforceError(400, "MALFORMED_SEARCH", message)


def parse(sosl: Any) -> Search:
    """Parse a SOSL statement; raises :class:`SalesforceError` (400) for anything invalid."""
    if not isinstance(sosl, str) or not sosl.strip():
        raise SalesforceError(400, "MALFORMED_SEARCH", "No search term found. The search term must be enclosed "
                                                       "in braces.")
    if len(sosl) > MAX_LENGTH:
        raise SalesforceError(400, "MALFORMED_SEARCH", f"SOSL statements cannot be longer than {MAX_LENGTH} "
                                                       "characters.")
    return _parse_cached(sosl)


@functools.lru_cache(maxsize=256)
def _parse_cached(sosl: str) -> Search:
    try:
        parts = _PARSER.parse(sosl)
    except _Fail as fail:
        raise _search_error(sosl, fail) from None
    except LarkError as error:
        raise _search_error(sosl, error) from None
    token = parts["term_token"]
    term = parse_term(str(token)[1:-1], sosl, token.start_pos + 1)
    returning = tuple(
        Returning(item["sobject"], item["sobject_pos"],
                  Query(text=sosl, **{k: v for k, v in item.items()}) if "select" in item else None)
        for item in parts["returning"])
    return Search(sosl, term, parts["group"], returning, parts["limit"])
