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
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BashCommandFailed,
    DagCycleError,
    DagDefinitionError,
    DagPolicyViolation,
    DuplicateTaskIdError,
    InvalidScheduleError,
    SensorTimeout,
    TaskFailedNoRetry,
    TaskRescheduled,
    TaskSkipped,
    XComNotSerializableError,
)
from dagseal.sdk.hooks import BaseHook
from dagseal.sdk.host_operators import ExternalTaskSensor, LatestOnlyOperator, TriggerDagRunOperator
from dagseal.sdk.operators import BashOperator, EmptyOperator, PythonOperator
from dagseal.sdk.params import Param
from dagseal.sdk.sensors import (
    BaseSensorOperator,
    BashSensor,
    DateTimeSensor,
    DayOfWeekSensor,
    FileSensor,
    PokeReturnValue,
    PythonSensor,
    TimeDeltaSensor,
)
from dagseal.sdk.setup_teardown import setup, teardown
from dagseal.sdk.task_group import TaskGroup, task_group
from dagseal.sdk.timetables import (
    CronDataIntervalTimetable,
    CronTriggerTimetable,
    DeltaDataIntervalTimetable,
    DeltaTriggerTimetable,
)
from dagseal.sdk.trigger_rule import TriggerRule
from dagseal.sdk.variable import Variable
from dagseal.sdk.xcom import ensure_json_serializable

__all__ = [
    "DAG",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseBranchOperator",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "BashCommandFailed",
    "BashOperator",
    "BashSensor",
    "BranchPythonOperator",
    "Connection",
    "CronDataIntervalTimetable",
    "CronTriggerTimetable",
    "DagCycleError",
    "DagDefinitionError",
    "DagPolicyViolation",
    "DateTimeSensor",
    "DayOfWeekSensor",
    "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable",
    "DuplicateTaskIdError",
    "EmptyOperator",
    "ExternalTaskSensor",
    "FileSensor",
    "InvalidScheduleError",
    "Label",
    "LatestOnlyOperator",
    "Param",
    "PokeReturnValue",
    "PythonOperator",
    "PythonSensor",
    "SensorTimeout",
    "ShortCircuitOperator",
    "TaskContext",
    "TaskFailedNoRetry",
    "TaskGroup",
    "TaskRescheduled",
    "TaskSkipped",
    "TimeDeltaSensor",
    "TriggerDagRunOperator",
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
