"""Typed errors of the Salesforce CRM destination (CON-DEST-1); each names the field at fault."""
from __future__ import annotations

# Seed 000, "Erreurs et résolution des problèmes": what a run shows when a Mapping ID does not exist.
UNKNOWN_ERRORS = ("Unknown errors encountered while pushing events to the destination. "
                  "Please contact the administrator and try again.")


class DestinationError(Exception):
    """Any refusal of the destination before or during an export."""


class DestinationConnectionError(DestinationError):
    """The destination could not connect to Salesforce ("Connected" is not shown); `reason` says why."""

    def __init__(self, reason: str, error_code: str | None = None) -> None:
        super().__init__(f"could not connect to Salesforce: {reason}")
        self.reason = reason
        self.error_code = error_code


class MappingError(DestinationError):
    """A field mapping the destination refuses; `field` names the mapping entry at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class MissingIdentityMapping(MappingError):
    """No `crmID` → `SalesforceId` identity mapping (seed 000: required)."""


class MissingRequiredField(MappingError):
    """A required target field (`LastName`; `Company` for Leads) has no mapping."""


class UnknownTargetField(MappingError):
    """A target field that the object's describe does not list."""


class InvalidMappingId(MappingError):
    """A Mapping ID that is not an existing custom field of the object, or whose name has spaces."""
