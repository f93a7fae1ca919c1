"""Field mappings of the activity: remote field ↔ local column, with a conversion."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .conversions import check
from .errors import ConfigurationError


@dataclass(frozen=True)
class FieldMap:
    """`remote` Salesforce field ↔ `local` key of the recipient's data (the remote name by default)."""

    remote: str
    local: str = ""
    conversion: str = "default"

    def __post_init__(self) -> None:
        if not self.remote:
            raise ConfigurationError("a field mapping needs a remote field")
        if not self.local:
            object.__setattr__(self, "local", self.remote)
        check(self.conversion)

    @classmethod
    def parse(cls, spec: Any) -> FieldMap:
        """From `FieldMap`, `"Remote"`, `"Remote=local"`, `"Remote=local:conversion"` or a dict."""
        if isinstance(spec, FieldMap):
            return spec
        if isinstance(spec, dict):
            unknown = set(spec) - {"remote", "local", "conversion"}
            if unknown:
                raise ConfigurationError(f"unknown field mapping keys {sorted(unknown)} (remote, local, conversion)")
            return cls(str(spec.get("remote", "")), str(spec.get("local") or ""),
                       str(spec.get("conversion") or "default"))
        text = str(spec)
        conversion = "default"
        if ":" in text:
            text, conversion = text.rsplit(":", 1)
        remote, _, local = text.partition("=")
        return cls(remote.strip(), local.strip(), conversion.strip())


def parse_all(specs: Any, unique: str = "local") -> list[FieldMap]:
    """A list of field mappings; a target (`local` on import, `remote` on export) mapped twice is refused."""
    maps = [FieldMap.parse(s) for s in specs or []]
    seen: set[str] = set()
    for m in maps:
        target = getattr(m, unique)
        if target.lower() in seen:
            raise ConfigurationError(f"{'local column' if unique == 'local' else 'remote field'} {target!r} "
                                     "is mapped twice")
        seen.add(target.lower())
    return maps


def parse_order(specs: Any) -> list[tuple[str, str]]:
    """`["LastName", "CreatedDate DESC"]` → `[("LastName", "ASC"), ("CreatedDate", "DESC")]`."""
    order = []
    for spec in specs or []:
        if isinstance(spec, (list, tuple)):
            name, direction = spec[0], (spec[1] if len(spec) > 1 else "ASC")
        else:
            name, _, direction = str(spec).strip().partition(" ")
        direction = (direction.strip() or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise ConfigurationError(f"order by {name}: direction must be ASC or DESC, not {direction!r}")
        order.append((name.strip(), direction))
    return order
