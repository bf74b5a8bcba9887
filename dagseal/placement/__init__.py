"""Which sandbox, with which image and limits, runs a parse, a task try, a callback, and which image
a new DagRun is pinned to: one `Placement` per process, built from `PlacementSettings`.

Host side only. The names below load on first use (PEP 562): importing one submodule (say the
settings, which every supervisor's settings carry) does not import YAML, the layering and the
sandbox backends with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagseal.placement.placement import Placement, dag_folder_of
    from dagseal.placement.settings import DockerSettings, PlacementSettings

__all__ = ["DockerSettings", "Placement", "PlacementSettings", "dag_folder_of"]

_HOMES = {
    "DockerSettings": "dagseal.placement.settings",
    "Placement": "dagseal.placement.placement",
    "PlacementSettings": "dagseal.placement.settings",
    "dag_folder_of": "dagseal.placement.placement",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
