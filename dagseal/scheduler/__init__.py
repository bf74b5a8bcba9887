"""The scheduler: decides when DAG runs start and when task instances are ready (reads serialized DAGs only).

Import the submodules directly (``dagseal.scheduler.job``); this package imports nothing heavy.
"""

__all__: list[str] = []
