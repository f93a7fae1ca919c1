"""IMS-authenticated callers (Flow Service, the platform services) on the in-process app."""
from __future__ import annotations

import pytest

from aep_helpers import Flow, ims_token
from aep_platform_helpers import Platform


@pytest.fixture
def flow(crm_session) -> Flow:
    return Flow(crm_session, ims_token(crm_session))


@pytest.fixture
def aep(crm_session) -> Platform:
    return Platform(crm_session, ims_token(crm_session))


@pytest.fixture
def schema_id(aep) -> str:
    return aep.schema()["$id"]
