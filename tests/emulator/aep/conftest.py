"""An IMS-authenticated Flow Service caller on the in-process app."""
from __future__ import annotations

import pytest

from aep_helpers import Flow, ims_token


@pytest.fixture
def flow(crm_session) -> Flow:
    return Flow(crm_session, ims_token(crm_session))
