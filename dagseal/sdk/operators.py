"""The built-in operators: EmptyOperator, PythonOperator and BashOperator (Airflow 3's arguments)."""

import os
import sys
from collections.abc import Callable, Container
from typing import Any

from dagseal.sdk.baseoperator import BaseOperator
from dagseal.sdk.callable_args import call_with_context
from dagseal.sdk.context import TaskContext
from dagseal.sdk.exceptions import BashCommandFailed, DagDefinitionError, TaskSkipped
from dagseal.sdk.xcom import find_xcom_args, resolve_xcom_args


class EmptyOperator(BaseOperator):
    """Does nothing; useful as a join or fan-out point."""

    def execute(self, context: TaskContext) -> None:
        return None


class PythonCallMixin:
    """``python_callable(*op_args, **op_kwargs)`` plus the context keys its signature asks for, as a
    task's work (PythonOperator, PythonSensor).

    XComArgs in the arguments become upstream edges; ``templates_dict`` is rendered and passed in
    the context as ``templates_dict``.
    """

    template_fields = ("templates_dict", "op_args", "op_kwargs")
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
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        check_callable(task_id, python_callable)
        super().__init__(task_id=task_id, **kwargs)  # the operator base class that follows in the MRO
        self.__dict__.update(  # one write, then the edges: what ``__setattr__`` would do, per field
            python_callable=python_callable,
            op_args=list(op_args or []),
            op_kwargs=dict(op_kwargs or {}),
            templates_dict=templates_dict,
            show_return_value_in_logs=show_return_value_in_logs,
        )
        for arg in find_xcom_args([self.op_args, self.op_kwargs, templates_dict]):
            arg.operator.set_downstream(self)
        if templates_exts is not None:
            self.template_ext = tuple(templates_exts)

    def _call(self, context: TaskContext) -> Any:
        args = resolve_xcom_args(self.op_args, context.xcom)
        kwargs = resolve_xcom_args(self.op_kwargs, context.xcom)
        if self.templates_dict is not None:
            context = context.with_extra(templates_dict=self.templates_dict)
        return call_with_context(self.python_callable, args, kwargs, context)


def check_callable(task_id: str, python_callable: object) -> None:
    if not callable(python_callable):
        raise DagDefinitionError(f"task {task_id!r}: python_callable is not callable")


class PythonOperator(PythonCallMixin, BaseOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)`` plus the context keys its signature asks for."""

    def execute(self, context: TaskContext) -> Any:
        value = self._call(context)
        if self.show_return_value_in_logs:
            print(f"[dagseal] returned value was: {value!r}", file=sys.stderr)
        return value


class BashOperator(BaseOperator):
    """Runs ``bash -c bash_command``; output goes to the task log, a non-zero exit fails the task.

    As in Airflow: ``env`` replaces the (already scrubbed) sandbox environment unless
    ``append_env``; exit code ``skip_on_exit_code`` (99) marks the task skipped; the last line of
    output (through ``output_processor``, if given) is the return value; a ``bash_command`` ending
    in ``.sh``/``.bash`` is a template file.
    """

    template_fields = ("bash_command", "env", "cwd")
    template_ext = (".sh", ".bash")

    def __init__(
        self,
        *,
        task_id: str,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        output_processor: Callable[[str], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(bash_command, str) or not bash_command.strip():
            raise DagDefinitionError(f"task {task_id!r}: bash_command must be a non-empty string")
        super().__init__(task_id=task_id, **kwargs)
        self.bash_command = bash_command
        self.env = None if env is None else dict(env)
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = (
            ()
            if skip_on_exit_code is None
            else (skip_on_exit_code,)
            if isinstance(skip_on_exit_code, int)
            else tuple(skip_on_exit_code)
        )
        self.cwd = cwd
        self.output_processor = output_processor

    def _environment(self) -> dict[str, str]:
        if self.env is None:
            return dict(os.environ)
        given = {str(key): str(value) for key, value in self.env.items()}
        return {**os.environ, **given} if self.append_env else given

    def execute(self, context: TaskContext) -> Any:
        returncode, last = run_bash(self.bash_command, self._environment(), self.cwd, self.output_encoding)
        if returncode in self.skip_on_exit_code:
            raise TaskSkipped(f"bash command exited with {returncode}")
        if returncode != 0:
            raise BashCommandFailed(f"bash command exited with code {returncode}")
        return last if self.output_processor is None else self.output_processor(last or "")


def run_bash(
    command: str, environment: dict[str, str], cwd: str | None = None, encoding: str = "utf-8"
) -> tuple[int, str | None]:
    """``bash -c command``: (its exit code, its last line of output). Output is copied line by line
    to fd 2, the task log; fd 1 is never the protocol stream here."""
    import subprocess  # here, not at the top: every task container imports this module

    sys.stdout.flush()
    sys.stderr.flush()
    last = None
    with subprocess.Popen(
        ["bash", "-c", command],
        env=environment,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        assert process.stdout is not None
        for raw in process.stdout:
            os.write(2, raw)
            last = raw.decode(encoding, errors="replace").rstrip("\n")
    return process.returncode, last
