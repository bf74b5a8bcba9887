"""dagseal: Airflow-style DAGs whose user code always runs in a sandbox.

Re-exports the DAG SDK only, so ``import dagseal`` works inside an image without SQLAlchemy.
Each name is imported on first use, as in ``dagseal.sdk``.
"""

from dagseal.sdk.lazy import lazy_attributes

__version__ = "0.1.0"

_EXPORTS = dict.fromkeys(
    [
        "DAG",
        "AirflowSkipException",
        "BaseBranchOperator",
        "BaseHook",
        "BaseOperator",
        "BaseSensorOperator",
        "BashOperator",
        "BashSensor",
        "BranchPythonOperator",
        "Connection",
        "CronDataIntervalTimetable",
        "CronTriggerTimetable",
        "DagCycleError",
        "DagPolicyViolation",
        "DateTimeSensor",
        "DayOfWeekSensor",
        "DeltaDataIntervalTimetable",
        "DeltaTriggerTimetable",
        "EmptyOperator",
        "ExternalTaskSensor",
        "FileSensor",
        "Label",
        "LatestOnlyOperator",
        "Param",
        "PokeReturnValue",
        "PythonOperator",
        "PythonSensor",
        "ShortCircuitOperator",
        "TaskContext",
        "TaskGroup",
        "TaskSkipped",
        "TimeDeltaSensor",
        "TriggerDagRunOperator",
        "TriggerRule",
        "Variable",
        "XComArg",
        "chain",
        "cross_downstream",
        "dag",
        "get_current_context",
        "setup",
        "task",
        "task_group",
        "teardown",
    ],
    "dagseal.sdk",
)

__all__ = sorted([*_EXPORTS, "__version__"])

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
