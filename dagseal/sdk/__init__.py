"""What DAG files import: DAG, @task, operators, trigger rules and the running task's context."""

from dagseal.sdk.baseoperator import BaseOperator, chain
from dagseal.sdk.connection import Connection
from dagseal.sdk.context import TaskContext, get_current_context
from dagseal.sdk.dag import DAG
from dagseal.sdk.decorators import XComArg, task
from dagseal.sdk.exceptions import (
    AirflowSkipException,
    BashCommandFailed,
    DagCycleError,
    DagDefinitionError,
    DagPolicyViolation,
    DuplicateTaskIdError,
    InvalidScheduleError,
    TaskSkipped,
    XComNotSerializableError,
)
from dagseal.sdk.hooks import BaseHook
from dagseal.sdk.operators import BashOperator, EmptyOperator, PythonOperator
from dagseal.sdk.trigger_rule import TriggerRule
from dagseal.sdk.variable import Variable
from dagseal.sdk.xcom import ensure_json_serializable

__all__ = [
    "DAG",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BashCommandFailed",
    "BashOperator",
    "Connection",
    "DagCycleError",
    "DagDefinitionError",
    "DagPolicyViolation",
    "DuplicateTaskIdError",
    "EmptyOperator",
    "InvalidScheduleError",
    "PythonOperator",
    "TaskContext",
    "TaskSkipped",
    "TriggerRule",
    "Variable",
    "XComArg",
    "XComNotSerializableError",
    "chain",
    "ensure_json_serializable",
    "get_current_context",
    "task",
]
