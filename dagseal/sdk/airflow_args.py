"""Airflow 3 arguments dagseal does not implement yet: allowed only at a value where they change nothing.

A migrated DAG must not run with different semantics unnoticed, so any other value is a parse-time
error naming the argument, the task (or DAG) and where it came from (argument or default_args).
"""

from collections.abc import Mapping
from typing import Any

from dagseal.sdk.exceptions import DagDefinitionError

_EMPTY: tuple[Any, ...] = (None, [], {}, ())

# name -> values at which the argument has no effect in Airflow either.
TASK_INERT: dict[str, tuple[Any, ...]] = {
    "ignore_first_depends_on_past": (True,),
    "wait_for_past_depends_before_skipping": (False,),
    "start_date": (None,),
    "end_date": (None,),
    "executor": (None,),
    "executor_config": _EMPTY,
    "run_as_user": (None,),
    "resources": (None,),
    "inlets": _EMPTY,
    "map_index_template": (None,),
    "on_execute_callback": _EMPTY,
    "on_skipped_callback": _EMPTY,
    "pre_execute": (None,),
    "post_execute": (None,),
    "logger_name": (None,),
    "allow_nested_operators": (True,),
    "email_on_failure": (False,),
    "email_on_retry": (False,),
    "email": _EMPTY,
}

DAG_INERT: dict[str, tuple[Any, ...]] = {
    "max_consecutive_failed_dag_runs": (0,),
    "access_control": _EMPTY,
    "is_paused_upon_creation": (None,),
    "owner_links": _EMPTY,
    "auto_register": (True,),
    "fail_fast": (False,),
    "deadline": _EMPTY,
    "disable_bundle_versioning": (False,),
    "sla_miss_callback": (None,),
}


def _inert(value: Any, allowed: tuple[Any, ...]) -> bool:
    return any(type(value) is type(ok) and value == ok for ok in allowed)


def email_is_inert(settings: Mapping[str, Any]) -> bool:
    """``email`` only matters when a mail would be sent: email_on_failure/_on_retry default to True."""
    if _inert(settings.get("email"), _EMPTY):
        return True
    return settings.get("email_on_failure") is False and settings.get("email_on_retry") is False


def check_task_arguments(given: Mapping[str, Any], default_args: Mapping[str, Any], task_id: str) -> None:
    """Refuse any unimplemented task argument (given or from default_args) that would change behaviour."""
    merged = {**default_args, **given}
    for name, value in sorted(merged.items()):
        source = "argument" if name in given else "default_args entry"
        if name not in TASK_INERT:
            if name in given:
                raise DagDefinitionError(f"task {task_id!r}: unknown {source} {name!r}")
            continue  # Airflow passes default_args only to the operators that take them
        if name in ("email_on_failure", "email_on_retry") or (name == "email" and email_is_inert(merged)):
            continue
        if not _inert(value, TASK_INERT[name]):
            raise DagDefinitionError(
                f"task {task_id!r}: {source} {name}={value!r} is not supported by dagseal yet "
                f"(see docs/authoring.md); remove it or set it to {TASK_INERT[name][0]!r}"
            )


def check_dag_arguments(given: Mapping[str, Any], dag_id: str) -> None:
    """Refuse any unimplemented DAG argument that would change behaviour."""
    for name, value in sorted(given.items()):
        if name not in DAG_INERT:
            raise DagDefinitionError(f"DAG {dag_id!r}: unknown argument {name!r}")
        if not _inert(value, DAG_INERT[name]):
            raise DagDefinitionError(
                f"DAG {dag_id!r}: argument {name}={value!r} is not supported by dagseal yet "
                f"(see docs/authoring.md); remove it or set it to {DAG_INERT[name][0]!r}"
            )
