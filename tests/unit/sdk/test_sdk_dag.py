"""The DAG SDK as a DAG author uses it: schedules, defaults, dependencies, validation, XCom checks."""

from datetime import datetime, timedelta

import pytest

from dagseal import (
    DAG,
    BashOperator,
    EmptyOperator,
    PythonOperator,
    TriggerRule,
    chain,
    get_current_context,
    task,
)
from dagseal.sdk import (
    DagCycleError,
    DagDefinitionError,
    DuplicateTaskIdError,
    InvalidScheduleError,
    XComNotSerializableError,
    ensure_json_serializable,
)
from dagseal.sdk.context import TaskContext, task_context
from dagseal.sdk.schedule import ScheduleSpec, normalize_schedule


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (None, ScheduleSpec(kind="none")),
        ("@once", ScheduleSpec(kind="once")),
        ("@daily", ScheduleSpec(kind="cron", cron="0 0 * * *", timezone="UTC")),
        ("@hourly", ScheduleSpec(kind="cron", cron="0 * * * *", timezone="UTC")),
        ("@weekly", ScheduleSpec(kind="cron", cron="0 0 * * 0", timezone="UTC")),
        ("@monthly", ScheduleSpec(kind="cron", cron="0 0 1 * *", timezone="UTC")),
        ("@yearly", ScheduleSpec(kind="cron", cron="0 0 1 1 *", timezone="UTC")),
        ("*/5  1-3 * jan mon,fri", ScheduleSpec(kind="cron", cron="*/5 1-3 * jan mon,fri", timezone="UTC")),
        (timedelta(minutes=30), ScheduleSpec(kind="timedelta", seconds=1800.0)),
    ],
)
def test_schedule_forms_normalize(schedule: object, expected: ScheduleSpec) -> None:
    assert normalize_schedule(schedule) == expected


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ("0 0 * *", "needs 5 fields"),
        ("0 0 * * * *", "needs 5 fields"),
        ("@fortnightly", "unknown schedule preset"),
        ("0 0 * * ?", "invalid field '?'"),
        (timedelta(0), "must be positive"),
        (42, "got int"),
    ],
)
def test_bad_schedule_is_one_clear_error(schedule: object, fragment: str) -> None:
    with pytest.raises(InvalidScheduleError, match=fragment):
        DAG("x.bad_schedule", schedule=schedule)


def test_default_args_apply_unless_the_task_overrides() -> None:
    with DAG("x.defaults", default_args={"retries": 2, "retry_delay": timedelta(seconds=5), "owner": "x"}):
        plain = EmptyOperator(task_id="plain")
        own = EmptyOperator(task_id="own", retries=0, retry_delay=7)
    assert (plain.retries, plain.retry_delay) == (2, timedelta(seconds=5))
    assert (own.retries, own.retry_delay) == (0, timedelta(seconds=7))
    assert plain.trigger_rule is TriggerRule.ALL_SUCCESS


def test_task_flow_and_operators_link_as_written() -> None:
    with DAG("x.flow") as dag:

        @task
        def extract() -> dict:
            return {"rows": 3}

        @task(retries=1, execution_timeout=timedelta(minutes=5), trigger_rule=TriggerRule.ALL_DONE)
        def load(data: dict) -> None:
            return None

        load(extract()) >> BashOperator(task_id="report", bash_command="echo done")
        a, b, c = (EmptyOperator(task_id=name) for name in "abc")
        [a, b] >> c
        c << EmptyOperator(task_id="d")
        chain(a, [EmptyOperator(task_id="e1"), EmptyOperator(task_id="e2")], [EmptyOperator(task_id="f1"), c])
    up = {task_id: sorted(op.upstream_task_ids) for task_id, op in dag.task_dict.items()}
    assert up["load"] == ["extract"]
    assert up["report"] == ["load"]
    assert up["c"] == ["a", "b", "d", "e2"]
    assert up["f1"] == ["e1"]
    assert dag.get_task("load").trigger_rule is TriggerRule.ALL_DONE
    assert dag.get_task("load").execution_timeout == timedelta(minutes=5)
    assert sorted(dag.get_task("a").downstream_task_ids) == ["c", "e1", "e2"]


