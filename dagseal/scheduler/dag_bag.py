"""Serialized DAG versions by dag_hash: the scheduler's only view of a DAG (it never imports DAG files)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from graphlib import TopologicalSorter

from attrs import frozen
from sqlalchemy.orm import Session

from dagseal.db.models import SerializedDagModel
from dagseal.errors import DagsealError
from dagseal.scheduler.setup_teardown import run_state_leaves
from dagseal.serialization import SerializedDag, SerializedTask, dag_from_envelope


class MissingDagVersionError(DagsealError):
    """A DAG run points at a dag_hash that has no serialized_dag row."""


@frozen
class DagVersion:
    """One serialized DAG and what every scheduling pass over its runs needs, derived once."""

    dag: SerializedDag
    order: tuple[str, ...]  # task ids, every task after its upstream tasks
    tasks: Mapping[str, SerializedTask]
    leaves: tuple[str, ...]  # tasks without downstream tasks (teardowns: the work before them)

    @classmethod
    def of(cls, dag: SerializedDag) -> DagVersion:
        graph = {task.task_id: set(task.upstream_task_ids) for task in dag.tasks}
        return cls(
            dag=dag,
            order=tuple(TopologicalSorter(graph).static_order()),
            tasks={task.task_id: task for task in dag.tasks},
            leaves=run_state_leaves(dag),
        )


class SerializedDagBag:
    """Parsed ``serialized_dag`` rows; a row never changes once written, so each is parsed once."""

    def __init__(self) -> None:
        self._by_hash: dict[str, DagVersion] = {}

    def get(self, session: Session, dag_hash: str) -> SerializedDag:
        return self.version(session, dag_hash).dag

    def version(self, session: Session, dag_hash: str) -> DagVersion:
        cached = self._by_hash.get(dag_hash)
        if cached is not None:
            return cached
        row = session.get(SerializedDagModel, dag_hash)
        if row is None:
            raise MissingDagVersionError(f"serialized DAG {dag_hash} is not in the database")
        version = DagVersion.of(dag_from_envelope(json.loads(row.data)))
        self._by_hash[dag_hash] = version
        return version
