"""List query parameters of the Flow Service API over a list of resource dicts.

``property`` filters (a small lark grammar), ``orderby``, ``limit``, ``count``
and ``continuationToken`` paging, as ``GET /connections``, ``/flows``, ``/runs``
... accept them. Pure: no HTTP, no Flask; the caller maps
:class:`ListQueryError` to its error response.

Filter syntax: ``path op value`` with ``op`` one of ``== != > < >= <= ~``
(``~``: substring), a bare ``path`` (present and not None) or ``!path``
(absent). Commas separate ORed alternatives; an alternative without an
operator after a comparison is another value for that comparison
(``id==a,b``). A path segment ending in ``[]`` matches any element of that
array. Values may be double-quoted (commas inside quotes are part of it).
"""
from __future__ import annotations

import base64
import functools
import json
import re
from typing import Any, Iterator

from lark import Lark, Tree
from lark.exceptions import LarkError

DEFAULT_PARAMS = frozenset({"property", "orderby", "limit", "count", "continuationToken", "start", "fields"})
DEFAULT_LIMIT = 50

BAD_COUNT = "1401"  # count=true with limit, or a count that is neither true nor false
BAD_ORDERBY = "1432"
BAD_LIMIT = "1448"  # 1446/1447 are state/id errors (SPEC AEP-ERR-1): list errors are 1440-1443, 1448-1450
BAD_TOKEN = "1449"
BAD_FILTER = "1450"  # not in the spec: a property filter that does not parse
UNKNOWN_PARAM = "1451"

_SINGLE = {"orderby": BAD_ORDERBY, "limit": BAD_LIMIT, "count": BAD_COUNT, "continuationToken": BAD_TOKEN}
_SEGMENT = r"[A-Za-z0-9_$@][A-Za-z0-9_$@-]*"
_PATH = re.compile(rf"{_SEGMENT}(?:\[\])?(?:\.{_SEGMENT}(?:\[\])?)*")
_ORDERBY = re.compile(rf"([+-]?)({_SEGMENT}(?:\.{_SEGMENT})*)")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")

_PARSER = Lark(r"""
    start: alt ("," alt)*
    alt: WORD OP value -> compare
       | WORD          -> bare
       | "!" WORD      -> absent
       | STRING        -> quoted
    ?value: STRING | VALUE
    OP: "==" | "!=" | ">=" | "<=" | ">" | "<" | "~"
    WORD: /[^,"!=<>~]+/
    VALUE: /[^,"]+/
    STRING: /"[^"]*"/
""", parser="lalr")

Path = tuple[str, tuple[tuple[str, bool], ...]]  # (text as written, ((segment, is_array), ...))
Alternative = tuple[Path, str, str]  # op is a comparison, "exists" or "absent"


