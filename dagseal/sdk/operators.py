"""The built-in operators: EmptyOperator, PythonOperator and BashOperator."""

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import BashCommandFailed, DagDefinitionError, TaskSkipped
from dagseal.sdk.xcom import find_xcom_args, resolve_xcom_args


class EmptyOperator(BaseOperator):
    """Does nothing; useful as a join or fan-out point."""

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> None:
        return None


class PythonCallMixin:
    """``python_callable(*op_args, **op_kwargs)`` as a task's work; XComArgs in the arguments become
    upstream edges (PythonOperator, PythonSensor)."""

    python_callable: Callable[..., Any]
    op_args: list[Any]
    op_kwargs: dict[str, Any]

    def __init__(
        self,
        *,
        task_id: str,
        python_callable: Callable[..., Any],
        op_args: list[Any] | tuple[Any, ...] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        check_callable(task_id, python_callable)
        super().__init__(task_id=task_id, **kwargs)  # the operator base class that follows in the MRO
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        for arg in find_xcom_args([self.op_args, self.op_kwargs]):
            arg.operator.set_downstream(self)

    def _call(self, upstream_results: Mapping[str, Any]) -> Any:
        args = resolve_xcom_args(self.op_args, upstream_results)
        kwargs = resolve_xcom_args(self.op_kwargs, upstream_results)
        return self.python_callable(*args, **kwargs)


def check_callable(task_id: str, python_callable: object) -> None:
    if not callable(python_callable):
        raise DagDefinitionError(f"task {task_id!r}: python_callable is not callable")


class PythonOperator(PythonCallMixin, BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)``; XComArgs in the arguments become upstream edges."""

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> Any:
        return self._call(upstream_results)


class BashOperator(BaseOperator):
    """Runs ``bash -c bash_command``; output goes to the task log, a non-zero exit fails the task.

    ``env`` is added to the sandbox's (already scrubbed) environment. Exit code ``skip_exit_code``
    (99, as in Airflow) marks the task skipped.
    """

    def __init__(
        self,
        *,
        task_id: str,
        bash_command: str,
        env: dict[str, str] | None = None,
        skip_exit_code: int | None = 99,
        **kwargs: Any,
    ) -> None:
        if not isinstance(bash_command, str) or not bash_command.strip():
            raise DagDefinitionError(f"task {task_id!r}: bash_command must be a non-empty string")
        super().__init__(task_id=task_id, **kwargs)
        self.bash_command = bash_command
        self.env = None if env is None else {str(key): str(value) for key, value in env.items()}
        self.skip_exit_code = skip_exit_code

    def execute(self, context: TaskContext, upstream_results: Mapping[str, Any]) -> None:
        returncode = run_bash(self.bash_command, self.env)
        if self.skip_exit_code is not None and returncode == self.skip_exit_code:
            raise TaskSkipped(f"bash command exited with {self.skip_exit_code}")
        if returncode != 0:
            raise BashCommandFailed(f"bash command exited with code {returncode}")


def run_bash(command: str, env: dict[str, str] | None) -> int:
    """``bash -c command`` with ``env`` added to the sandbox's environment; returns its exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    # stdout and stderr both go to fd 2, the task log; fd 1 is never the protocol stream here.
    completed = subprocess.run(
        ["bash", "-c", command],
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=2,
        stderr=2,
        check=False,
    )
    return completed.returncode
