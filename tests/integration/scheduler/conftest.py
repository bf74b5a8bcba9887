"""The scheduler folder's fixture: a throwaway installation (sched_env.SchedulerEnv) per test.

``@pytest.mark.scheduler_settings(core__parallelism="1")`` sets ``DAGSEAL__*`` values for a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sched_env import SchedulerEnv


@pytest.fixture
def env(request: pytest.FixtureRequest, tmp_path: Path, migrated_db_url: str) -> Iterator[SchedulerEnv]:
    marker = request.node.get_closest_marker("scheduler_settings")
    environment = SchedulerEnv(tmp_path, migrated_db_url, **(marker.kwargs if marker else {}))
    yield environment
    environment.close()
