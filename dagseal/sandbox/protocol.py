"""The sandbox protocol: JSON-lines messages tagged by ``type`` (see docs/architecture.md).

Version 2 added ``--connect SOCKET`` (the protocol over a unix socket); images label the version
they speak and hosts refuse any other.
"""

import json
from typing import Any, Literal

from attrs import field, frozen

from dagseal.serialization.converter import JsonMessage, decode_tagged, loads, unstructure
from dagseal.serialization.errors import SerializationError

PROTOCOL_VERSION = 2

CallbackKind = Literal["task_failure", "task_success", "task_retry", "dag_success", "dag_failure", "sla_miss"]


@frozen(kw_only=True)
class Hello(JsonMessage):
    type: Literal["hello"] = "hello"
    protocol_version: int
    dagseal_version: str
    python: str


@frozen(kw_only=True)
class ParseRequest(JsonMessage):
    type: Literal["parse"] = "parse"
    id: int
    dag_folder: str
    file: str


@frozen(kw_only=True)
class RunTaskRequest(JsonMessage):
    type: Literal["run_task"] = "run_task"
    id: int
    dag_folder: str
    file: str
    source: str
    dag_id: str
    task_id: str
    run_id: str
    try_number: int = 1
    logical_date: str | None = None
    params: dict[str, Any] = field(factory=dict)
    conf: dict[str, Any] = field(factory=dict)
    upstream_results: dict[str, Any] = field(factory=dict)
    map_index: int = -1
    data_interval_start: str | None = None
    data_interval_end: str | None = None
    run_type: str | None = None


@frozen(kw_only=True)
class CallbackSpec:
    callback_id: int
    kind: CallbackKind
    dag_id: str
    task_id: str | None = None
    run_id: str | None = None
    msg: str | None = None
    context: dict[str, Any] = field(factory=dict)


@frozen(kw_only=True)
class RunCallbacksRequest(JsonMessage):
    type: Literal["run_callbacks"] = "run_callbacks"
    id: int
    dag_folder: str
    file: str
    source: str
    callbacks: list[CallbackSpec] = field(factory=list)


@frozen(kw_only=True)
class ShutdownRequest(JsonMessage):
    type: Literal["shutdown"] = "shutdown"
    id: int


@frozen(kw_only=True)
class ImportErrorInfo:
    filename: str
    message: str
    stacktrace: str


@frozen(kw_only=True)
class ParseResult(JsonMessage):
    type: Literal["parse_result"] = "parse_result"
    id: int
    file: str
    source_digest: str | None = None
    source: str | None = None
    dags: list[dict[str, Any]] = field(factory=list)
    import_errors: list[ImportErrorInfo] = field(factory=list)


@frozen(kw_only=True)
class TaskResult(JsonMessage):
    type: Literal["task_result"] = "task_result"
    id: int
    state: Literal["success", "failed", "skipped"]
    return_value: Any = None
    error: str | None = None
    # Template fields as rendered for this try ({} when the task has no templates).
    rendered_fields: dict[str, Any] = field(factory=dict)
    # Downstream task ids a branch / short-circuit decided to skip (the host marks them skipped).
    skip_task_ids: list[str] = field(factory=list)


@frozen(kw_only=True)
class CallbackOutcome:
    callback_id: int
    ok: bool
    error: str | None = None


@frozen(kw_only=True)
class CallbacksResult(JsonMessage):
    type: Literal["callbacks_result"] = "callbacks_result"
    id: int
    outcomes: list[CallbackOutcome] = field(factory=list)


@frozen(kw_only=True)
class ErrorReply(JsonMessage):
    type: Literal["error"] = "error"
    id: int | None
    message: str


Request = ParseRequest | RunTaskRequest | RunCallbacksRequest | ShutdownRequest
Reply = ParseResult | TaskResult | CallbacksResult | ErrorReply

REQUEST_TYPES: dict[str, type[Request]] = {
    "parse": ParseRequest,
    "run_task": RunTaskRequest,
    "run_callbacks": RunCallbacksRequest,
    "shutdown": ShutdownRequest,
}
REPLY_TYPES: dict[str, type[Reply | Hello]] = {
    "hello": Hello,
    "parse_result": ParseResult,
    "task_result": TaskResult,
    "callbacks_result": CallbacksResult,
    "error": ErrorReply,
}


def encode(message: Any) -> bytes:
    """One protocol line. ASCII-only JSON, so a line never contains a raw newline or a lone surrogate."""
    payload = message if isinstance(message, dict) else unstructure(message)
    try:
        return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("ascii") + b"\n"
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"cannot encode {payload.get('type')!r} message: {exc}") from None


def decode_request(line: bytes | str) -> Request:
    return decode_tagged(loads(line), REQUEST_TYPES)


def decode_reply(line: bytes | str) -> Reply | Hello:
    return decode_tagged(loads(line), REPLY_TYPES)
