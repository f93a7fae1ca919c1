"""The inverted index SOSL searches (SPEC SF-REST-14).

One per object store, built on the first search of that object and then kept
up to date by the store's writes (so loads and creates pay nothing until
someone searches). Three groups, as SOSL's ``IN … FIELDS``:

* NAME: the name fields (``Name``, the parts of a compound ``Name``,
  ``CaseNumber``…): their words;
* EMAIL: email fields: the whole address, its local part, its domain and the
  words of the local part;
* PHONE: phone fields: the digits only, and each run of digits.

Postings are lists of ids, appended to on every write; a changed or deleted
record stays listed under its old words (its id goes into ``stale``) and the
search checks such candidates against their current values, so no posting
ever needs removing.
"""
from __future__ import annotations

import gc
import re
from collections.abc import Iterable

from ..sobjects.schema import SObjectSchema

GROUPS = ("NAME", "EMAIL", "PHONE")
_WORDS = re.compile(r"[^\W_]+")
_DIGIT_RUNS = re.compile(r"\d+")
_NON_DIGITS = re.compile(r"\D+")


def search_fields(schema: SObjectSchema) -> dict[str, str]:
    """field name -> its search group, for the fields SOSL searches on this object.

    A compound ``Name`` is searched through its parts (FirstName, LastName…),
    which hold the same words.
    """
    composed = {f.compound_field_name for f in schema.fields.values() if f.compound_field_name}
    found: dict[str, str] = {}
    for f in schema.fields.values():
        if f.type == "email":
            found[f.name] = "EMAIL"
        elif f.type == "phone":
            found[f.name] = "PHONE"
        elif f.type in ("string", "textarea") and (
                (f.name_field and f.name not in composed) or f.compound_field_name == "Name"):
            found[f.name] = "NAME"
    return found


def value_tokens(group: str, value: str) -> set[str]:
    """The index keys of one field value."""
    lowered = value.lower()
    if group == "NAME":
        return set(_WORDS.findall(lowered))
    if group == "EMAIL":
        tokens = set(_WORDS.findall(lowered))
        local, _, domain = lowered.partition("@")
        tokens.update((lowered, local, domain))
    else:
        tokens = set(_DIGIT_RUNS.findall(value))
        tokens.add(_NON_DIGITS.sub("", value))
        tokens.update(_WORDS.findall(lowered))
    tokens.discard("")
    return tokens


class SearchIndex:
    """token -> ids, per search group, for one object's records."""

    def __init__(self, schema: SObjectSchema, records: Iterable[dict]) -> None:
        self.fields = search_fields(schema)
        # phrases are matched inside one value: a compound Name holds "first last" in one
        self.phrase_fields = {**self.fields, **{f.name: "NAME" for f in schema.fields.values()
                                                if f.name_field and f.type == "string" and f.name not in self.fields}}
        self.postings: dict[str, dict[str, list[str]]] = {g: {} for g in GROUPS}
        self.stale: set[str] = set()  # ids whose searchable values changed after they were indexed
        paused = gc.isenabled()
        gc.disable()  # a million small containers: collector passes would make the build quadratic
        try:
            for record in records:
                self.add(record)
        finally:
            if paused:
                gc.enable()

    def add(self, record: dict, names: Iterable[str] | None = None) -> None:
        """Index a record's searchable values (all, or only ``names`` after an update)."""
        wanted = self.fields if names is None else [n for n in names if n in self.fields]
        if not wanted:
            return
        record_id = record["Id"]
        if names is not None:
            self.stale.add(record_id)
        for group, tokens in self.record_tokens(record, wanted).items():
            postings = self.postings[group]
            for token in tokens:
                ids = postings.get(token)
                if ids is None:
                    postings[token] = [record_id]
                elif ids[-1] != record_id:
                    ids.append(record_id)

    def record_tokens(self, record: dict, names: Iterable[str] | None = None) -> dict[str, set[str]]:
        """group -> the current tokens of a record (what a candidate is checked against)."""
        out: dict[str, set[str]] = {g: set() for g in GROUPS}
        for name in self.fields if names is None else names:
            value = record.get(name)
            if isinstance(value, str) and value:
                out[self.fields[name]] |= value_tokens(self.fields[name], value)
        return out

    @staticmethod
    def value_words(text: str) -> list[str]:
        return _WORDS.findall(text)

    def record_texts(self, record: dict, groups: Iterable[str]) -> list[str]:
        """The lower-cased values of a record's fields in ``groups`` (for phrases)."""
        wanted = set(groups)
        return [record[name].lower() for name, group in self.phrase_fields.items()
                if group in wanted and isinstance(record.get(name), str)]
