"""BaseSensorOperator: poke until a condition holds, in one try (``poke``) or one try per poke
(``reschedule``), which frees the executor slot and the sandbox between pokes.

In reschedule mode each poke is a try of its own: the host records a ``task_reschedule`` row and
moves the task to ``up_for_reschedule`` until the next poke is due; the sensor's timeout counts
from the first poke (the host passes its start as ``TaskContext.sensor_started_at``). A timeout
fails the task without a retry, or skips it with ``soft_fail``. There is no triggerer:
``deferrable=True`` runs in reschedule mode and says so in the task log.
"""

from __future__ import annotations

import hashlib
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError, SensorTimeout, TaskRescheduled, TaskSkipped

Mode = Literal["poke", "reschedule"]


class PokeReturnValue:
    """What ``poke`` may return instead of a bool: whether it is done, and the task's return value."""

    def __init__(self, is_done: bool, xcom_value: Any = None) -> None:
        self.is_done = is_done
        self.xcom_value = xcom_value

    def __bool__(self) -> bool:
        return self.is_done


def _seconds(value: timedelta | float, name: str, task_id: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise DagDefinitionError(
            f"task {task_id!r}: {name} must be a non-negative number of seconds, got {value!r}"
        )
    return float(seconds)


class BaseSensorOperator(BaseOperator):
    """Subclasses implement ``poke(context) -> bool | PokeReturnValue``."""

    def __init__(
        self,
        *,
        task_id: str,
        poke_interval: timedelta | float = 60,
        timeout: timedelta | float = 7 * 24 * 60 * 60,
        soft_fail: bool = False,
        mode: Mode = "poke",
        exponential_backoff: bool = False,
        max_wait: timedelta | float | None = None,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, **kwargs)
        if mode not in ("poke", "reschedule"):
            raise DagDefinitionError(f"task {task_id!r}: mode must be 'poke' or 'reschedule', got {mode!r}")
        self.poke_interval = _seconds(poke_interval, "poke_interval", task_id)
        self.timeout = _seconds(timeout, "timeout", task_id)
        self.max_wait = None if max_wait is None else _seconds(max_wait, "max_wait", task_id)
        self.soft_fail = bool(soft_fail)
        self.exponential_backoff = bool(exponential_backoff)
        self.deferrable = bool(deferrable)
        self.mode: Mode = "reschedule" if deferrable else mode

    def poke(self, context: TaskContext) -> bool | PokeReturnValue:
        raise NotImplementedError(f"{self.operator_name} must implement poke(context)")

    def execute(self, context: TaskContext) -> Any:
        if self.deferrable:
            print(
                f"[dagseal] {self.task_id}: deferrable=True needs a triggerer, which dagseal does not have; "
                "running in reschedule mode instead",
                file=sys.stderr,
            )
        started = _started_at(context)
        pokes = 0
        while True:
            pokes += 1
            result = self.poke(context)
            if result:
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            waited = (datetime.now(UTC) - started).total_seconds()
            if waited > self.timeout:
                message = f"sensor {self.task_id!r} timed out after {waited:.0f}s (timeout {self.timeout:g}s)"
                print(f"[dagseal] {message}", file=sys.stderr)
                if self.soft_fail:
                    raise TaskSkipped(message)
                raise SensorTimeout(message)
            interval = self._next_interval(context, pokes)
            if self.mode == "reschedule":
                raise TaskRescheduled(datetime.now(UTC) + timedelta(seconds=interval))
            time.sleep(interval)

    def _next_interval(self, context: TaskContext, pokes: int) -> float:
        """``poke_interval``, or with exponential_backoff a doubling, jittered wait capped by max_wait."""
        if not self.exponential_backoff or self.poke_interval <= 0:
            return self.poke_interval
        poke_number = pokes if self.mode == "poke" else context.try_number
        floor = self.poke_interval * 2 ** min(poke_number - 1, 32)
        key = f"{context.dag_id}#{context.task_id}#{context.run_id}#{poke_number}".encode()
        jitter = int(hashlib.sha1(key, usedforsecurity=False).hexdigest(), 16) % max(int(floor), 1)
        wait = floor + jitter
        return min(wait, self.max_wait) if self.max_wait is not None else wait


def _started_at(context: TaskContext) -> datetime:
    """When this sensor's first poke started: the host's record in reschedule mode, else now."""
    if context.sensor_started_at:
        moment = datetime.fromisoformat(context.sensor_started_at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)
