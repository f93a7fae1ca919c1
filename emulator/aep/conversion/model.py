"""Mapping sets of one org and sandbox, and how one maps a source row to an XDM row (AEP-CONV-1).

Pure state, no HTTP. A flow run calls :meth:`MappingSet.apply` on each source
row (a dict keyed by source column, e.g. a Salesforce record) and writes the
result to the Catalog.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import copy
from typing import Any, Callable, Iterable

IDENTITY_MAP = "identityMap"


def compile_mapping(plan: list[tuple[str, tuple[str, ...] | None, str | None, bool]]
                    ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """One Python function for a mapping plan: straight-line code, every name and key a constant.

    Equivalent to walking the plan per row (missing/None columns skipped, intermediate objects
    created on first use, identities appended to ``identityMap[ns]``), without the per-row loop.
    """
    constants: list[Any] = []

    def const(value: Any) -> str:
        constants.append(value)
        return f"C[{len(constants) - 1}]"

    lines = ["def apply(row):", "    xdm = {}", "    get = row.get"]
    for source, parts, namespace, primary in plan:
        lines += [f"    v = get({const(source)})", "    if v is not None:"]
        if namespace is not None:
            lines += [f"        m = xdm.get({const(IDENTITY_MAP)})",
                      f"        if m.__class__ is not dict: m = xdm[{const(IDENTITY_MAP)}] = {{}}",
                      f"        m.setdefault({const(namespace)}, []).append({{'id': str(v), 'primary': {primary!r}}})"]
        if parts is not None:
            node = "xdm"
            for depth, part in enumerate(parts[:-1]):
                child = f"n{depth}"
                lines += [f"        {child} = {node}.get({const(part)})",
                          f"        if {child}.__class__ is not dict: {child} = {node}[{const(part)}] = {{}}"]
                node = child
            lines.append(f"        {node}[{const(parts[-1])}] = v")
        if lines[-1] == "    if v is not None:":
            lines.append("        pass")
    lines.append("    return xdm")
    namespace_: dict[str, Any] = {"C": tuple(constants)}
    exec(compile("\n".join(lines), "<mapping set>", "exec"), namespace_)  # noqa: S102 - constants only
    return namespace_["apply"]


@dataclass(frozen=True)
class FieldMapping:
    """One source column → one XDM destination (dotted path, or ``identityMap.<namespace>``)."""

    source: str
    destination: str
    identity: bool = False
    namespace: str | None = None
    primary: bool = False

    @property
    def identity_namespace(self) -> str | None:
        """The namespace this mapping writes into ``identityMap``, if it is an identity."""
        if self.destination.startswith(IDENTITY_MAP + "."):
            return self.destination.split(".", 2)[1]
        if self.identity and self.namespace:
            return self.namespace
        return None


@dataclass
class MappingSet:
    """A stored mapping set; ``document`` is what ``GET /mappingSets/{id}`` returns."""

    id: str
    version: int
    schema_id: str
    mappings: list[FieldMapping]
    document: dict[str, Any]
    _plan: list[tuple[str, tuple[str, ...] | None, str | None, bool]] | None = field(default=None, repr=False)
    _compiled: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def __deepcopy__(self, memo: dict) -> MappingSet:
        """Snapshots copy the data, not the compiled function (rebuilt on first use)."""
        return MappingSet(self.id, self.version, self.schema_id, copy.deepcopy(self.mappings, memo),
                          copy.deepcopy(self.document, memo))

    def __reduce__(self) -> tuple:
        """Pickled (durable state) as its data; the compiled function is rebuilt on first use."""
        return MappingSet, (self.id, self.version, self.schema_id, self.mappings, self.document)

    def source_attributes(self) -> list[str]:
        """The source columns the mapping reads, in order, without duplicates (a run's SELECT list)."""
        return list(dict.fromkeys(m.source for m in self.mappings))

    def plan(self) -> list[tuple[str, tuple[str, ...] | None, str | None, bool]]:
        """Per mapping: (source, destination path parts or None, identity namespace or None, primary)."""
        if self._plan is None:
            plan = []
            for m in self.mappings:
                namespace = m.identity_namespace
                parts = None if m.destination.startswith(IDENTITY_MAP + ".") else tuple(m.destination.split("."))
                plan.append((m.source, parts, namespace, m.primary))
            self._plan = plan
        return self._plan

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """The XDM row for one source row; columns missing or null in the row are left out.

        An identity mapping adds ``identityMap[<ns>] = [{"id": value, "primary": bool}]``
        (and, with a destination outside ``identityMap``, the plain field too). The mapping is
        compiled once into a function (``compile_mapping``): runs apply it to every row.
        """
        if self._compiled is None:
            self._compiled = compile_mapping(self.plan())
        return self._compiled(row)

    def apply_all(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        apply = self.apply
        return [apply(r) for r in rows]


@dataclass
class MappingSets:
    """The mapping sets of one sandbox, by id."""

    sets: dict[str, MappingSet] = field(default_factory=dict)

    def get(self, mapping_id: str, version: int | str | None = None) -> MappingSet | None:
        """The set with that id (and that version, when given: ``0`` and ``"0"`` alike); else None."""
        found = self.sets.get(mapping_id)
        if found is None or version is None:
            return found
        try:
            return found if int(str(version)) == found.version else None
        except ValueError:
            return None

    def add(self, mapping_set: MappingSet) -> MappingSet:
        self.sets[mapping_set.id] = mapping_set
        return mapping_set
