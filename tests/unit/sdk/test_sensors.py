"""Sensors in the SDK: poke and reschedule decisions, timeouts, soft_fail, backoff, the time sensors
(their execute runs here directly, as the sandbox would call it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dagseal.sdk import (
    DAG,
    BashSensor,
    DagDefinitionError,
    DateTimeSensor,
    DayOfWeekSensor,
    FileSensor,
    PokeReturnValue,
    PythonSensor,
    SensorTimeout,
    TaskRescheduled,
    TaskSkipped,
    TimeDeltaSensor,
    task,
)
from dagseal.sdk.context import TaskContext


def context(**values: object) -> TaskContext:
    return TaskContext(dag_id="d", task_id="s", run_id="r", try_number=1, **values)  # type: ignore[arg-type]


def test_poke_mode_pokes_until_done_in_one_try() -> None:
    answers = iter([False, False, PokeReturnValue(True, {"rows": 3})])
    with DAG("s.poke"):
        sensor = PythonSensor(task_id="s", python_callable=lambda: next(answers), poke_interval=0)
    assert sensor.execute(context()) == {"rows": 3}


def test_reschedule_mode_ends_the_try_with_the_next_poke_time() -> None:
    with DAG("s.reschedule"):
        sensor = PythonSensor(task_id="s", python_callable=lambda: False, poke_interval=30, mode="reschedule")
    before = datetime.now(UTC)
    with pytest.raises(TaskRescheduled) as raised:
        sensor.execute(context())
    assert before + timedelta(seconds=29) < raised.value.reschedule_date < before + timedelta(seconds=31)


def test_timeout_counts_from_the_first_poke_and_fails_or_skips() -> None:
    first_poke = (datetime.now(UTC) - timedelta(seconds=100)).isoformat()
    with DAG("s.timeout"):
        hard = PythonSensor(task_id="hard", python_callable=lambda: False, timeout=60, mode="reschedule")
        soft = PythonSensor(
            task_id="soft", python_callable=lambda: False, timeout=60, mode="reschedule", soft_fail=True
        )
    with pytest.raises(SensorTimeout, match=r"sensor 'hard' timed out after 1\d\ds \(timeout 60s\)"):
        hard.execute(context(sensor_started_at=first_poke))
    with pytest.raises(TaskSkipped, match="sensor 'soft' timed out"):
        soft.execute(context(sensor_started_at=first_poke))


def test_exponential_backoff_grows_and_is_capped_by_max_wait() -> None:
    with DAG("s.backoff"):
        sensor = PythonSensor(
            task_id="s",
            python_callable=lambda: False,
            poke_interval=10,
            exponential_backoff=True,
            max_wait=50,
        )
    waits = [sensor._next_interval(context(), n) for n in (1, 2, 3, 4)]
    assert 10 <= waits[0] < 20 and 20 <= waits[1] < 40 and waits[3] == 50


def test_deferrable_falls_back_to_reschedule_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with DAG("s.deferrable"):
        sensor = PythonSensor(task_id="s", python_callable=lambda: False, deferrable=True)
    assert sensor.mode == "reschedule"
    with pytest.raises(TaskRescheduled):
        sensor.execute(context())
    assert "deferrable=True needs a triggerer" in capsys.readouterr().err


def test_task_sensor_decorator_makes_a_python_sensor() -> None:
    with DAG("s.decorated") as dag:

        @task.sensor(poke_interval=5, mode="reschedule")
        def ready() -> bool:
            return True

        ready()
    sensor = dag.get_task("ready")
    assert isinstance(sensor, PythonSensor) and sensor.mode == "reschedule" and sensor.poke_interval == 5
    assert sensor.execute(context()) is None


def test_time_sensors(tmp_path) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    with DAG("s.time"):
        delta = TimeDeltaSensor(task_id="delta", delta=timedelta(minutes=30))
        until = DateTimeSensor(task_id="until", target_time=(past + timedelta(days=1)).isoformat())
        today = DayOfWeekSensor(
            task_id="day",
            week_day={"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"},
        )
        file = FileSensor(task_id="file", filepath=str(tmp_path / "*.csv"))
    assert delta.poke(context(data_interval_end=past.isoformat())) is True
    assert delta.poke(context(data_interval_end=datetime.now(UTC).isoformat())) is False
    assert until.poke(context()) is False
    assert today.poke(context()) is True
    assert file.poke(context()) is False
    (tmp_path / "a.csv").write_text("x")
    assert file.poke(context()) is True


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (
            lambda: PythonSensor(task_id="s", python_callable=lambda: 1, mode="sometimes"),
            "mode must be 'poke'",
        ),
        (
            lambda: PythonSensor(task_id="s", python_callable=lambda: 1, poke_interval=-1),
            "poke_interval must be",
        ),
        (lambda: DayOfWeekSensor(task_id="s", week_day="funday"), "unknown week_day 'FUNDAY'"),
        (lambda: BashSensor(task_id="s", bash_command=" "), "bash_command must be a non-empty string"),
        (lambda: FileSensor(task_id="s", filepath="/x", fs_conn_id="s3"), "fs_conn_id='s3' is not supported"),
        (
            lambda: DateTimeSensor(task_id="s", target_time="tomorrow"),
            "target_time 'tomorrow' is not ISO-8601",
        ),
    ],
)
def test_bad_sensor_arguments_are_import_errors(make: object, fragment: str) -> None:
    with pytest.raises(DagDefinitionError, match=fragment), DAG("s.bad"):
        make()  # type: ignore[operator]
