"""Scenario engine: YAML scenario files, one runner for the CLI and pytest, and the bundled library."""
