"""Branch, short-circuit and setup/teardown decisions as the sandbox reports them."""

import pytest

from dagseal.scheduler.setup_teardown import run_state_leaves
from dagseal.serialization import SerializedDag, dag_from_envelope
from tests.integration.compat.sandbox_harness import DagFolder

SOURCE = """
from datetime import datetime
from airflow.sdk import DAG, TaskGroup, setup, task, teardown
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator, ShortCircuitOperator

with DAG("b", schedule=None, start_date=datetime(2024, 1, 1)):
    @task.branch
    def pick(choice):
        return choice

    chooser = pick("{choice}")
    with TaskGroup("grp") as grp:
        EmptyOperator(task_id="one") >> EmptyOperator(task_id="two")
    chooser >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right"), grp]

    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: {falsy},
                                ignore_downstream_trigger_rules={ignore})
    after = EmptyOperator(task_id="after")
    gate >> after >> EmptyOperator(task_id="later", trigger_rule="all_done")

    @setup
    def create():
        return "made"

    @task
    def work():
        raise RuntimeError("work failed")

    @teardown
    def delete():
        return "deleted"

    made = create()
    made >> work() >> delete().as_teardown(setups=made)
"""


def _write(dag_folder: DagFolder, choice: str = "left", falsy: str = "0", ignore: str = "True") -> None:
    dag_folder.write("b.py", SOURCE.format(choice=choice, falsy=falsy, ignore=ignore))


@pytest.mark.parametrize(
    ("choice", "skipped"),
    [("left", ["grp.one", "right"]), ("grp", ["left", "right"]), ("grp.one", ["left", "right"])],
)
def test_a_branch_skips_the_direct_downstream_it_did_not_choose(
    dag_folder: DagFolder, choice: str, skipped: list[str]
) -> None:
    _write(dag_folder, choice=choice)
    result = dag_folder.run("b.py", "b", "pick")
    assert (result.state, result.return_value, result.skip_task_ids) == ("success", choice, skipped)


def test_a_branch_to_an_unknown_id_fails_naming_it(dag_folder: DagFolder) -> None:
    _write(dag_folder, choice="nowhere")
    result = dag_folder.run("b.py", "b", "pick")
    assert result.state == "failed"
    assert "InvalidBranch: task 'pick': branch 'nowhere' is not a task or task group of DAG 'b'" in (
        result.error or ""
    )


@pytest.mark.parametrize(
    ("falsy", "ignore", "skipped"),
    [("0", "True", ["after", "later"]), ("0", "False", ["after"]), ("1", "True", [])],
)
def test_short_circuit_skips_all_or_only_direct_downstream(
    dag_folder: DagFolder, falsy: str, ignore: str, skipped: list[str]
) -> None:
    _write(dag_folder, falsy=falsy, ignore=ignore)
    result = dag_folder.run("b.py", "b", "gate")
    assert result.state == "success" and result.skip_task_ids == skipped


def test_setup_and_teardown_are_serialized_and_teardowns_do_not_decide_the_run(dag_folder: DagFolder) -> None:
    _write(dag_folder)
    serialized: SerializedDag = dag_from_envelope(
        next(e for e in dag_folder.parse("b.py").dags if e["dag"]["dag_id"] == "b")
    )
    tasks = {task.task_id: task for task in serialized.tasks}
    assert tasks["create"].is_setup and not tasks["create"].is_teardown
    assert tasks["delete"].is_teardown and tasks["delete"].trigger_rule == "all_done_setup_success"
    assert sorted(tasks["delete"].upstream_task_ids) == ["create", "work"]
    assert "delete" not in run_state_leaves(serialized) and "work" in run_state_leaves(serialized)
