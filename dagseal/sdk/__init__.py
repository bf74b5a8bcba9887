"""What DAG files import: DAG, @task, operators, trigger rules and the running task's context."""

from dagseal.sdk.baseoperator import BaseOperator, chain, cross_downstream
from dagseal.sdk.branching import BaseBranchOperator, BranchPythonOperator, ShortCircuitOperator
from dagseal.sdk.connection import Connection
from dagseal.sdk.context import TaskContext, get_current_context
from dagseal.sdk.dag import DAG
from dagseal.sdk.dag_decorator import dag
from dagseal.sdk.decorators import XComArg, task
from dagseal.sdk.edges import Label
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
from dagseal.sdk.params import Param
from dagseal.sdk.setup_teardown import setup, teardown
from dagseal.sdk.task_group import TaskGroup, task_group
from dagseal.sdk.trigger_rule import TriggerRule
from dagseal.sdk.variable import Variable
from dagseal.sdk.xcom import ensure_json_serializable

__all__ = [
    "DAG",
    "AirflowSkipException",
    "BaseBranchOperator",
    "BaseHook",
    "BaseOperator",
    "BashCommandFailed",
    "BashOperator",
    "BranchPythonOperator",
    "Connection",
    "DagCycleError",
    "DagDefinitionError",
    "DagPolicyViolation",
    "DuplicateTaskIdError",
    "EmptyOperator",
    "InvalidScheduleError",
    "Label",
    "Param",
    "PythonOperator",
    "ShortCircuitOperator",
    "TaskContext",
    "TaskGroup",
    "TaskSkipped",
    "TriggerRule",
    "Variable",
    "XComArg",
    "XComNotSerializableError",
    "chain",
    "cross_downstream",
    "dag",
    "ensure_json_serializable",
    "get_current_context",
    "setup",
    "task",
    "task_group",
    "teardown",
]
