"""The life of a task instance and a DAG run, shared by the scheduler and the executor.

States and their legal moves (``states``), conditional updates and row locking (``locking``),
claiming and recording a try (``try_record``), the queued-try record (``queued_try``) and the
callback requests a state change causes (``callback_builder``, written in the same transaction
by ``callback_outbox``). Neither the scheduler nor the executor imports the other for these.
"""

from dagseal.lifecycle.queued_try import QueuedTry
from dagseal.lifecycle.states import DagRunState, IllegalTransition, TaskState

__all__ = ["DagRunState", "IllegalTransition", "QueuedTry", "TaskState"]
