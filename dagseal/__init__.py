"""dagseal: Airflow-style DAGs whose user code always runs in a sandbox.

Re-exports the DAG SDK only, so ``import dagseal`` works inside an image without SQLAlchemy.
"""

from dagseal.sdk import (
    DAG,
    AirflowSkipException,
    BaseHook,
    BaseOperator,
    BashOperator,
    Connection,
    DagCycleError,
    DagPolicyViolation,
    EmptyOperator,
    PythonOperator,
    TaskContext,
    TaskSkipped,
    TriggerRule,
    Variable,
    XComArg,
    chain,
    get_current_context,
    task,
)

__version__ = "0.1.0"

__all__ = [
    "DAG",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BashOperator",
    "Connection",
    "DagCycleError",
    "DagPolicyViolation",
    "EmptyOperator",
    "PythonOperator",
    "TaskContext",
    "TaskSkipped",
    "TriggerRule",
    "Variable",
    "XComArg",
    "__version__",
    "chain",
    "get_current_context",
    "task",
]
