"""What DAG files import: DAG, @task, operators, trigger rules and the running task's context.

Each name is imported on first use (see ``lazy.py``), so a DAG file pays only for what it uses.
``dag`` and ``task_group`` are imported up front: they share their names with submodules.
"""

from dagseal.sdk.dag_decorator import dag as dag
from dagseal.sdk.lazy import lazy_attributes
from dagseal.sdk.task_group import task_group as task_group

_EXPORTS = {
    "AirflowFailException": "dagseal.sdk.exceptions",
    "AirflowRescheduleException": "dagseal.sdk.exceptions",
    "AirflowSensorTimeout": "dagseal.sdk.exceptions",
    "AirflowSkipException": "dagseal.sdk.exceptions",
    "BaseBranchOperator": "dagseal.sdk.branching",
    "BaseHook": "dagseal.sdk.hooks",
    "BaseOperator": "dagseal.sdk.baseoperator",
    "BaseSensorOperator": "dagseal.sdk.sensors.base",
    "BashCommandFailed": "dagseal.sdk.exceptions",
    "BashOperator": "dagseal.sdk.operators",
    "BashSensor": "dagseal.sdk.sensors.bash",
    "BranchPythonOperator": "dagseal.sdk.branching",
    "Connection": "dagseal.sdk.connection",
    "CronDataIntervalTimetable": "dagseal.sdk.timetables",
    "CronTriggerTimetable": "dagseal.sdk.timetables",
    "DAG": "dagseal.sdk.dag",
    "DagCycleError": "dagseal.sdk.exceptions",
    "DagDefinitionError": "dagseal.sdk.exceptions",
    "DagPolicyViolation": "dagseal.sdk.exceptions",
    "DateTimeSensor": "dagseal.sdk.sensors.time",
    "DayOfWeekSensor": "dagseal.sdk.sensors.time",
    "DeltaDataIntervalTimetable": "dagseal.sdk.timetables",
    "DeltaTriggerTimetable": "dagseal.sdk.timetables",
    "DuplicateTaskIdError": "dagseal.sdk.exceptions",
    "EmptyOperator": "dagseal.sdk.operators",
    "ExternalTaskSensor": "dagseal.sdk.host_operators",
    "FileSensor": "dagseal.sdk.sensors.filesystem",
    "InvalidScheduleError": "dagseal.sdk.exceptions",
    "Label": "dagseal.sdk.edges",
    "LatestOnlyOperator": "dagseal.sdk.host_operators",
    "Param": "dagseal.sdk.params",
    "PokeReturnValue": "dagseal.sdk.sensors.base",
    "PythonOperator": "dagseal.sdk.operators",
    "PythonSensor": "dagseal.sdk.sensors.python",
    "SensorTimeout": "dagseal.sdk.exceptions",
    "ShortCircuitOperator": "dagseal.sdk.branching",
    "TaskContext": "dagseal.sdk.context",
    "TaskFailedNoRetry": "dagseal.sdk.exceptions",
    "TaskGroup": "dagseal.sdk.task_group",
    "TaskRescheduled": "dagseal.sdk.exceptions",
    "TaskSkipped": "dagseal.sdk.exceptions",
    "TimeDeltaSensor": "dagseal.sdk.sensors.time",
    "TriggerDagRunOperator": "dagseal.sdk.host_operators",
    "TriggerRule": "dagseal.sdk.trigger_rule",
    "Variable": "dagseal.sdk.variable",
    "XComArg": "dagseal.sdk.xcom",
    "XComNotSerializableError": "dagseal.sdk.exceptions",
    "chain": "dagseal.sdk.baseoperator",
    "cross_downstream": "dagseal.sdk.baseoperator",
    "ensure_json_serializable": "dagseal.sdk.xcom",
    "get_current_context": "dagseal.sdk.context",
    "setup": "dagseal.sdk.setup_teardown",
    "task": "dagseal.sdk.decorators",
    "teardown": "dagseal.sdk.setup_teardown",
}

__all__ = sorted([*_EXPORTS, "dag", "task_group"])

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
