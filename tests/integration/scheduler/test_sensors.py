"""Sensors under the real scheduler (process runtime, SQLite and PostgreSQL): reschedule mode frees
the slot and the sandbox between pokes, timeouts fail or skip, and the issue's parallelism-1 case."""

from __future__ import annotations

import pytest
from sched_env import SchedulerEnv
from sqlalchemy import select

from dagseal.db.models import TaskRescheduleModel
from dagseal.db.session import session_scope

pytestmark = [pytest.mark.integration, pytest.mark.scheduler_settings(core__parallelism="1")]


def reschedules(env: SchedulerEnv) -> list[TaskRescheduleModel]:
    with session_scope(env.factory) as session:
        return list(session.scalars(select(TaskRescheduleModel).order_by(TaskRescheduleModel.id)))


def test_reschedule_sensor_frees_its_slot_between_pokes(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        from dagseal import DAG, FileSensor, PythonOperator

        def touch():
            open("{out}/regular", "w").close()

        with DAG("wait", schedule=None) as dag:
            FileSensor(
                task_id="sensor", filepath="{out}/flag", poke_interval=0.5, mode="reschedule", retries=0
            )
            PythonOperator(task_id="regular", python_callable=touch)
        """
    )
    env.parse()
    env.cli("dags", "trigger", "wait")
    env.start("scheduler")
    env.wait_for("two pokes that said not yet", lambda: len(reschedules(env)) >= 2)
    # with parallelism 1, the regular task could only run because the sensor gave its slot back
    env.wait_for(
        "the regular task", lambda: (env.ti("regular") or None) and env.ti("regular").state == "success"
    )
    sensor = env.ti("sensor")
    assert sensor.state in ("up_for_reschedule", "scheduled", "queued", "running")
    (env.out / "flag").write_text("here")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"])
    sensor = env.ti("sensor")
    pokes = reschedules(env)
    assert sensor.state == "success"
    assert sensor.try_number == len(pokes) + 1  # one try per poke
    assert sensor.max_tries == len(pokes)  # pokes did not use up retries (retries=0)
    assert all(r.reschedule_date > r.end_date for r in pokes)
    log = env.root / "logs" / "wait"
    assert len(list(log.glob("*/sensor/*.log"))) == sensor.try_number


def test_bash_sensor_reschedules_until_its_command_exits_0(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        from dagseal import DAG, BashSensor

        with DAG("bash_wait", schedule=None) as dag:
            BashSensor(
                task_id="sensor", bash_command='test -e "$FLAG"', env={"FLAG": "{out}/flag"},
                poke_interval=0.5, mode="reschedule",
            )
        """
    )
    env.parse()
    env.cli("dags", "trigger", "bash_wait")
    env.start("scheduler")
    env.wait_for("a poke that said not yet", lambda: len(reschedules(env)) >= 1)
    (env.out / "flag").write_text("here")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"])
    assert env.ti("sensor").try_number == len(reschedules(env)) + 1


def test_two_reschedule_sensors_and_a_task_share_parallelism_1(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        from pathlib import Path
        from dagseal import DAG, PythonOperator, task

        def pokes(name):
            path = Path("{out}") / name
            with path.open("a") as handle:
                handle.write("poke\\n")
            return len(path.read_text().splitlines()) >= 3

        with DAG("share", schedule=None) as dag:
            @task.sensor(poke_interval=0.3, mode="reschedule")
            def first():
                return pokes("first")

            @task.sensor(poke_interval=0.3, mode="reschedule")
            def second():
                return pokes("second")

            first()
            second()
            PythonOperator(task_id="regular", python_callable=lambda: None)
        """
    )
    env.parse()
    env.cli("dags", "trigger", "share")
    env.start("scheduler")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    assert {ti.task_id: ti.state for ti in env.tis()} == {
        "first": "success",
        "second": "success",
        "regular": "success",
    }
    assert env.lines("first") == env.lines("second") == ["poke"] * 3


@pytest.mark.parametrize(("soft_fail", "final"), [(False, "failed"), (True, "skipped")])
def test_sensor_timeout_fails_without_retry_or_skips(env: SchedulerEnv, soft_fail: bool, final: str) -> None:
    env.write_dag(
        f"""
        from dagseal import DAG, PythonSensor

        with DAG("late", schedule=None) as dag:
            PythonSensor(
                task_id="never", python_callable=lambda: False, poke_interval=0.4, timeout=1.5,
                mode="reschedule", soft_fail={soft_fail}, retries=3,
            )
        """
    )
    env.parse()
    env.cli("dags", "trigger", "late")
    env.start("scheduler")
    env.wait_for("the sensor to end", lambda: env.ti("never") and env.ti("never").state == final, timeout=120)
    never = env.ti("never")
    assert "sensor 'never' timed out after" in (never.error or "")
    assert len(reschedules(env)) >= 2
