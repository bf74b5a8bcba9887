"""Callbacks are never lost: kill the scheduler or a supervisor right after each commit point.

``DAGSEAL_TEST_EXIT_AFTER_COMMIT`` makes the process ``os._exit`` right after committing the named
state change, as a crash would. A killed scheduler is restarted; a killed supervisor's try is
picked up by zombie detection (or was already recorded). Then every callback the final states call
for has run exactly once. The one allowed exception is the processor's own window: a processor
embedded in a killed scheduler may have run a callback without deleting its row yet, so callbacks
whose rows were still there when it died may run twice (docs/architecture.md, "Callbacks").

The twelve scenarios (six kill points, standalone and embedded processor) run side by side, each in
its own installation and database, so the one test per backend waits for the slowest scenario
instead of the sum of all twelve.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sched_env import SchedulerEnv
from sqlalchemy import func, select

from dagseal.db.models import CallbackClaimModel, CallbackRequestModel, DagModel, DagRunModel
from dagseal.db.session import session_scope
from dagseal.lifecycle.commit_points import COMMIT_POINTS, EXIT_AFTER_COMMIT_ENV, EXIT_CODE
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.timeutil import utcnow

pytestmark = pytest.mark.timeout(300)

DAGS = """
import time
from datetime import timedelta
from dagseal import DAG, PythonOperator

def record(context):
    line = [context["callback_kind"], context["dag_id"], context["task_id"], context.get("try_number")]
    with open("{out}/callbacks", "a") as handle:
        handle.write(" ".join(str(part) for part in line) + "\\n")

def ok():
    return 1

def bad():
    raise ValueError("always fails")

def sleep():
    time.sleep(60)

with DAG("faults", schedule=None, on_success_callback=record, on_failure_callback=record):
    PythonOperator(
        task_id="ok", python_callable=ok, on_success_callback=record, on_failure_callback=record
    )
    PythonOperator(
        task_id="flaky", python_callable=bad, retries=1, retry_delay=timedelta(seconds=0),
        on_retry_callback=record, on_failure_callback=record,
    )

with DAG(
    "timeout", schedule=None, dagrun_timeout=timedelta(seconds=2), on_failure_callback=record
):
    PythonOperator(task_id="sleeper", python_callable=sleep)
