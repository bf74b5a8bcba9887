"""The policy's read-only DAG view, subdir exposure and loading errors (host side, no sandbox)."""

from __future__ import annotations

import pytest

from dagseal import DagPolicyViolation
from dagseal.errors import DagsealError
from dagseal.processor.policy import (
    ReadOnlyView,
    check_dag,
    current_subdir,
    dag_view,
    get_current_subdir,
    load_dag_policy,
)

SERIALIZED = {
    "dag_id": "team_a.etl",
    "fileloc": "etl.py",
    "tags": ["etl"],
    "params": {"limit": 3},
    "tasks": [{"task_id": "extract", "retries": 2, "upstream_task_ids": []}],
}


def view() -> ReadOnlyView:
    return dag_view(SERIALIZED, fileloc="/dags/team_a/etl.py", processor_subdir="/dags/team_a")


def test_view_exposes_serialized_fields_and_host_paths() -> None:
    dag = view()
    assert dag.dag_id == "team_a.etl"
    assert dag.fileloc == "/dags/team_a/etl.py"
    assert dag.relative_fileloc == "etl.py"
    assert dag.processor_subdir == "/dags/team_a"
    assert dag.tasks[0].task_id == "extract" and dag.tasks[0]["retries"] == 2
    assert dag.tags == ("etl",)


def test_view_is_deeply_read_only() -> None:
    dag = view()
    with pytest.raises(AttributeError, match="read-only"):
        dag.dag_id = "other"
    with pytest.raises(AttributeError, match="read-only"):
        dag.tasks[0].retries = 0
    with pytest.raises(TypeError):
        dag.params["limit"] = 4  # type: ignore[index]
    with pytest.raises(AttributeError):
        dag.tags.append("x")  # type: ignore[attr-defined]


def test_current_subdir_is_set_only_inside_the_block() -> None:
    assert get_current_subdir() is None
    with current_subdir("/dags/team_a"):
        assert get_current_subdir() == "/dags/team_a"
    assert get_current_subdir() is None


def test_check_dag_turns_violations_and_policy_bugs_into_messages() -> None:
    def strict(dag: ReadOnlyView) -> None:
        raise DagPolicyViolation("no etl today")

    def buggy(dag: ReadOnlyView) -> None:
        raise KeyError("oops")

    assert check_dag(None, view()) is None
    assert check_dag(lambda dag: None, view()) is None
    assert check_dag(strict, view()) == "DAG 'team_a.etl' violates the DAG policy: no etl today"
    assert "DAG policy failed on DAG 'team_a.etl': KeyError" in (check_dag(buggy, view()) or "")


def test_load_dag_policy() -> None:
    assert load_dag_policy("") is None
    assert load_dag_policy("json") is None  # a module without dag_policy: no policy
    with pytest.raises(DagsealError, match="cannot import \\[core\\] policy_module 'no_such_policy_mod'"):
        load_dag_policy("no_such_policy_mod")
