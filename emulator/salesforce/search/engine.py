"""Run a parsed SOSL search over an org (SPEC SF-REST-14).

For each RETURNING object: candidates from the object's :class:`SearchIndex`
(never a scan, except the key scan a wildcard word needs), each checked
against its current values, then the object's SOQL WHERE, ORDER BY, OFFSET
and LIMIT (bound and compiled by the SOQL engine), rendered with the SOQL
renderer. Objects come in RETURNING order (every searchable object, Id only,
without RETURNING); the overall LIMIT (default and maximum 2000) caps the
total.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timezone

from ..errors import SalesforceError
from ..sobjects.schema import SObjectSchema
from ..soql import QueryContext
from ..soql.binder import BoundQuery, bind
from ..soql.compiler import compile_conjunction
from ..soql.diagnostics import invalid_type, pointer
from ..soql.nodes import FieldRef, Query
from ..soql.planner import order_rows
from ..soql.result import make_renderer
from .index import GROUPS, SearchIndex, search_fields
from .parser import AllOf, AnyOf, Excluding, Phrase, Returning, Search, Term, Word

MAX_ROWS = 2000


@dataclass
class ObjectHits:
    sobject: str
    records: list[dict]
    render: Callable[[dict], dict]


def _groups(group: str) -> tuple[str, ...]:
    return GROUPS if group == "ALL" else (group,)


# -- candidates and checks ---------------------------------------------------------------
def _prefix(word: Word) -> str:
    """The literal text before a wildcard word's first * or ?."""
    return word.text if word.pattern is None else word.pattern.pattern.split(".", 1)[0].replace("\\", "")


