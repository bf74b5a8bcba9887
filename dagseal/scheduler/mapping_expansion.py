"""Dynamic task mapping on the host: once a mapped task may run, its placeholder task instance
(map_index -1) becomes one task instance per element (map_index 0..n-1).

The length comes from the serialized expand input: a literal list or dict, an upstream's stored
return value (JSON data, never code), or the number of task instances of a mapped upstream. As in
Airflow: zero elements skip the task; more than ``[core] max_map_length`` fail it; a value that is
not a list or a dict fails it, naming the upstream.
"""

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dagseal.db.models import TaskInstanceModel
from dagseal.lifecycle.locking import db_state, move_task
from dagseal.lifecycle.states import TaskState
from dagseal.serialization import SerializedTask

XCOM_KEY = "__xcom__"  # dagseal.sdk.xcom.XCOM_KEY, the serialized form of an XComArg
DEFAULT_MAX_MAP_LENGTH = 1024


class MappingFailed(Exception):
    """The mapped values cannot be expanded; the message names the argument and its upstream."""


class _Lengths:
    """Reads what the lengths depend on, within one run."""

    def __init__(
        self,
        session: Session,
        dag_run_id: int,
        tasks: Mapping[str, SerializedTask],
        counts: Mapping[str, int],
    ) -> None:
        self.session = session
        self.dag_run_id = dag_run_id
        self.tasks = tasks
        self.counts = counts  # task instances per mapped upstream task

    def of(self, value: Any, name: str) -> int:
        if isinstance(value, dict) and XCOM_KEY in value:
            return self._upstream(value[XCOM_KEY], value.get("key"), name)
        if isinstance(value, list | dict):
            return len(value)
        raise MappingFailed(
            f"cannot expand {name!r}: the DAG gave {type(value).__name__}, need a list or a dict"
        )

    def _upstream(self, upstream: str, key: str | None, name: str) -> int:
        if self.tasks[upstream].expand_input is not None:
            return self.counts.get(upstream, 0)
        raw = self.session.scalar(
            select(TaskInstanceModel.return_value).where(
                TaskInstanceModel.dag_run_id == self.dag_run_id,
                TaskInstanceModel.task_id == upstream,
                TaskInstanceModel.map_index == -1,
            )
        )
        data = None if raw is None else json.loads(raw)
        if key is not None:
            data = data.get(key) if isinstance(data, dict) else None
        if not isinstance(data, list | dict):
            raise MappingFailed(
                f"cannot expand {name!r}: upstream task {upstream!r} returned {type(data).__name__}, "
                f"need a list or a dict"
            )
        return len(data)


def map_length(lengths: _Lengths, task: SerializedTask) -> int:
    """How many task instances the mapped task gets (cross product of the mapped arguments)."""
    expand = task.expand_input or {}
    if expand.get("kind") == "expand_kwargs":
        return lengths.of(expand["value"], "expand_kwargs")
    return math.prod(lengths.of(value, name) for name, value in expand["value"].items())


def expand_task(
    session: Session,
    ti_id: int,
    task: SerializedTask,
    tasks: Mapping[str, SerializedTask],
    counts: Mapping[str, int],
    now: datetime,
    max_map_length: int = DEFAULT_MAX_MAP_LENGTH,
) -> list[tuple[int, int, TaskState]] | None:
    """Expand the placeholder ``ti_id``; returns ``[(id, map_index, state)]``, None if another
    scheduler changed it first."""
    placeholder = session.get(TaskInstanceModel, ti_id)
    assert placeholder is not None
    try:
        count = map_length(_Lengths(session, placeholder.dag_run_id, tasks, counts), task)
        if count > max_map_length:
            raise MappingFailed(
                f"mapped task {task.task_id!r} would have {count} task instances, "
                f"more than [core] max_map_length ({max_map_length})"
            )
    except MappingFailed as exc:
        moved = move_task(session, ti_id, [TaskState.NONE], TaskState.FAILED, end_date=now, error=str(exc))
        return [(ti_id, -1, TaskState.FAILED)] if moved else None
    if count == 0:
        moved = move_task(session, ti_id, [TaskState.NONE], TaskState.SKIPPED, end_date=now)
        return [(ti_id, -1, TaskState.SKIPPED)] if moved else None
    if not move_task(session, ti_id, [TaskState.NONE], TaskState.SCHEDULED, scheduled_dttm=now, map_index=0):
        return None
    common = {
        "dag_run_id": placeholder.dag_run_id,
        "dag_id": placeholder.dag_id,
        "run_id": placeholder.run_id,
        "task_id": placeholder.task_id,
        "max_tries": placeholder.max_tries,
        "priority_weight": placeholder.priority_weight,
        "pool": placeholder.pool,
        "pool_slots": placeholder.pool_slots,
        "image_digest": placeholder.image_digest,
        "state": db_state(TaskState.SCHEDULED),
        "scheduled_dttm": now,
    }
    if count > 1:
        session.execute(insert(TaskInstanceModel), [{**common, "map_index": i} for i in range(1, count)])
    ids = session.execute(
        select(TaskInstanceModel.id, TaskInstanceModel.map_index)
        .where(
            TaskInstanceModel.dag_run_id == placeholder.dag_run_id, TaskInstanceModel.task_id == task.task_id
        )
        .order_by(TaskInstanceModel.map_index)
    ).all()
    return [(row_id, map_index, TaskState.SCHEDULED) for row_id, map_index in ids]
