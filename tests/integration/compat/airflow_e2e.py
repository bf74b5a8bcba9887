"""An unchanged Airflow 3 style DAG file through the real processor, scheduler and supervisors
(used by the process-runtime test here and the Docker-runtime test in tests/integration/docker).

The expected states are Airflow 3's rules applied by hand to this DAG (each line says which):
branch, short-circuit, group, templating, setup/teardown, none_failed_min_one_success.
"""

from __future__ import annotations

import json

from tests.integration.scheduler.sched_env import SchedulerEnv

DAG_FILE = """
from datetime import datetime

from airflow.sdk import DAG, Label, Param, TaskGroup, setup, task, teardown
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.utils.trigger_rule import TriggerRule

default_args = {"depends_on_past": False, "email_on_failure": False, "retries": 0}

with DAG(
    "compat_e2e",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    default_args=default_args,
    params={"who": Param("nobody", type="string", minLength=2)},
):
    @task.branch
    def choose():
        return "fast"

    fast = BashOperator(task_id="fast", bash_command="echo {{ params.who }} {{ ti.try_number }}")
    slow = EmptyOperator(task_id="slow")
    join = EmptyOperator(task_id="join", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    choose() >> Label("pick") >> [fast, slow] >> join

    with TaskGroup("grp"):
        @task
        def double(n):
            return n * 2

        doubled = double(21)
    join >> doubled

    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
    gate >> EmptyOperator(task_id="gated")

    @setup
    def create():
        return "made"

    @task
    def work():
        raise RuntimeError("boom")

    @teardown
    def delete():
        return "deleted"

    made = create()
    made >> work() >> delete().as_teardown(setups=made)

    @task
    def numbers():
        return [1, 2, 3]

    @task
    def square(x, offset):
        return x * x + offset

    @task
    def add_all(values):
        return sum(values)

    add_all(square.partial(offset=0).expand(x=numbers()))

    @task
    def push_keyed(ti):
        ti.xcom_push(key="note", value={"n": 7})
        return "pushed"

    @task
    def relay():
        return "relayed"

    @task
    def pull_far(ti):
        return [ti.xcom_pull(task_ids="push_keyed", key="note"), ti.xcom_pull(task_ids="push_keyed")]

    push_keyed() >> relay() >> pull_far()

    BashOperator(
        task_id="secrets_in_templates",
        bash_command="echo {{ var.value.greeting }} {{ var.json.settings.n }} {{ conn.warehouse.host }}",
    )
"""

EXPECTED = {
    "choose": "success",
    "fast": "success",  # the branch followed
    "slow": "skipped",  # the branch did not follow it
    "join": "success",  # none_failed_min_one_success over [success, skipped]
    "grp.double": "success",
    "gate": "success",  # a short-circuit that returns False succeeds ...
    "gated": "skipped",  # ... and skips what follows
    "create": "success",
    "work": "failed",
    "delete": "success",  # a teardown runs when its work failed, its setup succeeded
    "numbers": "success",
    "square[0]": "success",  # one task instance per element of numbers' return value
    "square[1]": "success",
    "square[2]": "success",
    "add_all": "success",
    "push_keyed": "success",
    "relay": "success",
    "pull_far": "success",
    "secrets_in_templates": "success",
}

SECRETS_ENV = {  # the environment secrets backend of the supervisors (shared by every team)
    "DAGSEAL_VAR_GREETING": "hello",
    "DAGSEAL_VAR_SETTINGS": '{"n": 3}',
    "DAGSEAL_CONN_WAREHOUSE": "postgres://loader:pw@warehouse.internal:5432/rows",
}


def run_and_check(env: SchedulerEnv) -> None:
    """Parse, refuse a bad conf, trigger, schedule to the end; compare with Airflow's states."""
    env.write_dag(DAG_FILE)
    env.parse()
    refused = env.cli("dags", "trigger", "compat_e2e", "--conf", '{"who": "x"}', check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1].endswith("DAG 'compat_e2e': param 'who': 'x' is too short")
    assert env.run_states() == []
    env.env.update(SECRETS_ENV)
    env.cli("dags", "trigger", "compat_e2e", "--conf", '{"who": "team"}', "--run-id", "r1")
    env.start("scheduler")
    env.wait_for("the run to finish", lambda: env.run_states() in (["success"], ["failed"]), timeout=180)
    states = {
        ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": ti.state
        for ti in env.tis("compat_e2e")
    }
    assert states == EXPECTED, [(ti.task_id, ti.map_index, ti.error) for ti in env.tis() if ti.error]
    assert env.run_states() == ["failed"]  # work failed; the teardown's success does not hide it
    assert json.loads(env.ti("fast").return_value) == "team 1"
    assert json.loads(env.ti("add_all").return_value) == 14  # the mapped values, in map order
    # a keyed XCom and a return value of a task that is not a direct upstream, via the supervisor
    assert json.loads(env.ti("pull_far").return_value) == [{"n": 7}, "pushed"]
    assert json.loads(env.ti("secrets_in_templates").return_value) == "hello 3 warehouse.internal"
    shown = env.cli("tasks", "render", "compat_e2e", "fast", "r1").stdout
    assert shown == "# bash_command\necho team 1\n\n"