def _word_ids(index: SearchIndex, word: Word, groups: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for group in groups:
        postings = index.postings[group]
        if word.pattern is not None:
            prefix, fullmatch = _prefix(word), word.pattern.fullmatch
            for token, ids in postings.items():
                if token.startswith(prefix) and fullmatch(token):
                    found.update(ids)
            continue
        for key in _keys(word, group):
            found.update(postings.get(key, ()))
        parts = word.parts
        if len(parts) > 1 and word.text not in postings:
            found.update(min((postings.get(p, ()) for p in parts), key=len))  # the rest is checked per row
    return found


def _keys(word: Word, group: str) -> list[str]:
    return [word.text, word.digits] if group == "PHONE" and len(word.digits) >= 2 else [word.text]


def estimate(index: SearchIndex, term: Term, groups: tuple[str, ...]) -> int:
    """An upper bound of a term's candidates from posting lengths alone (no set is built)."""
    if isinstance(term, Word):
        if term.pattern is not None:
            return 1 << 62
        total = 0
        for group in groups:
            postings = index.postings[group]
            total += sum(len(postings.get(k, ())) for k in _keys(term, group))
            if len(term.parts) > 1 and term.text not in postings:
                total += min(len(postings.get(p, ())) for p in term.parts)
        return total
    if isinstance(term, (Phrase, AllOf)):
        items = term.words if isinstance(term, Phrase) else term.items
        return min(estimate(index, item, groups) for item in items) if items else 0
    if isinstance(term, AnyOf):
        return sum(estimate(index, item, groups) for item in term.items)
    return estimate(index, term.keep, groups)


def candidates(index: SearchIndex, term: Term, groups: tuple[str, ...]) -> set[str]:
    """Ids that may match (a superset: every one is checked against the record, see :func:`matches`).

    A conjunction takes the candidates of its most selective part only, chosen
    by :func:`estimate`, so ``FIND {Ada Smith}`` never builds the set of all Smiths.
    """
    if isinstance(term, Word):
        return _word_ids(index, term, groups)
    if isinstance(term, (Phrase, AllOf)):
        items = term.words if isinstance(term, Phrase) else term.items
        if not items:
            return set()
        return candidates(index, min(items, key=lambda item: estimate(index, item, groups)), groups)
    if isinstance(term, AnyOf):
        found: set[str] = set()
        for item in term.items:
            found |= candidates(index, item, groups)
        return found
    return candidates(index, term.keep, groups)


def exact(term: Term) -> bool:
    """Are a term's candidates exactly its matches (for records indexed once and unchanged)?"""
    if isinstance(term, Word):
        return term.pattern is None and len(term.parts) <= 1
    return isinstance(term, AnyOf) and all(exact(item) for item in term.items)


def _word_matches(word: Word, tokens: dict[str, set[str]], groups: tuple[str, ...]) -> bool:
    for group in groups:
        have = tokens[group]
        if word.pattern is not None:
            if any(word.pattern.fullmatch(t) for t in have):
                return True
        elif word.text in have or (group == "PHONE" and len(word.digits) >= 2 and word.digits in have):
            return True
        elif len(word.parts) > 1 and all(p in have for p in word.parts):
            return True
    return False


def matches(index: SearchIndex, term: Term, record: dict, groups: tuple[str, ...]) -> bool:
    """Does the record (as it is now) satisfy the term?"""
    tokens = index.record_tokens(record)

    def check(node: Term) -> bool:
        if isinstance(node, Word):
            return _word_matches(node, tokens, groups)
        if isinstance(node, Phrase):
            phrase = f" {' '.join(w.text for w in node.words)} "
            return all(_word_matches(w, tokens, groups) for w in node.words) and any(
                phrase in f" {' '.join(index.value_words(text))} " for text in index.record_texts(record, groups))
        if isinstance(node, AllOf):
            return all(check(item) for item in node.items)
        if isinstance(node, AnyOf):
            return any(check(item) for item in node.items)
        return check(node.keep) and not check(node.drop)
    return check(term)


# -- the whole search ----------------------------------------------------------------------
def _bound(search: Search, item: Returning, ctx: QueryContext) -> BoundQuery:
    obj = ctx.schema.get(item.sobject)
    if obj is None:
        raise invalid_type(search.text, item.pos, item.sobject)
    query = item.query or Query(text=search.text, select=(FieldRef(("Id",), item.pos),), sobject=obj.name,
                                sobject_pos=item.pos)
    bound = bind(ctx.schema, query, ctx.now().astimezone(timezone.utc).date())
    if bound.children or bound.is_count or bound.aggregates:
        raise SalesforceError(400, "MALFORMED_SEARCH", pointer(
            search.text, item.pos, "Aggregate queries and subqueries are not supported in a RETURNING clause"))
    return bound


def _default_returning(ctx: QueryContext) -> list[Returning]:
    return [Returning(o.name, 0, None) for o in ctx.schema.all() if search_fields(o)]


def index_of(ctx: QueryContext, obj: SObjectSchema) -> SearchIndex:
    store = ctx.store(obj.name)
    return store.search_index(lambda: SearchIndex(obj, store.records.values()))


def _ascending(ids: set[str]) -> Iterator[str]:
    """Ids in ascending (creation) order, lazily: a heap, so taking the first 2000 of 50 000 sorts none of the rest."""
    heap = list(ids)
    heapq.heapify(heap)
    while heap:
        yield heapq.heappop(heap)


def _hits(bound: BoundQuery, search: Search, ctx: QueryContext, budget: int) -> Iterator[dict] | list[dict]:
    obj = bound.sobject
    index = index_of(ctx, obj)
    groups = _groups(search.group)
    records = ctx.store(obj.name).records
    test = compile_conjunction([bound.where] if bound.where is not None else [], ctx)
    term = search.term
    trusted = exact(term)
    stale = index.stale

    def rows() -> Iterator[dict]:
        for record_id in _ascending(candidates(index, term, groups)):
            record = records.get(record_id)
            if record is None or record["IsDeleted"]:
                continue
            if not (trusted and record_id not in stale) and not matches(index, term, record, groups):
                continue
            if test is None or test(record):
                yield record
    start = bound.query.offset or 0
    limit = bound.query.limit if bound.query.limit is not None else budget
    stop = start + min(limit, budget)
    if bound.order:
        return order_rows(rows(), bound.order, ctx, start, stop)
    out = []
    for i, record in enumerate(rows()):
        if i >= stop:
            break
        if i >= start:
            out.append(record)
    return out


def run(search: Search, ctx: QueryContext) -> list[ObjectHits]:
    """The records each RETURNING object contributes, in order, within the overall limit."""
    budget = MAX_ROWS if search.limit is None else min(search.limit, MAX_ROWS)
    items = list(search.returning) or _default_returning(ctx)
    bound = [_bound(search, item, ctx) for item in items]  # every error before any work
    out: list[ObjectHits] = []
    for bq in bound:
        if budget <= 0:
            break
        found = list(_hits(bq, search, ctx, budget))
        budget -= len(found)
        out.append(ObjectHits(bq.sobject.name, found, make_renderer(bq, ctx, ctx.version)))
    return out
