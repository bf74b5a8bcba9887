"""FileSensor: waits for a path (or glob) to exist. It sees only the sandbox's own filesystem: in a
container, the image and the volumes runtime.yaml mounts, never the host's other paths."""

from __future__ import annotations

import glob
import os
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.sensors.base import BaseSensorOperator


class FileSensor(BaseSensorOperator):
    def __init__(
        self,
        *,
        task_id: str,
        filepath: str,
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        **kwargs: Any,
    ) -> None:
        if fs_conn_id != "fs_default":
            raise DagDefinitionError(
                f"task {task_id!r}: fs_conn_id={fs_conn_id!r} is not supported; give an absolute filepath"
            )
        if not isinstance(filepath, str) or not filepath:
            raise DagDefinitionError(f"task {task_id!r}: filepath must be a non-empty string")
        super().__init__(task_id=task_id, **kwargs)
        self.filepath = filepath
        self.recursive = bool(recursive)

    def poke(self, context: TaskContext) -> bool:
        for path in glob.glob(self.filepath, recursive=self.recursive):
            if os.path.isfile(path):
                return True
            if os.path.isdir(path) and any(os.scandir(path)):
                return True
        return False