"""

DAG_IDS = ("faults", "timeout")

# What to kill: the scheduler needs a zombie before it can die after handling one.
TARGETS = {point: point for point in COMMIT_POINTS} | {
    "scheduler.zombies": "supervisor.claim,scheduler.zombies"
}


def pending_keys(env: SchedulerEnv) -> set[str]:
    """The callbacks whose requests are still rows (not yet run and recorded)."""
    with session_scope(env.factory) as session:
        rows = session.scalars(select(CallbackRequestModel.callback_data)).all()
    return {_key(data["kind"], data["dag_id"], data.get("task_id"), data.get("try_number")) for data in rows}


def _key(kind: str, dag_id: str, task_id: str | None, try_number: int | None) -> str:
    return f"{kind} {dag_id} {task_id} {try_number}"


def expected_callbacks(env: SchedulerEnv) -> Counter[str]:
    """The callbacks the final states call for, once each."""
    expected: Counter[str] = Counter()
    for ti in env.tis("faults"):
        if ti.task_id == "flaky":  # every try before the last went up for retry
            expected.update(_key("task_retry", "faults", "flaky", n) for n in range(1, ti.try_number))
        if ti.state in ("success", "failed"):
            kind = "task_success" if ti.state == "success" else "task_failure"
            expected[_key(kind, "faults", ti.task_id, ti.try_number)] += 1
    with session_scope(env.factory) as session:
        for dag_id, state in session.execute(select(DagRunModel.dag_id, DagRunModel.state)):
            kind = "dag_success" if state == "success" else "dag_failure"
            expected[_key(kind, dag_id, None, None)] += 1
    return expected


def all_done(env: SchedulerEnv) -> bool:
    if sorted(env.run_states()) != ["failed", "failed"]:
        return False
    with session_scope(env.factory) as session:
        rows = session.scalar(select(func.count()).select_from(CallbackRequestModel))
        claims = session.scalar(select(func.count()).select_from(CallbackClaimModel))
    return rows == 0 and claims == 0


def dead_supervisors(env: SchedulerEnv) -> int:
    """Supervisors the hook killed, as the schedulers logged them (a kill after the record leaves
    no row behind: that commit ended the supervisor's job too)."""
    logs = [path.read_text(errors="replace") for path in env.root.glob("scheduler-*.log")]
    return sum(text.count(f"supervisor exited with code {EXIT_CODE} after claiming") for text in logs)


def parsed(env: SchedulerEnv) -> bool:
    """Both DAGs have a serialized version to trigger."""
    with session_scope(env.factory) as session:
        hashes = session.scalars(select(DagModel.latest_dag_hash).where(DagModel.dag_id.in_(DAG_IDS))).all()
    return len(hashes) == len(DAG_IDS) and all(hashes)


def trigger_both(env: SchedulerEnv) -> None:
    """``dags trigger`` for both DAGs, in this process (two CLI start-ups saved per scenario)."""
    placement = Placement(PlacementSettings())
    with session_scope(env.factory) as session:
        for dag_id in DAG_IDS:
            trigger_dag(session, dag_id, {}, utcnow(), placement)


def kill_and_recover(point: str, env: SchedulerEnv) -> None:
    """Kill at ``point``, restart what died, and check every callback ran once (or twice where allowed)."""
    env.write_dag(DAGS)
    embedded = env.env["DAGSEAL__SCHEDULER__STANDALONE_DAG_PROCESSOR"] == "False"
    if not embedded:
        env.start("dag-processor", "--subdir", str(env.repo))
    env.env[EXIT_AFTER_COMMIT_ENV] = TARGETS[point]
    first = env.start("scheduler")
    env.wait_for("both DAGs to be parsed", lambda: parsed(env), 120)
    trigger_both(env)
    may_repeat: set[str] = set()
    if point.startswith("scheduler."):
        assert first.wait(120) == EXIT_CODE, f"the scheduler did not die at {point}; logs in {env.root}"
        if embedded:  # its processor died too: callbacks it had not recorded may run again
            may_repeat = pending_keys(env)
        del env.env[EXIT_AFTER_COMMIT_ENV]
        env.start("scheduler")
    env.wait_for("both runs to end and every callback to be recorded", lambda: all_done(env), 150)
    if point.startswith("supervisor."):
        assert dead_supervisors(env) > 0, f"no supervisor died at {point}"

    ran = Counter(env.lines("callbacks"))
    expected = expected_callbacks(env)
    assert set(ran) == set(expected), (
        f"ran {sorted(ran)}, expected {sorted(expected)} after a kill at {point}"
    )
    for key, times in ran.items():
        allowed = 2 if key in may_repeat else 1
        assert 1 <= times <= allowed, f"{key} ran {times} times after a kill at {point}"


def test_every_callback_runs_once_after_a_kill_at_each_commit_point(
    tmp_path: Path, new_migrated_db_url: Callable[[], str]
) -> None:
    scenarios = [(point, standalone) for point in sorted(COMMIT_POINTS) for standalone in (True, False)]
    envs = [
        SchedulerEnv(
            tmp_path / f"{point}-{'standalone' if standalone else 'embedded'}",
            new_migrated_db_url(),
            scheduler__standalone_dag_processor=str(standalone),
        )
        for point, standalone in scenarios
    ]
    try:
        with ThreadPoolExecutor(len(scenarios)) as pool:
            outcomes = [
                pool.submit(kill_and_recover, point, env)
                for (point, _), env in zip(scenarios, envs, strict=True)
            ]
        errors = [(env.root.name, outcome.exception()) for env, outcome in zip(envs, outcomes, strict=True)]
        failures = [f"{name}: {type(error).__name__}: {error}" for name, error in errors if error is not None]
    finally:
        for env in envs:
            env.close()
    assert not failures, "\n".join(failures)
