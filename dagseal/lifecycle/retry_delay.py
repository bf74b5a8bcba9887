"""How long a failed try waits before its retry: ``retry_delay``, or Airflow's exponential backoff.

With ``retry_exponential_backoff`` the wait after try N is ``retry_delay * 2**(N-1)`` plus a
jitter of up to as much again, derived from a hash of the task instance and try (so it is the same
on every host and spreads retries of many tasks apart), capped by ``max_retry_delay``.
"""

from __future__ import annotations

import hashlib
import math

from dagseal.serialization import SerializedTask

_LONGEST = 10 * 365 * 24 * 3600.0  # a finite bound for the doubling, as Airflow caps at timedelta.max


def retry_delay_seconds(task: SerializedTask, dag_id: str, run_id: str, try_number: int) -> float:
    """Seconds from the end of try ``try_number`` to its retry."""
    delay = task.retry_delay
    if task.retry_exponential_backoff and delay > 0:
        floor = math.ceil(delay * 2 ** min(max(try_number - 1, 0), 64))
        key = f"{dag_id}#{task.task_id}#{run_id}#{try_number}".encode()
        jitter = int(hashlib.sha1(key, usedforsecurity=False).hexdigest(), 16) % floor
        delay = min(float(floor + jitter), _LONGEST)
    if task.max_retry_delay is not None:
        delay = min(delay, task.max_retry_delay)
    return delay
