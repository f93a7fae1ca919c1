"""Campaign-style CRM sync activity (seed 003, CON-CAMP-1) over the thin Salesforce client.

Four operations on a local SQLite database (:mod:`.db`): :func:`run_import`,
:func:`run_export`, :func:`run_deleted_import`, :func:`run_delete`. Never imports the
emulator: it works against a real Salesforce org. Warnings go to the ``connector.campaign_sync``
logger (silent unless the application configures logging) and into each outcome's ``warnings``.
"""
import logging

from .db import open_db, transaction
from .delete import DeleteSpec, run_delete
from .deleted import DeletedSpec, run_deleted_import
from .errors import (
    CampaignSyncError,
    ConfigurationError,
    DatabaseError,
    DeletionWindowError,
    FilterError,
    OptionFormatError,
    ProcessError,
)
from .exporter import ExportSpec, run_export
from .fieldspec import FieldMap
from .filters import compile_filter
from .importer import ImportSpec, run_import
from .outcome import Outcome, Reject

__all__ = [
    "CampaignSyncError", "ConfigurationError", "DatabaseError", "DeleteSpec", "DeletedSpec", "DeletionWindowError",
    "ExportSpec", "FieldMap", "FilterError", "ImportSpec", "OptionFormatError", "Outcome", "ProcessError", "Reject",
    "compile_filter", "open_db", "run_delete", "run_deleted_import", "run_export", "run_import", "transaction",
]

logging.getLogger("connector.campaign_sync").addHandler(logging.NullHandler())
