"""What the activity needs from describe: field names and types, the delta field, checks before any write."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from connector.salesforce import SalesforceClient

from .errors import ConfigurationError

DELTA_FIELDS = ("LastModifiedDate", "SystemModstamp")


@dataclass(frozen=True)
class RemoteObject:
    """One Salesforce object as describe shows it; field lookups are case-insensitive."""

    name: str
    fields: dict[str, dict[str, Any]]  # lower-case name -> describe entry

    @classmethod
    def from_describe(cls, body: dict[str, Any]) -> RemoteObject:
        return cls(body["name"], {f["name"].lower(): f for f in body["fields"]})

    @classmethod
    def fetch(cls, client: SalesforceClient, sobject: str) -> RemoteObject:
        """Describe `sobject` (an unknown object raises the client's `NotFound`)."""
        return cls.from_describe(client.describe(sobject))

    def field(self, name: str, purpose: str = "remote field") -> dict[str, Any]:
        """The describe entry of `name`; `ConfigurationError` naming the object when unknown."""
        entry = self.fields.get(name.lower())
        if entry is None:
            raise ConfigurationError(f"unknown {purpose} {name!r}: {self.name} has no such field")
        return entry

    def canonical(self, names: Iterable[str], purpose: str = "remote field") -> list[str]:
        """The API names of `names`, each checked."""
        return [self.field(n, purpose)["name"] for n in names]

    def types(self) -> dict[str, str]:
        """`{api name: describe type}` of every field."""
        return {f["name"]: f["type"] for f in self.fields.values()}

    def type_of(self, name: str) -> str:
        return self.field(name)["type"]

    def delta_field(self, override: str | None = None) -> str:
        """The last-modified field: `override`, else LastModifiedDate, else SystemModstamp (seed 003)."""
        if override:
            entry = self.field(override, "delta field")
            if entry["type"] != "datetime":
                raise ConfigurationError(f"delta field {entry['name']} is a {entry['type']} field, not a dateTime")
            return entry["name"]
        for name in DELTA_FIELDS:
            if name.lower() in self.fields:
                return self.fields[name.lower()]["name"]
        raise ConfigurationError(f"{self.name} has neither LastModifiedDate nor SystemModstamp; "
                                 "name a dateTime delta field for the automatic index")

    def check_writable(self, names: Iterable[str], operation: str) -> None:
        """Refuse fields the operation cannot write (createable for insert, updateable for update)."""
        flag = "createable" if operation == "insert" else "updateable"
        for name in names:
            entry = self.field(name, "mapped remote field")
            if entry["name"] != "Id" and not entry.get(flag, True):
                raise ConfigurationError(f"{self.name}.{entry['name']} is not {flag}; it cannot be exported "
                                         f"by an {operation}")
