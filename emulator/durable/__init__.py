"""Durable emulator state in an SQLite file (``serve --data``) and shareable snapshot files."""
from .keys import PASSPHRASE_ENV, StateKeyError
from .persister import Persister, export_state, import_state, open_data
from .statefile import StateFile, StateFileError

__all__ = ["PASSPHRASE_ENV", "Persister", "StateFile", "StateFileError", "StateKeyError", "export_state",
           "import_state", "open_data"]
