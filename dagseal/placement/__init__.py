"""Which sandbox, with which image and limits, runs a parse, a task try, a callback, and which image
a new DagRun is pinned to: one `Placement` per process, built from `PlacementSettings`.

Host side only. Heavy modules (the DB for deployments, the Docker SDK) load in the functions that
need them, so importing this package stays cheap.
"""

from dagseal.placement.placement import Placement, dag_folder_of
from dagseal.placement.settings import DockerSettings, PlacementSettings

__all__ = ["DockerSettings", "Placement", "PlacementSettings", "dag_folder_of"]
