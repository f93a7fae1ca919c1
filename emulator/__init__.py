"""Local emulator of the Salesforce REST/OAuth and AEP Flow Service APIs."""
from .app import create_app
from .config import Emulator, EmulatorConfig
from .core.transport import WSGIAdapter, session_for
from .mock import mock

__all__ = ["Emulator", "EmulatorConfig", "WSGIAdapter", "create_app", "mock", "session_for"]
