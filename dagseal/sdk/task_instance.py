"""``ti``: the running try's XCom calls (``xcom_push``/``xcom_pull``), answered by the supervisor.

The supervisor knows which DAG, run, task and map index is asking; the values here only name what
to push or pull. Values travel as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import frozen

from dagseal.sdk.supervisor_comms import ask
from dagseal.sdk.xcom import ensure_json_serializable

__all__ = ["XCOM_RETURN_KEY", "RuntimeTaskInstance"]

XCOM_RETURN_KEY = "return_value"


@frozen
class RuntimeTaskInstance:
    """The task instance user code sees as ``get_current_context().ti``."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    map_index: int = -1

    def xcom_push(self, key: str, value: Any) -> None:
        ensure_json_serializable(value, self.task_id)
        ask({"type": "xcom_push", "key": key, "value": value})

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        key: str = XCOM_RETURN_KEY,
        include_prior_dates: bool = False,
    ) -> Any:
        """One task id → its value (None if it pushed none); several → a list in that order.

        ``task_ids=None`` pulls this task's own value. ``include_prior_dates`` also looks at earlier
        runs of this DAG (latest first) when this run has no value.
        """
        single = task_ids is None or isinstance(task_ids, str)
        ids = [self.task_id if task_ids is None else task_ids] if single else list(task_ids)  # type: ignore[arg-type]
        reply = ask(
            {"type": "xcom_pull", "task_ids": ids, "key": key, "include_prior_dates": include_prior_dates}
        )
        values = reply["values"]
        return values[0] if single else values
