"""Where ``ti.xcom_pull`` / ``xcom_push`` go: one small interface, so the task <-> supervisor
channel (issue 10) can replace the upstream-results-only implementation without touching callers."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

RETURN_VALUE = "return_value"


class XComChannel(ABC):
    """Reads and writes the XComs of the running try's DAG run."""

    @abstractmethod
    def pull(self, task_id: str, key: str) -> Any:
        """The XCom ``key`` of ``task_id`` in this run (None if it has none)."""

    @abstractmethod
    def push(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` for the running task."""


class UpstreamResults(XComChannel):
    """Return values of the task's direct upstreams, as sent in the run_task request (which leaves
    out upstreams that returned None). ``multiple_outputs`` tasks' keys are read from their dict."""

    def __init__(
        self,
        results: Mapping[str, Any],
        upstream: frozenset[str] | None = None,
        multiple_outputs: frozenset[str] = frozenset(),
    ) -> None:
        self.results = results
        self.upstream = frozenset(results) if upstream is None else upstream | frozenset(results)
        self.multiple_outputs = multiple_outputs

    def pull(self, task_id: str, key: str) -> Any:
        if task_id not in self.upstream:
            raise LookupError(
                f"xcom_pull of task {task_id!r}: only the XComs of direct upstream tasks "
                f"are available to this task"
            )
        value = self.results.get(task_id)
        if key == RETURN_VALUE:
            return value
        if task_id in self.multiple_outputs and isinstance(value, dict):
            return value.get(key)
        raise LookupError(
            f"xcom_pull of key {key!r} from task {task_id!r}: only return values (and the keys of "
            f"multiple_outputs tasks) are available to this task"
        )

    def push(self, key: str, value: Any) -> None:
        raise NotImplementedError(
            f"xcom_push(key={key!r}) needs the task <-> supervisor XCom channel, which this "
            f"dagseal build does not have; return the value from the task instead"
        )
