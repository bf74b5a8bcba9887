"""Which Airflow 3 import path gives which dagseal SDK object: ``module -> {name: "dagseal module:attr"}``.

Only names dagseal honours are listed; anything else is an import error naming it (see finder.py).
Parent packages (``airflow.providers`` …) exist implicitly and export nothing themselves.
"""

_EXCEPTIONS = {
    "AirflowException": "dagseal.sdk.exceptions:TaskError",
    "AirflowSkipException": "dagseal.sdk.exceptions:TaskSkipped",
    "AirflowFailException": "dagseal.sdk.exceptions:TaskFailedNoRetry",
    "AirflowRescheduleException": "dagseal.sdk.exceptions:TaskRescheduled",
    "AirflowSensorTimeout": "dagseal.sdk.exceptions:SensorTimeout",
}

_SDK = {
    "DAG": "dagseal.sdk.dag:DAG",
    "dag": "dagseal.sdk.dag_decorator:dag",
    "task": "dagseal.sdk.decorators:task",
    "task_group": "dagseal.sdk.task_group:task_group",
    "TaskGroup": "dagseal.sdk.task_group:TaskGroup",
    "BaseOperator": "dagseal.sdk.baseoperator:BaseOperator",
    "Param": "dagseal.sdk.params:Param",
    "Label": "dagseal.sdk.edges:Label",
    "XComArg": "dagseal.sdk.xcom:XComArg",
    "chain": "dagseal.sdk.baseoperator:chain",
    "cross_downstream": "dagseal.sdk.baseoperator:cross_downstream",
    "get_current_context": "dagseal.sdk.context:get_current_context",
    "Context": "dagseal.sdk.context:TaskContext",
    "TriggerRule": "dagseal.sdk.trigger_rule:TriggerRule",
    "setup": "dagseal.sdk.setup_teardown:setup",
    "teardown": "dagseal.sdk.setup_teardown:teardown",
    "Variable": "dagseal.sdk.variable:Variable",
    "Connection": "dagseal.sdk.connection:Connection",
    "BaseHook": "dagseal.sdk.hooks:BaseHook",
    "BaseSensorOperator": "dagseal.sdk.sensors.base:BaseSensorOperator",
    "PokeReturnValue": "dagseal.sdk.sensors.base:PokeReturnValue",
    "Asset": "dagseal.sdk.assets:Asset",
    "AssetAll": "dagseal.sdk.assets:AssetAll",
    "AssetAny": "dagseal.sdk.assets:AssetAny",
    "CronTriggerTimetable": "dagseal.sdk.timetables:CronTriggerTimetable",
    "CronDataIntervalTimetable": "dagseal.sdk.timetables:CronDataIntervalTimetable",
    "DeltaTriggerTimetable": "dagseal.sdk.timetables:DeltaTriggerTimetable",
    "DeltaDataIntervalTimetable": "dagseal.sdk.timetables:DeltaDataIntervalTimetable",
}

_PYTHON_OPERATORS = {
    "PythonOperator": "dagseal.sdk.operators:PythonOperator",
    "BranchPythonOperator": "dagseal.sdk.branching:BranchPythonOperator",
    "ShortCircuitOperator": "dagseal.sdk.branching:ShortCircuitOperator",
}
_BASH_OPERATORS = {"BashOperator": "dagseal.sdk.operators:BashOperator"}
_EMPTY_OPERATORS = {"EmptyOperator": "dagseal.sdk.operators:EmptyOperator"}
_STANDARD = "airflow.providers.standard"
_SENSORS = {
    f"{_STANDARD}.sensors.python": {"PythonSensor": "dagseal.sdk.sensors.python:PythonSensor"},
    f"{_STANDARD}.sensors.bash": {"BashSensor": "dagseal.sdk.sensors.bash:BashSensor"},
    f"{_STANDARD}.sensors.filesystem": {"FileSensor": "dagseal.sdk.sensors.filesystem:FileSensor"},
    f"{_STANDARD}.sensors.time_delta": {"TimeDeltaSensor": "dagseal.sdk.sensors.time:TimeDeltaSensor"},
    f"{_STANDARD}.sensors.date_time": {"DateTimeSensor": "dagseal.sdk.sensors.time:DateTimeSensor"},
    f"{_STANDARD}.sensors.weekday": {"DayOfWeekSensor": "dagseal.sdk.sensors.time:DayOfWeekSensor"},
    f"{_STANDARD}.sensors.external_task": {
        "ExternalTaskSensor": "dagseal.sdk.host_operators:ExternalTaskSensor"
    },
    f"{_STANDARD}.operators.latest_only": {
        "LatestOnlyOperator": "dagseal.sdk.host_operators:LatestOnlyOperator"
    },
    f"{_STANDARD}.operators.trigger_dagrun": {
        "TriggerDagRunOperator": "dagseal.sdk.host_operators:TriggerDagRunOperator"
    },
}
_TIMETABLES = {
    "airflow.timetables.trigger": {
        name: _SDK[name] for name in ("CronTriggerTimetable", "DeltaTriggerTimetable")
    },
    "airflow.timetables.interval": {
        name: _SDK[name] for name in ("CronDataIntervalTimetable", "DeltaDataIntervalTimetable")
    },
}

MODULES: dict[str, dict[str, str]] = {
    "airflow": {"DAG": _SDK["DAG"]},
    "airflow.sdk": _SDK,
    "airflow.sdk.exceptions": _EXCEPTIONS,
    "airflow.exceptions": _EXCEPTIONS,
    "airflow.decorators": {name: _SDK[name] for name in ("dag", "task", "task_group", "setup", "teardown")},
    "airflow.models.dag": {"DAG": _SDK["DAG"]},
    "airflow.models.baseoperator": {
        name: _SDK[name] for name in ("BaseOperator", "chain", "cross_downstream")
    },
    "airflow.models.param": {"Param": _SDK["Param"]},
    "airflow.models.variable": {"Variable": _SDK["Variable"]},
    "airflow.models.connection": {"Connection": _SDK["Connection"]},
    "airflow.hooks.base": {"BaseHook": _SDK["BaseHook"]},
    "airflow.utils.trigger_rule": {"TriggerRule": _SDK["TriggerRule"]},
    "airflow.utils.task_group": {"TaskGroup": _SDK["TaskGroup"]},
    "airflow.utils.edgemodifier": {"Label": _SDK["Label"]},
    "airflow.providers.standard.operators.python": _PYTHON_OPERATORS,
    "airflow.providers.standard.operators.bash": _BASH_OPERATORS,
    "airflow.providers.standard.operators.empty": _EMPTY_OPERATORS,
    "airflow.providers.standard.operators.branch": {
        "BaseBranchOperator": "dagseal.sdk.branching:BaseBranchOperator"
    },
    "airflow.operators.python": _PYTHON_OPERATORS,
    "airflow.operators.bash": _BASH_OPERATORS,
    "airflow.operators.empty": _EMPTY_OPERATORS,
    "airflow.providers.common.compat.sdk": {**_SDK, **_EXCEPTIONS},
    **_SENSORS,
    **_TIMETABLES,
}


def is_package(name: str) -> bool:
    """Whether ``name`` is a parent of some mapped module (so it must be importable as a package)."""
    return any(module.startswith(name + ".") for module in MODULES)