class ListQueryError(Exception):
    """A list query parameter the API would reject; ``code`` is the API's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _path(text: str, filter_text: str) -> Path:
    if not _PATH.fullmatch(text):
        raise ListQueryError(BAD_FILTER, f"Invalid property path '{text}' in filter '{filter_text}'")
    return text, tuple((seg.removesuffix("[]"), seg.endswith("[]")) for seg in text.split("."))


@functools.lru_cache(maxsize=512)
def _parse_filter(text: str) -> tuple[Alternative, ...]:
    """One ``property`` value -> its ORed alternatives."""
    try:
        tree = _PARSER.parse(text)
    except LarkError:
        raise ListQueryError(BAD_FILTER, f"Invalid property filter '{text}'") from None
    alternatives: list[Alternative] = []
    for alt in tree.children:
        assert isinstance(alt, Tree)
        first = str(alt.children[0])
        previous = alternatives[-1] if alternatives else None
        continues = previous is not None and previous[1] not in ("exists", "absent")
        if alt.data == "compare":
            alternatives.append((_path(first, text), str(alt.children[1]), _unquote(str(alt.children[2]))))
        elif alt.data == "absent":
            alternatives.append((_path(first, text), "absent", ""))
        elif continues:  # bare word or quoted string: one more value for the previous comparison
            alternatives.append((previous[0], previous[1], _unquote(first)))
        elif alt.data == "bare":
            alternatives.append((_path(first, text), "exists", ""))
        else:
            raise ListQueryError(BAD_FILTER, f"Quoted value without a property in filter '{text}'")
    return tuple(alternatives)


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _values(node: Any, segments: tuple[tuple[str, bool], ...]) -> Iterator[Any]:
    """Every value the path reaches (several when it goes through ``[]``)."""
    if not segments:
        yield node
        return
    (name, each), rest = segments[0], segments[1:]
    if not isinstance(node, dict) or name not in node:
        return
    child = node[name]
    if not each:
        yield from _values(child, rest)
    elif isinstance(child, list):
        for item in child:
            yield from _values(item, rest)


def _compare(actual: Any, op: str, wanted: str, fold: bool) -> bool:
    if actual is None or isinstance(actual, (dict, list)):
        return False
    left: Any
    right: Any
    if isinstance(actual, bool):
        left, right = str(actual).lower(), wanted.lower()
    elif isinstance(actual, (int, float)) and op != "~" and _NUMBER.fullmatch(wanted):
        left, right = actual, float(wanted)
    else:
        left, right = str(actual), wanted
        if fold and op in ("==", "!=", "~"):
            left, right = left.casefold(), right.casefold()
    if op == "~":
        return right in left
    return {"==": left == right, "!=": left != right, ">": left > right, "<": left < right,
            ">=": left >= right, "<=": left <= right}[op]


def _alternative_matches(resource: dict, alt: Alternative, fold_paths: frozenset[str]) -> bool:
    (text, segments), op, wanted = alt
    values = list(_values(resource, segments))
    if op in ("exists", "absent"):
        return any(v is not None for v in values) == (op == "exists")
    return any(_compare(v, op, wanted, text in fold_paths) for v in values)


def matches(resource: dict, filter_text: str, case_insensitive_paths: frozenset[str] = frozenset()) -> bool:
    """Whether ``resource`` satisfies one ``property`` filter (raises ListQueryError if malformed)."""
    return any(_alternative_matches(resource, alt, case_insensitive_paths) for alt in _parse_filter(filter_text))


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (bool, int, float)):
        return 0, float(value)
    if isinstance(value, str):
        return 1, value
    return 2, json.dumps(value, sort_keys=True, default=str)


def _orderby(text: str) -> tuple[tuple[tuple[str, bool], ...], bool]:
    """``name``, ``+name`` or ``-name`` (one dotted field) -> (segments, descending)."""
    found = _ORDERBY.fullmatch(text)
    if not found:
        raise ListQueryError(BAD_ORDERBY, f"Invalid orderby '{text}'")
    return tuple((seg, False) for seg in found.group(2).split(".")), found.group(1) == "-"


def _ordered(resources: list[dict], segments: tuple[tuple[str, bool], ...], descending: bool) -> list[dict]:
    """Sorted by one field; resources lacking it go last either way (stable otherwise)."""
    keyed = [(next(_values(r, segments), None), r) for r in resources]
    present = [(v, r) for v, r in keyed if v is not None]
    present.sort(key=lambda pair: _sort_key(pair[0]), reverse=descending)
    return [r for _, r in present] + [r for v, r in keyed if v is None]


def encode_token(offset: int, params: list[tuple[str, str]] | None = None) -> str:
    """Opaque, URL-safe continuation token (base64url without padding: no ``=`` or ``&``).

    It carries the offset and the list's other parameters (filters, order, limit), so
    ``next.href`` needs no other parameter: aepp splits the href on ``=`` and keeps the second piece.
    """
    data: dict[str, Any] = {"offset": offset}
    if params:
        data["params"] = [list(p) for p in params]
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token_params(token: str) -> tuple[int, list[tuple[str, str]]]:
    """The offset and parameters a token from :func:`encode_token` carries; ListQueryError otherwise."""
    try:
        if not _TOKEN.fullmatch(token):
            raise ValueError(token)
        data = json.loads(base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True))
        offset = data["offset"]
        if type(offset) is not int or offset < 0:
            raise ValueError(offset)
        params = data.get("params", [])
        if not isinstance(params, list) or not all(isinstance(p, list) and len(p) == 2
                                                   and all(isinstance(x, str) for x in p) for p in params):
            raise ValueError(params)
        return offset, [(n, v) for n, v in params if n != "continuationToken"]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ListQueryError(BAD_TOKEN, f"Invalid continuationToken '{token}'") from None


def decode_token(token: str) -> int:
    """The offset a token from :func:`encode_token` carries; ListQueryError 1449 otherwise."""
    return decode_token_params(token)[0]


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise ListQueryError(BAD_LIMIT, f"Invalid limit '{value}': expected a positive integer")
    return int(value)


def list_resources(resources: list[dict], params: list[tuple[str, str]], base_path: str, *,
                   allowed_params: frozenset[str] = DEFAULT_PARAMS,
                   case_insensitive_paths: frozenset[str] = frozenset()) -> dict:
    """Apply the query ``params`` (ordered name/value pairs) to ``resources`` (kept in the given order).

    Returns ``{"count": n}`` for ``count=true``, else ``{"items": page, "_links": links}``
    where ``links`` holds ``next`` (href ``base_path?continuationToken=...``, the token carrying the rest)
    while more items remain and is ``{}`` otherwise. Items are the given dicts, not copies.
    """
    filters: list[tuple[Alternative, ...]] = []
    single: dict[str, str] = {}
    tokens = [v for n, v in params if n == "continuationToken"]
    if len(tokens) > 1:
        raise ListQueryError(BAD_TOKEN, "Query parameter 'continuationToken' given more than once")
    offset = 0
    if tokens:  # the token's own parameters, then any the caller repeated or added
        offset, carried = decode_token_params(tokens[0])
        given = [(n, v) for n, v in params if n != "continuationToken"]
        params = carried + [p for p in given if p not in carried]
    for name, value in params:
        if name not in allowed_params:
            raise ListQueryError(UNKNOWN_PARAM, f"Unknown query parameter '{name}'")
        if name == "property":
            filters.append(_parse_filter(value))
        elif name in _SINGLE:
            if name in single:
                raise ListQueryError(_SINGLE[name], f"Query parameter '{name}' given more than once")
            single[name] = value
    count = single.get("count", "false").lower()
    if count not in ("true", "false"):
        raise ListQueryError(BAD_COUNT, f"Invalid count '{single['count']}': expected true or false")
    if count == "true" and "limit" in single:
        raise ListQueryError(BAD_COUNT, "count=true cannot be combined with limit")
    limit = _limit(single.get("limit"))
    order = _orderby(single["orderby"]) if "orderby" in single else None
    selected = [r for r in resources
                if all(any(_alternative_matches(r, alt, case_insensitive_paths) for alt in f) for f in filters)]
    if count == "true":
        return {"count": len(selected)}
    if order:
        selected = _ordered(selected, *order)
    end = offset + limit
    links: dict[str, Any] = {}
    if end < len(selected):
        links["next"] = {"href": f"{base_path}?continuationToken={encode_token(end, params)}"}
    return {"items": selected[offset:end], "_links": links}