def test_repeated_task_calls_get_suffixed_ids_and_explicit_duplicates_fail() -> None:
    with DAG("x.dups") as dag:

        @task
        def step() -> int:
            return 1

        step()
        step()
        assert sorted(dag.task_dict) == ["step", "step__1"]
        EmptyOperator(task_id="same")
        with pytest.raises(DuplicateTaskIdError, match="duplicate task_id 'same'"):
            EmptyOperator(task_id="same")


def test_cycle_is_named_at_validation() -> None:
    with DAG("x.cycle") as dag:
        a, b, c = (EmptyOperator(task_id=name) for name in "abc")
        a >> b >> c >> a
    with pytest.raises(DagCycleError, match=r"DAG 'x.cycle' has a cycle: a >> b >> c >> a"):
        dag.validate()


def test_acyclic_diamond_validates() -> None:
    with DAG("x.diamond") as dag:
        a, b, c, d = (EmptyOperator(task_id=name) for name in "abcd")
        a >> [b, c] >> d
    assert dag.validate() is dag


def test_tasks_need_a_dag_and_cannot_cross_dags() -> None:
    with pytest.raises(DagDefinitionError, match="outside a DAG"):
        EmptyOperator(task_id="lonely")
    with DAG("x.one"):
        one = EmptyOperator(task_id="t")
    with DAG("x.two"):
        two = EmptyOperator(task_id="t")
    with pytest.raises(DagDefinitionError, match="tasks of different DAGs"):
        one >> two


def test_bad_settings_are_clear_errors() -> None:
    with DAG("x.settings"):
        with pytest.raises(DagDefinitionError, match="unknown trigger_rule 'sometimes'"):
            EmptyOperator(task_id="t1", trigger_rule="sometimes")
        with pytest.raises(DagDefinitionError, match="retries must be an int"):
            EmptyOperator(task_id="t2", retries=-1)
        with pytest.raises(DagDefinitionError, match="python_callable is not callable"):
            PythonOperator(task_id="t3", python_callable="nope")
    with pytest.raises(DagDefinitionError, match="invalid dag_id"):
        DAG("has space")


def test_naive_dates_are_utc() -> None:
    dag = DAG("x.dates", start_date=datetime(2026, 1, 1))
    assert dag.start_date is not None and dag.start_date.isoformat() == "2026-01-01T00:00:00+00:00"


def test_non_json_return_value_is_a_clear_error() -> None:
    assert ensure_json_serializable({"a": [1, "b", None]}, "ok") == {"a": [1, "b", None]}
    with pytest.raises(
        XComNotSerializableError, match=r"task 'extract' returned .*not JSON-serializable \(set"
    ):
        ensure_json_serializable({1, 2}, "extract")
    with pytest.raises(XComNotSerializableError, match="task 'nan'"):
        ensure_json_serializable(float("nan"), "nan")


def test_current_context_only_inside_a_task() -> None:
    with pytest.raises(RuntimeError, match="outside a running task"):
        get_current_context()
    context = TaskContext(dag_id="d", task_id="t", run_id="r", try_number=2, params={"p": 1})
    with task_context(context):
        assert get_current_context().try_number == 2
    with pytest.raises(RuntimeError):
        get_current_context()


def test_queue_from_the_task_or_default_args_and_a_bad_one_is_named() -> None:
    with DAG("x.queues", default_args={"queue": "team_x"}):
        plain = EmptyOperator(task_id="plain")
        own = EmptyOperator(task_id="own", queue="gpu")

        @task(queue="io")
        def fetch() -> None:
            return None

        flowed = fetch()
    assert (plain.queue, own.queue, flowed.operator.queue) == ("team_x", "gpu", "io")
    with DAG("x.no_queue"):
        assert EmptyOperator(task_id="t").queue is None
    with DAG("x.bad_queue"), pytest.raises(DagDefinitionError, match=r"task 't': queue must be a name"):
        EmptyOperator(task_id="t", queue="two words")
