"""Put SDK-built DAGs straight into the DB as a processor would, so scheduler steps can be tested alone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import (
    DagCodeModel,
    DagModel,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.session import session_scope
from dagseal.sdk import DAG
from dagseal.serialization import (
    canonical_json,
    dag_envelope,
    dag_hash,
    serialize_dag,
    sha256_hex,
)

T = TypeVar("T")


def noop() -> None:
    """A callback stand-in: only its presence in the serialized DAG matters here."""


def store_dag(
    factory: sessionmaker[Session],
    dag: DAG,
    now: datetime,
    source: str = "# dag file\n",
    subdir: str = "/dags",
) -> str:
    """Serialize ``dag`` and upsert its dag / serialized_dag / dag_code rows; returns the dag_hash."""
    digest = sha256_hex(source)
    serialized = serialize_dag(dag, fileloc=f"{dag.dag_id}.py", source_digest=digest)
    version = dag_hash(serialized)
    with session_scope(factory) as session:
        if session.get(DagCodeModel, digest) is None:
            session.add(
                DagCodeModel(source_digest=digest, relative_fileloc=f"{dag.dag_id}.py", source=source)
            )
        if session.get(SerializedDagModel, version) is None:
            session.add(
                SerializedDagModel(
                    dag_hash=version,
                    dag_id=dag.dag_id,
                    processor_subdir=subdir,
                    data=canonical_json(dag_envelope(serialized)),
                    source_digest=digest,
                )
            )
        row = session.get(DagModel, dag.dag_id) or DagModel(dag_id=dag.dag_id)
        row.fileloc = f"{subdir}/{dag.dag_id}.py"
        row.relative_fileloc = f"{dag.dag_id}.py"
        row.processor_subdir = subdir
        row.is_active = True
        row.is_paused = False
        row.last_parsed_time = now
        row.latest_dag_hash = version
        session.add(row)
    return version


def ti_states(session: Session, run_id: str) -> dict[str, str | None]:
    return dict(
        session.execute(
            select(TaskInstanceModel.task_id, TaskInstanceModel.state).where(
                TaskInstanceModel.run_id == run_id
            )
        ).all()
    )


def set_states(session: Session, run_id: str, states: dict[str, str], **values: object) -> None:
    for ti in session.scalars(select(TaskInstanceModel).where(TaskInstanceModel.run_id == run_id)):
        if ti.task_id in states:
            ti.state = states[ti.task_id]
            for key, value in values.items():
                setattr(ti, key, value)


def as_two_schedulers(factory: sessionmaker[Session], work: Callable[[], T]) -> list[T]:
    """Run ``work`` in two threads released together (two schedulers' passes); needs PostgreSQL."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("several schedulers need PostgreSQL (SQLite allows one)")
    barrier = threading.Barrier(2)
    results: list[T] = []

    def scheduler() -> None:
        barrier.wait()
        results.append(work())

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2, "a scheduler thread did not finish"
    return results
