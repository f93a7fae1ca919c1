"""The ``crm-harness`` command: one entry point above the emulator, the scenario runner and the connectors."""
