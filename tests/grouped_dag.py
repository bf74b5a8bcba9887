"""A serialized DAG in the shape the Airflow-compat branch writes (task groups, edge labels, a
mapped task), built as JSON from a schema-v1 DAG so it exists before and after that branch lands."""

from __future__ import annotations

from typing import Any

from dagseal.sdk import DAG, EmptyOperator
from dagseal.serialization import dag_envelope, serialize_dag

GROUPS = {"etl.extract": "etl", "etl.inner.load": "etl.inner"}


def grouped_envelope(dag_id: str = "grouped") -> dict[str, Any]:
    """start → etl.extract → etl.inner.load → end, and start → fan (mapped); start→etl.extract labelled."""
    with DAG(dag_id) as dag:
        start = EmptyOperator(task_id="start")
        extract = EmptyOperator(task_id="etl.extract")
        load = EmptyOperator(task_id="etl.inner.load")
        start >> extract >> load >> EmptyOperator(task_id="end")
        start >> EmptyOperator(task_id="fan")
    envelope = dag_envelope(serialize_dag(dag, fileloc=f"{dag_id}.py", source_digest="0" * 64))
    body = envelope["dag"]
    for task in body["tasks"]:
        task["task_group"] = GROUPS.get(task["task_id"])
        task["expand_input"] = (
            {"kind": "expand", "value": {"x": [1, 2, 3]}} if task["task_id"] == "fan" else None
        )
    body["task_groups"] = [
        {"group_id": "etl", "parent_group": None, "tooltip": "", "group_display_name": None},
        {"group_id": "etl.inner", "parent_group": "etl", "tooltip": "", "group_display_name": "Inner loads"},
    ]
    body["edge_labels"] = [
        {"upstream_task_id": "start", "downstream_task_id": "etl.extract", "label": "daily"}
    ]
    return envelope
