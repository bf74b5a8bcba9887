"""Task groups, labels, @dag, Param, documentation fields and the refusal of unsupported arguments."""

import pytest

from tests.integration.compat.sandbox_harness import DagFolder

GROUPS = '''
from datetime import datetime
from airflow.sdk import DAG, Label, Param, TaskGroup, dag, task, task_group
from airflow.providers.standard.operators.empty import EmptyOperator


@dag(schedule=None, start_date=datetime(2024, 1, 1), tags=["x"], params={"n": Param(5, type="integer")})
def grouped():
    """# Grouped
    A DAG with groups."""
    start = EmptyOperator(task_id="start", owner="ops", doc_md="starts", task_display_name="Start!")
    with TaskGroup("section", default_args={"retries": 3}) as section:
        a = EmptyOperator(task_id="a")
        with TaskGroup("inner"):
            b = EmptyOperator(task_id="b")
        a >> b

    @task_group
    def twice():
        @task
        def step():
            return 1
        step() >> step()

    end = EmptyOperator(task_id="end")
    start >> Label("go") >> section >> twice() >> end
    twice()


grouped()
'''


def _tasks(dag: dict) -> dict[str, dict]:
    return {task["task_id"]: task for task in dag["tasks"]}


def test_groups_prefix_ids_inherit_default_args_and_link_as_a_whole(dag_folder: DagFolder) -> None:
    dag_folder.write("g.py", GROUPS)
    dag = dag_folder.dag("g.py", "grouped")
    tasks = _tasks(dag)
    assert sorted(tasks) == [
        "end",
        "section.a",
        "section.inner.b",
        "start",
        "twice.step",
        "twice.step__1",
        "twice__1.step",
        "twice__1.step__1",
    ]
    assert tasks["section.a"]["retries"] == 3 and tasks["start"]["retries"] == 0
    assert tasks["start"]["downstream_task_ids"] == ["section.a"]
    assert tasks["section.inner.b"]["downstream_task_ids"] == ["twice.step"]
    assert tasks["twice.step__1"]["downstream_task_ids"] == ["end"]
    assert tasks["section.inner.b"]["task_group"] == "section.inner"
    assert [g["group_id"] for g in dag["task_groups"]] == ["section", "section.inner", "twice", "twice__1"]
    assert dag["task_groups"][1]["parent_group"] == "section"
    assert dag["edge_labels"] == [
        {"upstream_task_id": "start", "downstream_task_id": "section.a", "label": "go"}
    ]


def test_docs_owner_display_name_tags_and_param_schemas_are_stored(dag_folder: DagFolder) -> None:
    dag_folder.write("g.py", GROUPS)
    dag = dag_folder.dag("g.py", "grouped")
    start = _tasks(dag)["start"]
    assert (start["owner"], start["docs"]) == ("ops", {"doc_md": "starts"})
    assert start["task_display_name"] == "Start!"
    assert dag["doc_md"] == "# Grouped\nA DAG with groups."
    assert dag["tags"] == ["x"]
    assert dag["params"] == {"n": 5}
    assert dag["param_schemas"] == {"n": {"schema": {"type": "integer"}, "description": None}}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("run_as_user='etl'", "task 'e': argument run_as_user='etl' is not supported by dagseal yet"),
        ("executor='CeleryExecutor'", "task 'e': argument executor='CeleryExecutor' is not supported"),
        ("email='a@b.c'", "task 'e': argument email='a@b.c' is not supported"),
        ("colour='red'", "task 'e': unknown argument 'colour'"),
    ],
)
def test_unsupported_task_arguments_are_import_errors_naming_them(
    dag_folder: DagFolder, arguments: str, expected: str
) -> None:
    dag_folder.write(
        "a.py",
        f"""
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("a", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="e", {arguments})
""",
    )
    message = dag_folder.parse("a.py").import_errors[0].message
    assert message.startswith("a.py:7: DagDefinitionError: ")
    assert expected in message


def test_default_args_at_airflow_defaults_are_accepted_and_others_refused(dag_folder: DagFolder) -> None:
    source = """
from datetime import datetime, timedelta
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

default_args = {{
    "depends_on_past": False, "email": ["airflow@example.com"], "email_on_failure": False,
    "email_on_retry": False, "retries": 1, "retry_delay": timedelta(minutes=5), {extra}
}}
with DAG("a", schedule=None, start_date=datetime(2024, 1, 1), default_args=default_args):
    EmptyOperator(task_id="e")
"""
    dag_folder.write("ok.py", source.format(extra=""))
    assert _tasks(dag_folder.dag("ok.py", "a"))["e"]["retries"] == 1
    dag_folder.write("bad.py", source.format(extra='"run_as_user": "etl"'))
    message = dag_folder.parse("bad.py").import_errors[0].message
    assert "task 'e': default_args entry run_as_user='etl' is not supported by dagseal yet" in message


def test_scheduling_arguments_are_honoured_from_arguments_and_default_args(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "p.py",
        """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("p", schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=3,
         default_args={"pool": "etl", "depends_on_past": True}):
    EmptyOperator(task_id="e", pool_slots=2, weight_rule="absolute")
""",
    )
    dag = dag_folder.dag("p.py", "p")
    task = _tasks(dag)["e"]
    assert (task["pool"], task["pool_slots"], task["depends_on_past"], task["weight_rule"]) == (
        "etl",
        2,
        True,
        "absolute",
    )
    assert dag["max_active_tasks"] == 3


def test_unsupported_dag_arguments_are_import_errors(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "d.py",
        """
from datetime import datetime
from airflow.sdk import DAG

with DAG("d", schedule=None, start_date=datetime(2024, 1, 1), max_consecutive_failed_dag_runs=3):
    pass
""",
    )
    message = dag_folder.parse("d.py").import_errors[0].message
    assert "DAG 'd': argument max_consecutive_failed_dag_runs=3 is not supported by dagseal yet" in message


def test_unsupported_task_flavours_are_refused_by_name(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "v.py",
        """
from airflow.sdk import task

@task.virtualenv(requirements=["x"])
def f():
    pass
""",
    )
    message = dag_folder.parse("v.py").import_errors[0].message
    assert message.startswith("v.py:4: DagDefinitionError: @task.virtualenv is not supported by dagseal yet")


def test_task_bash_runs_the_returned_rendered_command(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "b.py",
        """
from datetime import datetime
from airflow.sdk import DAG, task

with DAG("b", schedule=None, start_date=datetime(2024, 1, 1)):
    @task.bash
    def say(word):
        return "echo " + word + " {{ ds }}"

    say("hi")
""",
    )
    result = dag_folder.run("b.py", "b", "say")
    assert result.state == "success", result.error
    assert result.return_value == "hi 2024-01-02"


def test_the_same_features_come_natively_from_dagseal(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "n.py",
        """
from dagseal import DAG, Label, Param, TaskGroup, EmptyOperator, task, setup, teardown

with DAG("native", params={"n": Param(1, type="integer")}):
    @task.branch
    def pick():
        return "grp.a"

    with TaskGroup("grp") as grp:
        EmptyOperator(task_id="a")

    @setup
    def up():
        return 1

    @teardown
    def down():
        return 1

    pick() >> Label("go") >> grp
    made = up()
    made >> down().as_teardown(setups=made)
""",
    )
    dag = dag_folder.dag("n.py", "native")
    assert sorted(_tasks(dag)) == ["down", "grp.a", "pick", "up"]
    assert dag["edge_labels"][0]["label"] == "go" and dag["param_schemas"]["n"]["schema"] == {
        "type": "integer"
    }
    assert dag_folder.run("n.py", "native", "pick").skip_task_ids == []
