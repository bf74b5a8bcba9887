"""The standalone DAG processor (AIP-43): parses one DAG directory in sandboxes, owns its DB rows.

Entry points: :class:`DagProcessorManager` (``from_config`` for the CLI and the scheduler) and,
for DAG policies, :func:`get_current_subdir`.
"""

from dagseal.processor.callback_runner import DatabaseCallbackSource
from dagseal.processor.manager import DagProcessorManager, LoopStats, ProcessorSettings
from dagseal.processor.policy import get_current_subdir

__all__ = [
    "DagProcessorManager",
    "DatabaseCallbackSource",
    "LoopStats",
    "ProcessorSettings",
    "get_current_subdir",
]
