"""Business-card trigger → Salesforce "add contact" workflows (seed 002, CON-TRIG-1).

Thin, real code on :mod:`connector.salesforce`; it never imports the emulator.
"""
from .add_contact import CONTACT_FIELDS, add_contact, contact_fields
from .connection import CAUSES, ConnectionFailed, ConnectionReport, test_connection
from .errors import (
    DuplicateWorkflowError,
    IntegrationError,
    InvalidCardError,
    InvalidWorkflowError,
    UnknownWorkflowError,
)
from .model import (
    TRIGGER_NEW_CARD_LEAD,
    USE_CASE_ADD_CONTACT,
    CardFilter,
    CardLead,
    RunResult,
    SalesforceService,
    Secret,
    Workflow,
)
from .registry import Dispatch, WorkflowRegistry

__all__ = [
    "CAUSES", "CONTACT_FIELDS", "TRIGGER_NEW_CARD_LEAD", "USE_CASE_ADD_CONTACT", "CardFilter", "CardLead",
    "ConnectionFailed", "ConnectionReport", "Dispatch", "DuplicateWorkflowError", "IntegrationError", "InvalidCardError",
    "InvalidWorkflowError", "RunResult", "SalesforceService", "Secret", "UnknownWorkflowError", "Workflow",
    "WorkflowRegistry", "add_contact", "contact_fields", "test_connection",
]
