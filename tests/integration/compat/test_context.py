"""The Airflow 3 context: keys, get_current_context(), signature-driven passing, XCom pulls."""

from tests.integration.compat.sandbox_harness import DagFolder

SOURCE = """
from datetime import datetime
from airflow.sdk import DAG, get_current_context, task
from airflow.providers.standard.operators.python import PythonOperator


def keys(ds, ts_nodash, data_interval_start, data_interval_end, ti, dag_run, task_instance_key_str):
    return [ds, ts_nodash, data_interval_start.isoformat(), data_interval_end.isoformat(),
            ti.try_number, ti.map_index, dag_run.run_id, task_instance_key_str]


def everything(**context):
    return sorted(k for k in context if k in ("ds", "ti", "params", "macros", "dag", "task"))


with DAG("c", schedule=None, start_date=datetime(2024, 1, 1), params={"n": 1}):
    PythonOperator(task_id="keys", python_callable=keys)
    PythonOperator(task_id="all", python_callable=everything)

    @task
    def produce():
        return {"a": 1, "b": 2}

    @task(multiple_outputs=True)
    def split():
        return {"left": "L", "right": "R"}

    @task
    def consume(value, right, params=None):
        ctx = get_current_context()
        pulled = ctx["ti"].xcom_pull(task_ids="produce")
        return [value, right, pulled["b"], params["n"], ctx["task"].task_id, ctx["dag"].dag_id]

    consume(produce(), split()["right"])
"""


def test_context_keys_passed_by_name(dag_folder: DagFolder) -> None:
    dag_folder.write("c.py", SOURCE)
    result = dag_folder.run("c.py", "c", "keys", try_number=3)
    assert result.state == "success", result.error
    assert result.return_value == [
        "2024-01-02",
        "20240102T030405",
        "2024-01-01T03:04:05+00:00",
        "2024-01-02T03:04:05+00:00",
        3,
        -1,
        "manual__2024-01-02T03:04:05+00:00",
        "c__keys__20240102",
    ]


def test_var_keyword_callables_get_the_whole_context(dag_folder: DagFolder) -> None:
    dag_folder.write("c.py", SOURCE)
    assert dag_folder.run("c.py", "c", "all").return_value == ["dag", "ds", "macros", "params", "task", "ti"]


def test_xcom_args_keys_and_pulls_of_upstream_return_values(dag_folder: DagFolder) -> None:
    dag_folder.write("c.py", SOURCE)
    result = dag_folder.run(
        "c.py",
        "c",
        "consume",
        params={"n": 7},
        upstream_results={"produce": {"a": 1, "b": 2}, "split": {"left": "L", "right": "R"}},
    )
    assert result.state == "success", result.error
    assert result.return_value == [{"a": 1, "b": 2}, "R", 2, 7, "consume", "c"]


def test_a_pull_the_request_cannot_answer_asks_the_supervisor(dag_folder: DagFolder) -> None:
    """The run_task request carries direct upstreams' values only; ``a`` is not one, so the pull goes
    to the supervisor, which this harness does not run (a real try: test_airflow_dag_end_to_end)."""
    dag_folder.write(
        "x.py",
        """
from datetime import datetime
from airflow.sdk import DAG, task

with DAG("x", schedule=None, start_date=datetime(2024, 1, 1)):
    @task
    def a():
        return 1

    @task
    def b(ti):
        return ti.xcom_pull(task_ids="a")

    a()
    b()
""",
    )
    result = dag_folder.run("x.py", "x", "b")
    assert result.state == "failed"
    assert "SupervisorRequestError: xcom_pull needs a running task" in (result.error or "")


def test_do_xcom_push_false_returns_nothing(dag_folder: DagFolder) -> None:
    dag_folder.write(
        "x.py",
        """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG("x", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="quiet", bash_command="echo secret", do_xcom_push=False)
""",
    )
    result = dag_folder.run("x.py", "x", "quiet")
    assert result.state == "success" and result.return_value is None
