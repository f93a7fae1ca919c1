"""Fixtures of the dashboard's page tests (the world itself is built in dashboard_world.py)."""
from __future__ import annotations

import pytest

from dashboard_world import World, build_world


@pytest.fixture(scope="module")
def world() -> World:
    """Built once per module: the page tests only read it (tests that change state build their own)."""
    return build_world()


@pytest.fixture
def client(world):
    return world.app.test_client()
