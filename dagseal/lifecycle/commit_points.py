"""Named commit points of the lifecycle, and the test-only hook that kills the process at one.

The callback fault-injection test sets ``DAGSEAL_TEST_EXIT_AFTER_COMMIT`` to a comma-separated set
of names from :data:`COMMIT_POINTS`; the scheduler or supervisor then ``os._exit``\\ s right after
committing that state change, as a crash would. It is an environment variable read once at import,
not a setting: ``dagseal.cfg`` and ``DAGSEAL__SECTION__KEY`` cannot reach it. Unset, a commit point
costs one comparison with None.
"""

from __future__ import annotations

import os
from typing import Final

EXIT_AFTER_COMMIT_ENV: Final = "DAGSEAL_TEST_EXIT_AFTER_COMMIT"
EXIT_CODE: Final = 75
"""The exit code of a process the hook killed (so the test can tell it from a real failure)."""

COMMIT_POINTS: Final = frozenset(
    {
        "scheduler.queue",  # scheduled → queued, before the executor starts the supervisors
        "scheduler.run_end",  # a run finished (its DAG callback requested)
        "scheduler.run_timeout",  # a run timed out (its DAG failure callback requested)
        "scheduler.zombies",  # zombie tries failed or put up for retry (their callbacks requested)
        "supervisor.claim",  # queued → running, before the sandbox starts
        "supervisor.record",  # running → final (its task callback requested)
    }
)


def _targets(value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    names = frozenset(name.strip() for name in value.split(","))
    unknown = sorted(names - COMMIT_POINTS)
    if unknown:
        raise ValueError(f"{EXIT_AFTER_COMMIT_ENV}: unknown commit point(s) {', '.join(unknown)}")
    return names


_EXIT_AFTER = _targets(os.environ.get(EXIT_AFTER_COMMIT_ENV))


def committed(point: str) -> None:
    """Mark that ``point``'s transaction committed; under the test hook, die here."""
    if _EXIT_AFTER is not None and point in _EXIT_AFTER:
        os._exit(EXIT_CODE)
