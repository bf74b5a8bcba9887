"""BashSensor: pokes by running a bash command; exit code 0 means done."""

from __future__ import annotations

import os
from typing import Any

from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import DagDefinitionError
from dagseal.sdk.operators import run_bash
from dagseal.sdk.sensors.base import BaseSensorOperator


class BashSensor(BaseSensorOperator):
    def __init__(
        self, *, task_id: str, bash_command: str, env: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        if not isinstance(bash_command, str) or not bash_command.strip():
            raise DagDefinitionError(f"task {task_id!r}: bash_command must be a non-empty string")
        super().__init__(task_id=task_id, **kwargs)
        self.bash_command = bash_command
        self.env = None if env is None else {str(key): str(value) for key, value in env.items()}

    def poke(self, context: TaskContext) -> bool:
        returncode, _ = run_bash(self.bash_command, {**os.environ, **(self.env or {})})
        return returncode == 0
