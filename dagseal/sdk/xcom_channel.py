"""Where ``ti.xcom_pull`` / ``xcom_push`` and template-field XComArgs go.

The run_task request carries the direct upstreams' return values (a mapped upstream's as a list in
map order), so the common pull needs no round trip; every other pull and every push asks the
supervisor over the task <-> supervisor channel (keyed XCom, non-direct upstreams, prior dates).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagseal.sdk.task_instance import RuntimeTaskInstance

RETURN_VALUE = "return_value"


class XComChannel(ABC):
    """Reads and writes the XComs of the running try's DAG run."""

    @abstractmethod
    def pull(self, task_id: str, key: str, include_prior_dates: bool = False) -> Any:
        """The XCom ``key`` of ``task_id`` in this run (None if it has none)."""

    @abstractmethod
    def push(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` for the running task."""


class UpstreamResults(XComChannel):
    """Return values of the task's direct upstreams as sent in the run_task request (which leaves
    out upstreams that returned None; ``multiple_outputs`` tasks' keys are read from their dict);
    the rest goes to ``supervisor``. Without one (a context outside a try) only the request's
    values are available."""

    def __init__(
        self,
        results: Mapping[str, Any],
        upstream: frozenset[str] | None = None,
        multiple_outputs: frozenset[str] = frozenset(),
        supervisor: RuntimeTaskInstance | None = None,
    ) -> None:
        self.results = results
        self.upstream = frozenset(results) if upstream is None else upstream | frozenset(results)
        self.multiple_outputs = multiple_outputs
        self.supervisor = supervisor

    def pull(self, task_id: str, key: str, include_prior_dates: bool = False) -> Any:
        value = self.results.get(task_id)
        if task_id in self.upstream and (value is not None or not include_prior_dates):
            if key == RETURN_VALUE:
                return value
            if task_id in self.multiple_outputs and isinstance(value, dict) and key in value:
                return value[key]
        if self.supervisor is None:
            raise LookupError(
                f"xcom_pull of key {key!r} from task {task_id!r}: no supervisor answers XCom pulls here"
            )
        return self.supervisor.xcom_pull(task_id, key, include_prior_dates)

    def push(self, key: str, value: Any) -> None:
        if self.supervisor is None:
            raise LookupError(f"xcom_push(key={key!r}): no supervisor stores XComs here")
        self.supervisor.xcom_push(key, value)
