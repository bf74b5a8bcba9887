"""Reliability against a real DB, through the real CLI processes (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from sched_env import ZOMBIE_INTERVAL, ZOMBIE_THRESHOLD, SchedulerEnv, children_of, process_alive
from sqlalchemy import func, select

from dagseal.db.models import CallbackRequestModel, JobModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.timeutil import utcnow


def test_killed_scheduler_restarts_and_no_try_runs_twice(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        import time
        from dagseal import DAG, PythonOperator, chain

        def work(name):
            def run():
                with open("{out}/" + name, "a") as handle:
                    handle.write("ran\\n")
                time.sleep(1.0)
            return run

        with DAG("restart", schedule=None) as dag:
            for lane in "ab":
                ids = [f"{lane}{i}" for i in range(4)]
                chain(*[PythonOperator(task_id=name, python_callable=work(name)) for name in ids])
        """
    )
    env.parse()
    env.cli("dags", "trigger", "restart")
    first = env.start("scheduler")
    env.wait_for(
        "two successes and a running try",
        lambda: (
            sum(ti.state == "success" for ti in env.tis()) >= 2
            and any(ti.state == "running" for ti in env.tis())
        ),
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    env.start("scheduler")
    env.wait_for("the run to succeed", lambda: env.run_states() == ["success"], timeout=120)
    tis = env.tis()
    assert len(tis) == 8
    assert {ti.state for ti in tis} == {"success"}
    assert [ti.try_number for ti in tis] == [1] * 8
    for ti in tis:
        assert env.lines(ti.task_id) == ["ran"], f"{ti.task_id} ran {len(env.lines(ti.task_id))} times"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.scheduler_settings(scheduler__zombie_threshold="30")  # live though a loaded host delays a beat
def test_sqlite_refuses_a_second_live_scheduler(env: SchedulerEnv) -> None:
    env.start("scheduler")
    env.wait_for("the first scheduler's job row", lambda: scheduler_jobs(env) == 1)
    second = env.cli("scheduler", "--num-runs", "1", check=False)
    assert second.returncode == 1
    assert "another scheduler" in second.stderr and "SQLite supports one scheduler" in second.stderr


def scheduler_jobs(env: SchedulerEnv) -> int:
    with session_scope(env.factory) as session:
        return session.scalar(
            select(func.count())
            .select_from(JobModel)
            .where(JobModel.job_type == "SchedulerJob", JobModel.state == "running")
        )


def callbacks_left(env: SchedulerEnv) -> int:
    """Callback requests not yet run and recorded. Once none is left no callback can run again: a
    row is deleted only after its callback ran, and the runs here have ended (no new rows)."""
    with session_scope(env.factory) as session:
        return session.scalar(select(func.count()).select_from(CallbackRequestModel))


def test_killed_supervisor_is_a_zombie_then_retries_and_callbacks_run_once(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        import time
        from datetime import timedelta
        from dagseal import DAG, PythonOperator

        def record(kind):
            def callback(context):
                with open("{out}/" + kind, "a") as handle:
                    handle.write(f"{context['task_id']} try {context['try_number']}\\n")
            return callback

        def slow():
            time.sleep(120)

        with DAG("zombie", schedule=None) as dag:
            PythonOperator(
                task_id="victim", python_callable=slow, retries=1, retry_delay=timedelta(seconds=1),
                on_retry_callback=record("retry"), on_failure_callback=record("failure"),
            )
        """
    )
    env.parse()
    env.cli("dags", "trigger", "zombie")
    env.start("dag-processor", "--subdir", str(env.repo))
    env.start("scheduler")
    bound = ZOMBIE_THRESHOLD + ZOMBIE_INTERVAL + 2.0  # + one scheduler pass and the DB round trips
    for try_number, after_state in ((1, "up_for_retry"), (2, "failed")):
        victim = env.wait_for(
            f"try {try_number} running",
            lambda n=try_number: (
                (ti := env.ti("victim")) and ti.state == "running" and ti.try_number == n and ti
            ),
        )
        sandboxes = children_of(victim.pid)
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        env.wait_for(
            f"zombie try {try_number} → {after_state}", lambda s=after_state: env.ti("victim").state == s
        )
        assert time.monotonic() - killed <= bound
        assert "zombie" in env.ti("victim").error
        for pid in sandboxes:  # the process runtime may leave the orphaned sandbox group running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    env.wait_for("both callbacks", lambda: env.lines("retry") and env.lines("failure"), timeout=30)
    env.wait_for("every callback recorded", lambda: callbacks_left(env) == 0, timeout=30)
    assert env.lines("retry") == ["victim try 1"]
    assert env.lines("failure") == ["victim try 2"]


def test_process_groups_timeouts_and_the_setsid_hole(env: SchedulerEnv) -> None:
    env.write_dag(
        """
        import subprocess, time
        from datetime import timedelta
        from dagseal import DAG, PythonOperator

        def start(command, name):
            child = subprocess.Popen(command)
            with open("{out}/" + name, "w") as handle:
                handle.write(str(child.pid))

        def hang():
            start(["sleep", "300"], "hang.pid")
            time.sleep(300)

        def leave():
            start(["sleep", "300"], "leave.pid")

        def detach():
            start(["setsid", "sleep", "300"], "detach.pid")

        with DAG("groups", schedule=None) as dag:
            PythonOperator(task_id="hang", python_callable=hang, execution_timeout=timedelta(seconds=2))
            PythonOperator(task_id="leave", python_callable=leave)
            PythonOperator(task_id="detach", python_callable=detach)
        """
    )
    env.parse()
    env.cli("dags", "trigger", "groups")
    env.start("scheduler")
    env.wait_for("the run to finish", lambda: env.run_states() == ["failed"], timeout=60)
    states = {ti.task_id: ti for ti in env.tis()}
    assert states["hang"].state == "failed" and "timed out" in states["hang"].error
    assert states["leave"].state == "success" and states["detach"].state == "success"
    pids = {name: int(env.lines(f"{name}.pid")[0]) for name in ("hang", "leave", "detach")}
    assert not process_alive(pids["hang"]), "execution_timeout must kill the whole process group"
    assert not process_alive(pids["leave"]), "a child left in the group dies with the try"
    # The documented hole of the process runtime: a deliberately detached grandchild survives.
    assert process_alive(pids["detach"])
    os.kill(pids["detach"], signal.SIGKILL)


@pytest.mark.postgres
@pytest.mark.timeout(900)
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_fifty_concurrent_runs_on_postgres(tmp_path: Path, migrated_db_url: str) -> None:
    env = SchedulerEnv(tmp_path, migrated_db_url, core__parallelism="8")
    try:
        env.write_dag(
            """
            from dagseal import DAG, PythonOperator

            def noop():
                return None

            def record(name):
                def callback(context):
                    with open("{out}/" + name, "a") as handle:
                        handle.write(context["run_id"] + "\\n")
                return callback

            with DAG("fanout", schedule=None, max_active_runs=50, on_success_callback=record("dag")) as dag:
                first = PythonOperator(task_id="first", python_callable=noop)
                middle = [PythonOperator(task_id=f"m{i}", python_callable=noop) for i in range(8)]
                last = PythonOperator(
                    task_id="last", python_callable=noop, on_success_callback=record("task")
                )
                first >> middle >> last
            """
        )
        env.parse()
        with session_scope(env.factory) as session:
            placement = Placement(PlacementSettings())
            run_ids = {
                trigger_dag(session, "fanout", {}, utcnow(), placement, run_id=f"r{i:02d}").run_id
                for i in range(50)
            }
        env.start("dag-processor", "--subdir", str(env.repo))
        env.start("scheduler")
        env.wait_for("50 successful runs", lambda: env.run_states() == ["success"] * 50, timeout=800)
        assert len(env.tis()) == 500 and {ti.state for ti in env.tis()} == {"success"}
        env.wait_for("every callback recorded", lambda: callbacks_left(env) == 0, timeout=120)
        assert sorted(env.lines("dag")) == sorted(run_ids)
        assert sorted(env.lines("task")) == sorted(run_ids)
    finally:
        env.close()
