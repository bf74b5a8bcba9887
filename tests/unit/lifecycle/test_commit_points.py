"""The test-only kill hook: dies right after the named commit points, and only those."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dagseal.lifecycle.commit_points import COMMIT_POINTS, EXIT_AFTER_COMMIT_ENV, EXIT_CODE, _targets

PASS_TWO_POINTS = """
from dagseal.lifecycle.commit_points import committed
committed("supervisor.claim")
print("after claim", flush=True)
committed("supervisor.record")
print("after record", flush=True)
"""


def _run(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: val for key, val in os.environ.items() if key != EXIT_AFTER_COMMIT_ENV}
    if value is not None:
        env[EXIT_AFTER_COMMIT_ENV] = value
    return subprocess.run(
        [sys.executable, "-c", PASS_TWO_POINTS], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.fresh_interpreter
def test_unset_the_points_pass() -> None:
    result = _run(None)
    assert (result.returncode, result.stdout.split("\n")) == (0, ["after claim", "after record", ""])


@pytest.mark.fresh_interpreter
def test_the_process_exits_right_after_the_named_point() -> None:
    result = _run("supervisor.record")
    assert (result.returncode, result.stdout) == (EXIT_CODE, "after claim\n")


def test_names_are_checked() -> None:
    assert _targets(None) is None and _targets("") is None
    assert _targets("scheduler.queue, supervisor.claim") == {"scheduler.queue", "supervisor.claim"}
    assert _targets(",".join(COMMIT_POINTS)) == COMMIT_POINTS
    with pytest.raises(ValueError, match=r"unknown commit point\(s\) supervisor\.clam"):
        _targets("supervisor.clam")
