"""Errors a DAG file or a task can raise; each message is one line naming the DAG or task."""

from datetime import datetime


class DagDefinitionError(ValueError):
    """A DAG or task is defined in a way dagseal cannot run."""


class DagCycleError(DagDefinitionError):
    """The task graph has a cycle; the message names the tasks on it."""


class DuplicateTaskIdError(DagDefinitionError):
    """Two tasks of one DAG share a task_id."""


class InvalidScheduleError(DagDefinitionError):
    """The ``schedule`` argument is not None, a preset, a 5-field cron string or a timedelta."""


class DagPolicyViolation(Exception):
    """Raised by a ``dag_policy(dag)`` hook to reject a DAG; the file gets an import error."""


class XComNotSerializableError(TypeError):
    """A task returned a value that cannot travel as JSON to its downstream tasks."""


class TaskError(Exception):
    """Base of errors a task raises on purpose (Airflow's ``AirflowException``)."""


class TaskSkipped(TaskError):
    """Raise inside a task to finish it in state ``skipped`` instead of ``failed``."""


AirflowSkipException = TaskSkipped


class TaskFailedNoRetry(TaskError):
    """Raise inside a task to fail it at once: its remaining retries are not used."""


AirflowFailException = TaskFailedNoRetry


class BashCommandFailed(RuntimeError):
    """A BashOperator's command exited non-zero."""


class TemplateRenderError(TaskError):
    """A template field could not be rendered at run time; the message names the task and field."""


class TaskRescheduled(TaskError):
    """A reschedule-mode sensor's poke said "not yet": end this try and poke again at ``reschedule_date``."""

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(f"poke again at {reschedule_date.isoformat()}")
        self.reschedule_date = reschedule_date


AirflowRescheduleException = TaskRescheduled


class SensorTimeout(TaskFailedNoRetry):
    """A sensor waited longer than its ``timeout``: the task fails without retrying."""


AirflowSensorTimeout = SensorTimeout
