"""Salesforce CRM destination of seed 000 (CON-DEST-1): AEP profiles and segment statuses into Contacts or Leads.

Thin code over `connector.salesforce`: it never imports the emulator and runs
against the real Salesforce given real URLs.
"""
from .config import DestinationConfig, SalesforceCredentials
from .errors import (UNKNOWN_ERRORS, DestinationConnectionError, DestinationError, InvalidMappingId, MappingError,
                     MissingIdentityMapping, MissingRequiredField, UnknownTargetField)
from .export import Destination, RecordFailure, RunReport, connect
from .journal import ActivationJournal
from .mapping import FieldMapping, SegmentMapping, ValidatedMapping, standard_mapping, validate

__all__ = ["UNKNOWN_ERRORS", "ActivationJournal", "Destination", "DestinationConfig", "DestinationConnectionError",
           "DestinationError", "FieldMapping", "InvalidMappingId", "MappingError", "MissingIdentityMapping",
           "MissingRequiredField", "RecordFailure", "RunReport", "SalesforceCredentials", "SegmentMapping",
           "UnknownTargetField", "ValidatedMapping", "connect", "standard_mapping", "validate"]
