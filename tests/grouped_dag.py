"""A serialized DAG with task groups (one nested), an edge label and a mapped task, written by the
SDK and the serializer as a DAG file's would be."""

from __future__ import annotations

from typing import Any

from dagseal.sdk import DAG, BashOperator, EmptyOperator, Label, TaskGroup
from dagseal.serialization import dag_envelope, serialize_dag


def grouped_envelope(dag_id: str = "grouped") -> dict[str, Any]:
    """start → etl.extract → etl.inner.load → end, and start → fan (mapped); start→etl.extract labelled."""
    with DAG(dag_id) as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("etl"):
            extract = EmptyOperator(task_id="extract")
            with TaskGroup("inner", group_display_name="Inner loads"):
                load = EmptyOperator(task_id="load")
        start >> Label("daily") >> extract
        extract >> load >> EmptyOperator(task_id="end")
        start >> BashOperator.partial(task_id="fan").expand(bash_command=["echo 1", "echo 2", "echo 3"])
    return dag_envelope(serialize_dag(dag, fileloc=f"{dag_id}.py", source_digest="0" * 64))
