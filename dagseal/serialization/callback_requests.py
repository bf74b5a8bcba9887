"""Callback requests: what the scheduler asks a DAG processor to run, stored as ``callback_data`` JSON.

``type`` doubles as the ``callback_request.callback_type`` column value (TaskCallback, DagCallback,
SlaCallback). ``to_sandbox_callback`` gives the entry of a ``run_callbacks`` protocol request.
"""

from typing import Any, Literal

from attrs import field, frozen

from dagseal.serialization.canonical import loads
from dagseal.serialization.converter import JsonMessage, decode_tagged

TaskCallbackKind = Literal["task_failure", "task_success", "task_retry"]
DagCallbackKind = Literal["dag_failure", "dag_success"]


class _SandboxCallbackMixin:
    kind: str
    dag_id: str
    run_id: str | None
    msg: str | None
    context: dict[str, Any]

    @property
    def is_failure_callback(self) -> bool:
        return self.kind in ("task_failure", "dag_failure")

    def to_sandbox_callback(self, callback_id: int) -> dict[str, Any]:
        """This request as one entry of the ``run_callbacks`` message's ``callbacks`` list."""
        return {
            "callback_id": callback_id,
            "kind": self.kind,
            "dag_id": self.dag_id,
            "task_id": getattr(self, "task_id", None),
            "run_id": self.run_id,
            "msg": self.msg,
            "context": dict(self.context),
        }


@frozen(kw_only=True)
class TaskCallbackRequest(_SandboxCallbackMixin, JsonMessage):
    """Run a task's on_failure/on_success/on_retry callback for one try."""

    type: Literal["TaskCallback"] = "TaskCallback"
    full_filepath: str
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    kind: TaskCallbackKind = "task_failure"
    msg: str | None = None
    processor_subdir: str | None = None
    context: dict[str, Any] = field(factory=dict)


@frozen(kw_only=True)
class DagCallbackRequest(_SandboxCallbackMixin, JsonMessage):
    """Run a DAG's on_success/on_failure callback for one DAG run."""

    type: Literal["DagCallback"] = "DagCallback"
    full_filepath: str
    dag_id: str
    run_id: str
    kind: DagCallbackKind = "dag_failure"
    msg: str | None = None
    processor_subdir: str | None = None
    context: dict[str, Any] = field(factory=dict)


@frozen(kw_only=True)
class SlaCallbackRequest(_SandboxCallbackMixin, JsonMessage):
    """Report a missed SLA for a DAG (the sandbox only logs it for now)."""

    type: Literal["SlaCallback"] = "SlaCallback"
    full_filepath: str
    dag_id: str
    run_id: str | None = None
    kind: Literal["sla_miss"] = "sla_miss"
    msg: str | None = None
    processor_subdir: str | None = None
    context: dict[str, Any] = field(factory=dict)


CallbackRequest = TaskCallbackRequest | DagCallbackRequest | SlaCallbackRequest

CALLBACK_TYPES: dict[str, type[CallbackRequest]] = {
    "TaskCallback": TaskCallbackRequest,
    "DagCallback": DagCallbackRequest,
    "SlaCallback": SlaCallbackRequest,
}


def callback_request_from_json(text: str | bytes) -> CallbackRequest:
    """Decode any callback request by its ``type`` field (e.g. a ``callback_data`` column value)."""
    return decode_tagged(loads(text), CALLBACK_TYPES)
