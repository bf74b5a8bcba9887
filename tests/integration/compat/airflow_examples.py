"""Conformance: Airflow's own example DAGs, unchanged, give the task states Airflow 3.3 gives.

The example files come from the ``apache-airflow-core`` and ``apache-airflow-providers-standard``
wheels, downloaded at test time with ``pip download --no-deps`` of pinned versions and checked
against their SHA-256 (never copied into this repository).

How EXPECTED was obtained: Airflow 3.3.2 (with apache-airflow-providers-standard 1.21.0) installed
in a throwaway virtualenv under /tmp (``python3.11 -m venv /tmp/af33 && /tmp/af33/bin/pip install
apache-airflow==3.3.2``), ``AIRFLOW__CORE__DAGS_FOLDER`` pointing at the INCLUDED files only,
``airflow db migrate``, then ``airflow dags test <dag_id> 2024-01-02`` for every DAG id below, and
``select dag_id, task_id, map_index, state from task_instance`` on its SQLite database. No state
was written by hand or taken from documentation.

Used by test_airflow_examples.py (process runtime) and tests/integration/docker/
test_docker_airflow_examples.py (containers).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.integration.scheduler.sched_env import SchedulerEnv

# (distribution, version, wheel file name, sha256, folder of the examples inside the wheel)
WHEELS = (
    (
        "apache-airflow-core",
        "3.3.2",
        "apache_airflow_core-3.3.2-py3-none-any.whl",
        "99258922bccec15be4700ff89f3c942b8acd93407e263c287ce863e671bb3c50",
        "airflow/example_dags/",
    ),
    (
        "apache-airflow-providers-standard",
        "1.21.0",
        "apache_airflow_providers_standard-1.21.0-py3-none-any.whl",
        "12969f10b7735f46dfa1d4f48675ca19dce46bbaa3a68d42c0fdb94eca4cff25",
        "airflow/providers/standard/example_dags/",
    ),
)

# Example files run end to end (with the template files they read, sql/*.sql).
INCLUDED = (
    "tutorial.py",
    "tutorial_taskflow_api.py",
    "tutorial_taskflow_templates.py",
    "example_xcomargs.py",
    "example_xcom.py",
    "tutorial_dag.py",
    "example_task_group.py",
    "example_task_group_decorator.py",
    "example_dynamic_task_mapping.py",
    "example_dynamic_task_mapping_with_no_taskflow_operators.py",
    "example_short_circuit_operator.py",
    "example_short_circuit_decorator.py",
    "example_complex.py",
    "example_setup_teardown.py",
    "example_setup_teardown_taskflow.py",
    "example_skip_dag.py",
    "example_nested_branch_dag.py",
    "example_bash_operator.py",
    "example_params_trigger_ui.py",
    "example_passing_params_via_test_command.py",
    "example_branch_labels.py",
    "example_simplest_dag.py",
    "example_display_name.py",
    "example_failed_dag.py",
    "example_measurement_correction_decorator.py",
    "example_measurement_correction_operator.py",
)

_ASSETS = "asset aliases, asset events or watchers (not supported), or assets: not in this run yet"
_NOT_RECORDED = "runs since the scheduling issue landed; Airflow 3.3.2's states not recorded here yet"
_SENSORS = f"sensors (deferrable ones in reschedule mode): {_NOT_RECORDED}"
_VENV = "creates a virtualenv or runs another Python at run time: the team's image is the environment"
_K8S = "Kubernetes executor configuration: dagseal runs tasks in its own runtimes"
EXCLUDED = {
    "example_params_ui_tutorial.py": "a required param without default: Airflow's `dags test` refuses it "
    "without a conf, as `dagseal dags trigger` does (tests/integration/scheduler/test_run_params.py)",
    "example_asset_alias.py": _ASSETS,
    "example_asset_alias_with_no_taskflow.py": _ASSETS,
    "example_asset_allow_teams.py": _ASSETS,
    "example_asset_decorator.py": _ASSETS,
    "example_asset_partition.py": _ASSETS,
    "example_asset_state_store.py": _ASSETS,
    "example_asset_with_watchers.py": _ASSETS,
    "example_assets.py": _ASSETS,
    "example_inlet_event_extra.py": _ASSETS,
    "example_outlet_event_extra.py": _ASSETS,
    "example_kubernetes_executor.py": _K8S,
    "example_local_kubernetes_executor.py": _K8S,
    "tutorial_taskflow_api_virtualenv.py": _VENV,
    "example_python_decorator.py": _VENV,
    "example_python_operator.py": _VENV,
    "example_branch_operator.py": _VENV,
    "example_branch_operator_decorator.py": _VENV,
    "example_sensors.py": _SENSORS,
    "example_sensor_decorator.py": _SENSORS,
    "example_time_delta_sensor_async.py": _SENSORS,
    "example_external_task_marker_dag.py": _SENSORS,
    "example_external_task_parent_deferrable.py": _SENSORS,
    "example_external_task_child_deferrable.py": "half of a parent/child pair whose parent needs sensors",
    "example_dag_decorator.py": "fetches a URL at run time (network; httpx is not in the image)",
    "tutorial_objectstorage.py": "object storage over the network (ObjectStoragePath)",
    "example_custom_weight.py": "imports an Airflow plugin (priority weight) from airflow.example_dags",
    "example_workday_timetable.py": "imports an Airflow plugin (timetable) from airflow.example_dags",
    "example_retry_policy.py": "ExceptionRetryPolicy: not supported by dagseal yet",
    "example_branch_python_dop_operator_3.py": f"depends_on_past=True: {_NOT_RECORDED}",
    "example_task_state_store.py": "task state store (airflow.sdk.execution_time): not yet",
    "example_task_state_store_async.py": "task state store: not supported by dagseal yet",
    "example_task_state_store_mapped.py": "task state store: not supported by dagseal yet",
    "example_bash_decorator.py": "WeekDay, BranchDayOfWeekOperator (standard.utils): not yet",
    "example_branch_datetime_operator.py": "BranchDateTimeOperator: not supported by dagseal yet",
    "example_branch_day_of_week_operator.py": "BranchDayOfWeekOperator: not supported by dagseal yet",
    "example_latest_only.py": f"LatestOnlyOperator: {_NOT_RECORDED}",
    "example_latest_only_with_trigger.py": f"LatestOnlyOperator: {_NOT_RECORDED}",
    "example_trigger_controller_dag.py": f"TriggerDagRunOperator: {_NOT_RECORDED}",
    "example_trigger_target_dag.py": "the target of TriggerDagRunOperator (excluded with its controller)",
    "example_hitl_operator.py": "human-in-the-loop operators: not supported by dagseal yet",
}

# dag_id -> {task_id or "task_id[map_index]": final state}, from Airflow 3.3.2 (see the docstring).
EXPECTED: dict[str, dict[str, str]] = {
    "example_bash_operator": {
        "also_run_this": "success",
        "describe_dag_folder": "success",
        "run_after_loop": "success",
        "run_this_last": "skipped",
        "runme_0": "success",
        "runme_1": "success",
        "runme_2": "success",
        "show_dag_folder_stats": "success",
        "this_will_skip": "skipped",
    },
    "example_branch_labels": {
        "analyze": "success",
        "check_integrity": "success",
        "describe_integrity": "success",
        "email_error": "success",
        "ingest": "success",
        "report": "success",
        "save": "success",
    },
    "example_complex": {
        "create_entry_gcs": "success",
        "create_entry_gcs_result": "success",
        "create_entry_gcs_result2": "success",
        "create_entry_group": "success",
        "create_entry_group_result": "success",
        "create_entry_group_result2": "success",
        "create_tag": "success",
        "create_tag_result": "success",
        "create_tag_result2": "success",
        "create_tag_template": "success",
        "create_tag_template_field": "success",
        "create_tag_template_field_result": "success",
        "create_tag_template_field_result2": "success",
        "create_tag_template_result": "success",
        "create_tag_template_result2": "success",
        "delete_entry": "success",
        "delete_entry_group": "success",
        "delete_tag": "success",
        "delete_tag_template": "success",
        "delete_tag_template_field": "success",
        "get_entry": "success",
        "get_entry_group": "success",
        "get_entry_group_result": "success",
        "get_entry_result": "success",
        "get_tag_template": "success",
        "get_tag_template_result": "success",
        "list_tags": "success",
        "list_tags_result": "success",
        "lookup_entry": "success",
        "lookup_entry_result": "success",
        "rename_tag_template_field": "success",
        "search_catalog": "success",
        "search_catalog_result": "success",
        "update_entry": "success",
        "update_tag": "success",
        "update_tag_template": "success",
        "update_tag_template_field": "success",
    },
    "example_display_name": {
        "sample_task_1": "success",
        "sample_task_2": "success",
    },
    "example_dynamic_task_mapping": {
        "add_one[0]": "success",
        "add_one[1]": "success",
        "add_one[2]": "success",
        "sum_it": "success",
    },
    "example_dynamic_task_mapping_with_no_taskflow_operators": {
        "add_one[0]": "success",
        "add_one[1]": "success",
        "add_one[2]": "success",
        "sum_it": "success",
    },
    "example_failed_dag": {
        "fail_task": "failed",
    },
    "example_measurement_correction_decorator": {
        "apply_correction": "success",
        "read_measurement": "success",
        "store_result": "success",
        "validate_measurement": "success",
    },
    "example_measurement_correction_operator": {
        "apply_correction": "success",
        "read_measurement": "success",
        "store_result": "success",
        "validate_measurement": "success",
    },
    "example_nested_branch_dag": {
        "branch_1": "success",
        "branch_2": "skipped",
        "false_1": "skipped",
        "false_2": "skipped",
        "false_3": "skipped",
        "join_1": "success",
        "join_2": "skipped",
        "true_1": "success",
        "true_2": "skipped",
    },
    "example_params_trigger_ui": {
        "generate_english_greeting[0]": "success",
        "generate_english_greeting[1]": "success",
        "generate_english_greeting[2]": "success",
        "generate_french_greeting[0]": "success",
        "generate_french_greeting[1]": "success",
        "generate_french_greeting[2]": "success",
        "generate_german_greeting[0]": "success",
        "generate_german_greeting[1]": "success",
        "generate_german_greeting[2]": "success",
        "get_names": "success",
        "print_greetings": "success",
        "select_languages": "success",
    },
    "example_passing_params_via_test_command": {
        "also_run_this": "failed",
        "env_var_test_task": "success",
        "run_this": "success",
    },
    "example_setup_teardown": {
        "normal": "success",
        "root_setup": "success",
        "root_teardown": "success",
        "section_1.normal": "success",
        "section_1.taskgroup_setup": "success",
        "section_1.taskgroup_teardown": "success",
    },
    "example_setup_teardown_taskflow": {
        "my_first_task": "success",
        "my_second_task": "success",
        "my_third_task": "success",
        "outer_setup": "success",
        "outer_teardown": "success",
        "outer_work": "success",
        "section_1.inner_setup": "success",
        "section_1.inner_teardown": "success",
        "section_1.inner_work": "success",
    },
    "example_short_circuit_decorator": {
        "condition_is_false": "success",
        "condition_is_true": "success",
        "false_1": "skipped",
        "false_2": "skipped",
        "short_circuit": "success",
        "task_1": "success",
        "task_2": "success",
        "task_3": "success",
        "task_4": "skipped",
        "task_5": "success",
        "task_6": "skipped",
        "task_7": "success",
        "true_1": "success",
        "true_2": "success",
    },
    "example_short_circuit_operator": {
        "condition_is_False": "success",
        "condition_is_True": "success",
        "false_1": "skipped",
        "false_2": "skipped",
        "short_circuit": "success",
        "task_1": "success",
        "task_2": "success",
        "task_3": "success",
        "task_4": "skipped",
        "task_5": "success",
        "task_6": "skipped",
        "task_7": "success",
        "true_1": "success",
        "true_2": "success",
    },
    "example_simplest_dag": {
        "my_task": "success",
    },
    "example_skip_dag": {
        "all_success": "skipped",
        "always_true_1": "success",
        "always_true_2": "success",
        "final_1": "skipped",
        "final_2": "success",
        "one_success": "success",
        "skip_operator_1": "skipped",
        "skip_operator_2": "skipped",
    },
    "example_task_group": {
        "end": "success",
        "section_1.task_1": "success",
        "section_1.task_2": "success",
        "section_1.task_3": "success",
        "section_2.inner_section_2.task_2": "success",
        "section_2.inner_section_2.task_3": "success",
        "section_2.inner_section_2.task_4": "success",
        "section_2.task_1": "success",
        "start": "success",
    },
    "example_task_group_decorator": {
        "task_end": "success",
        "task_group_function.task_1": "success",
        "task_group_function.task_2": "success",
        "task_group_function.task_3": "success",
        "task_group_function__1.task_1": "success",
        "task_group_function__1.task_2": "success",
        "task_group_function__1.task_3": "success",
        "task_group_function__2.task_1": "success",
        "task_group_function__2.task_2": "success",
        "task_group_function__2.task_3": "success",
        "task_group_function__3.task_1": "success",
        "task_group_function__3.task_2": "success",
        "task_group_function__3.task_3": "success",
        "task_group_function__4.task_1": "success",
        "task_group_function__4.task_2": "success",
        "task_group_function__4.task_3": "success",
        "task_start": "success",
    },
    "example_task_group_mapping": {
        "op.add_1[0]": "success",
        "op.add_1[1]": "success",
        "op.add_1[2]": "success",
        "op.mul_2[0]": "success",
        "op.mul_2[1]": "success",
        "op.mul_2[2]": "success",
    },
    "example_task_mapping_second_order": {
        "add_10[0]": "success",
        "add_10[1]": "success",
        "add_10[2]": "success",
        "get_nums": "success",
        "times_2[0]": "success",
        "times_2[1]": "success",
        "times_2[2]": "success",
    },
    "example_xcom": {
        "bash_pull": "success",
        "bash_push": "success",
        "pull_value_from_bash_push": "success",
        "puller": "success",
        "push": "success",
        "push_by_returning": "success",
    },
    "example_xcom_args": {
        "generate_value": "success",
        "print_value": "success",
    },
    "example_xcom_args_with_operators": {
        "c": "success",
        "d": "success",
        "print_value": "success",
        "print_value__1": "success",
    },
    "tutorial_dag": {
        "extract": "success",
        "load": "success",
        "transform": "success",
    },
    "tutorial": {
        "print_date": "success",
        "sleep": "success",
        "templated": "success",
    },
    "tutorial_taskflow_api": {
        "extract": "success",
        "load": "success",
        "transform": "success",
    },
    "tutorial_taskflow_templates": {
        "template_test": "success",
    },
}


# The goal list (file -> its DAG ids): what the containerized run repeats, to keep CI short;
# the process runtime runs every INCLUDED file.
GOAL = {
    "tutorial.py": ("tutorial",),
    "tutorial_taskflow_api.py": ("tutorial_taskflow_api",),
    "tutorial_taskflow_templates.py": ("tutorial_taskflow_templates",),
    "example_xcom.py": ("example_xcom",),
    "example_xcomargs.py": ("example_xcom_args", "example_xcom_args_with_operators"),
    "example_task_group.py": ("example_task_group",),
    "example_task_group_decorator.py": ("example_task_group_decorator",),
    "example_dynamic_task_mapping.py": (
        "example_dynamic_task_mapping",
        "example_task_mapping_second_order",
        "example_task_group_mapping",
    ),
    "example_short_circuit_operator.py": ("example_short_circuit_operator",),
    "example_short_circuit_decorator.py": ("example_short_circuit_decorator",),
    "example_complex.py": ("example_complex",),
    "example_setup_teardown.py": ("example_setup_teardown",),
    "example_skip_dag.py": ("example_skip_dag",),
    "example_nested_branch_dag.py": ("example_nested_branch_dag",),
    "example_bash_operator.py": ("example_bash_operator",),
    "example_params_trigger_ui.py": ("example_params_trigger_ui",),
    "example_branch_labels.py": ("example_branch_labels",),
}


def fetch_examples(cache: Path, dest: Path, run: tuple[str, ...] = INCLUDED) -> list[str]:
    """Download the pinned wheels into ``cache`` (hash-checked), unpack the example DAG files in
    ``run`` and their ``sql/`` templates into ``dest``; returns every example file name found."""
    found: list[str] = []
    for distribution, version, filename, sha256, folder in WHEELS:
        wheel = cache / filename
        if not wheel.exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--dest",
                    str(cache),
                    f"{distribution}=={version}",
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert digest == sha256, f"{filename}: sha256 {digest}, pinned {sha256}"
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                relative = name[len(folder) :]
                if not name.startswith(folder) or name.endswith("/") or relative == "__init__.py":
                    continue
                if "/" not in relative:
                    found.append(relative)
                    if relative not in run:
                        continue
                elif not relative.startswith("sql/") or not relative.endswith(".sql"):
                    continue
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.parent.chmod(0o755)
                target.write_bytes(archive.read(name))
                target.chmod(0o644)
    return sorted(found)


RUN_ID = "conformance"


def _tis(env: SchedulerEnv) -> list:
    """Task instances of the triggered runs (scheduled runs of the examples' schedules are ignored)."""
    return [ti for ti in env.tis() if ti.run_id == RUN_ID]


def _finished(env: SchedulerEnv, expected: int) -> bool:
    from sqlalchemy import select

    from dagseal.db.models import DagRunModel
    from dagseal.db.session import session_scope

    with session_scope(env.factory) as session:
        states = list(session.scalars(select(DagRunModel.state).where(DagRunModel.run_id == RUN_ID)))
    return len(states) == expected and set(states) <= {"success", "failed"}


def run_examples(env: SchedulerEnv, cache: Path, goal_only: bool = False) -> None:
    """Every example file is included or excluded with a reason; the included ones (``goal_only``:
    the GOAL ones) run to the states Airflow gives. Prints the closing note "N of M examples match"."""
    assert set(GOAL) <= set(INCLUDED)
    expected = (
        {dag_id: EXPECTED[dag_id] for dag_ids in GOAL.values() for dag_id in dag_ids}
        if goal_only
        else EXPECTED
    )
    found = fetch_examples(cache, env.repo, tuple(GOAL) if goal_only else INCLUDED)
    assert set(found) == set(INCLUDED) | set(EXCLUDED), "a new or removed example: classify it"
    assert not set(INCLUDED) & set(EXCLUDED)
    env.parse()
    for dag_id in expected:
        env.cli("dags", "trigger", dag_id, "--run-id", RUN_ID)
    env.start("scheduler")
    try:
        env.wait_for("every example run to finish", lambda: _finished(env, len(expected)), timeout=480)
    except AssertionError as exc:
        open_tis = [
            (ti.dag_id, ti.task_id, ti.map_index, ti.state, ti.error)
            for ti in _tis(env)
            if ti.state not in ("success", "failed", "skipped", "upstream_failed")
        ]
        raise AssertionError(f"{exc}; unfinished task instances: {open_tis}") from None
    actual: dict[str, dict[str, str]] = {}
    for ti in _tis(env):
        key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        actual.setdefault(ti.dag_id, {})[key] = ti.state or "none"
    matching = [dag_id for dag_id, states in expected.items() if actual.get(dag_id) == states]
    ran = len(GOAL) if goal_only else len(INCLUDED)
    print(
        f"\nconformance: {len(matching)} of {len(expected)} example DAGs match Airflow 3.3.2 "
        f"({ran} example files run, {len(EXCLUDED)} excluded with reasons)"
    )
    wrong = {
        dag_id: {
            key: (state, actual.get(dag_id, {}).get(key))
            for key, state in states.items()
            if actual.get(dag_id, {}).get(key) != state
        }
        for dag_id, states in expected.items()
        if dag_id not in matching
    }
    assert not wrong, f"(expected, dagseal) per task: {wrong}"
