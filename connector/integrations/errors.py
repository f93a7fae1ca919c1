"""Typed errors of the business-card integrations (CON-TRIG-1)."""
from __future__ import annotations


class IntegrationError(Exception):
    """Base class: a workflow could not be registered, found or run."""


class InvalidWorkflowError(IntegrationError):
    """A workflow definition that cannot be accepted (unknown trigger or use case, empty field)."""


class InvalidCardError(IntegrationError):
    """A card event that cannot be read (no ``card_id``, unknown field)."""


class DuplicateWorkflowError(IntegrationError):
    """A workflow with the same trigger, filter, Salesforce account and use case (or name) exists."""

    def __init__(self, message: str, existing: str) -> None:
        super().__init__(message)
        self.existing = existing


class UnknownWorkflowError(IntegrationError, KeyError):
    """No workflow has this name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
