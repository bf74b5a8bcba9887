"""What DAG files import: DAG, @task, operators, trigger rules and the running task's context."""

from dagseal.sdk.baseoperator import BaseOperator, chain
from dagseal.sdk.connection import Connection
from dagseal.sdk.context import TaskContext, get_current_context
from dagseal.sdk.dag import DAG
from dagseal.sdk.decorators import XComArg, task
from dagseal.sdk.exceptions import (
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
    TaskRescheduled,
    TaskSkipped,
    XComNotSerializableError,
)
from dagseal.sdk.hooks import BaseHook
from dagseal.sdk.host_operators import ExternalTaskSensor, LatestOnlyOperator, TriggerDagRunOperator
from dagseal.sdk.operators import BashOperator, EmptyOperator, PythonOperator
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
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "BashCommandFailed",
    "BashOperator",
    "BashSensor",
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
    "LatestOnlyOperator",
    "PokeReturnValue",
    "PythonOperator",
    "PythonSensor",
    "SensorTimeout",
    "TaskContext",
    "TaskRescheduled",
    "TaskSkipped",
    "TimeDeltaSensor",
    "TriggerDagRunOperator",
    "TriggerRule",
    "Variable",
    "XComArg",
    "XComNotSerializableError",
    "chain",
    "ensure_json_serializable",
    "get_current_context",
    "task",
]
