"""The life of a task instance and a DAG run, shared by the scheduler and the executor.

States and their legal moves (``states``), conditional updates and row locking (``locking``),
claiming a try (``try_claim``) and recording its end (``try_record``), the scheduler ↔ executor
handoff (``handoff``: queued tries, finished supervisors, the executor interface), the callback
requests a state change causes (``callback_builder``; written in the same transaction through
``dagseal.callbacks.outbox``), the named commit points (``commit_points``) and marking a task
instance by hand (``marking``). The scheduler and
the executor both use this package; neither imports the other.
"""

from dagseal.lifecycle.handoff import BaseExecutor, FinishedTry, QueuedTry
from dagseal.lifecycle.states import DagRunState, IllegalTransition, TaskState

__all__ = ["BaseExecutor", "DagRunState", "FinishedTry", "IllegalTransition", "QueuedTry", "TaskState"]
