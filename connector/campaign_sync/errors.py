"""Typed errors of the Campaign-style sync activity (CON-CAMP-1)."""
from __future__ import annotations


class CampaignSyncError(Exception):
    """Base class: every refusal of the activity carries a clear message."""


class ConfigurationError(CampaignSyncError):
    """The activity's settings are wrong (unknown remote field, bad mapping, bad conversion...)."""


class FilterError(ConfigurationError):
    """A filter breaks one of the seed's filter rules; `rule` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"filter rule {rule}: {message}")
        self.rule = rule
        self.detail = message


class OptionFormatError(ConfigurationError):
    """The auto-index option holds something other than `yyyy/MM/dd HH:mm:ss`."""


class DeletionWindowError(ConfigurationError):
    """An import of deleted objects whose period Salesforce cannot serve (start older than 30 days...)."""


class DatabaseError(CampaignSyncError):
    """The local database file is corrupt, foreign or from a newer version; it is left untouched."""


class ProcessError(CampaignSyncError):
    """A failure that is not a reject (authentication, limits, retries exhausted...).

    Raised when process-error handling is off; the rows not processed stay for the next run.
    """

    def __init__(self, message: str, outcome: object = None) -> None:
        super().__init__(message)
        self.outcome = outcome
