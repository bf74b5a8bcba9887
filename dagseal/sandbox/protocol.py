"""The sandbox protocol: JSON-lines messages tagged by ``type`` (see docs/architecture.md).

Version 2 added ``--connect SOCKET`` (the protocol over a unix socket). Version 3 lets a running
task or callback ask the host for connections, variables and XCom (the supervisor requests
below), adds the reschedule-mode sensor fields (``run_task``: ``data_interval_end``,
``sensor_started_at``; ``task_result``: state ``up_for_reschedule``, ``reschedule_date``,
``retry``) and the Airflow-compatibility fields (``run_task``: ``map_index``,
``data_interval_start``, ``run_type``; ``task_result``: ``rendered_fields``, ``skip_task_ids``).
Images label the version they speak; a host runs every version from ``MIN_PROTOCOL_VERSION`` to
``PROTOCOL_VERSION`` and refuses others.
"""

import json
from typing import Any, Literal

from attrs import field, frozen

from dagseal.serialization.converter import JsonMessage, converter, decode_tagged, loads, unstructure
from dagseal.serialization.errors import SerializationError

PROTOCOL_VERSION = 3
# The oldest sandbox protocol a host still runs: teams need not rebuild the day the platform upgrades.
MIN_PROTOCOL_VERSION = 2
PROTOCOL_LABEL = "io.dagseal.sandbox.protocol"
"""The image label (set by the Bazel rules) naming the protocol version the image speaks."""

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
    sensor_started_at: str | None = None  # the first poke's start of a rescheduled sensor


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
    state: Literal["success", "failed", "skipped", "up_for_reschedule"]
    return_value: Any = None
    error: str | None = None
    # Template fields as rendered for this try ({} when the task has no templates).
    rendered_fields: dict[str, Any] = field(factory=dict)
    # Downstream task ids a branch / short-circuit decided to skip (the host marks them skipped).
    skip_task_ids: list[str] = field(factory=list)
    reschedule_date: str | None = None  # up_for_reschedule: when to poke again (ISO-8601 UTC)
    retry: bool = True  # False: fail without retrying (a sensor's timeout)


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


# Supervisor requests (protocol 3): sandbox → host while run_task/run_callbacks runs; the host
# answers each with one line of the same id. Ids count from 1 per sandbox, apart from the host's.


@frozen(kw_only=True)
class GetConnection(JsonMessage):
    type: Literal["get_connection"] = "get_connection"
    id: int
    conn_id: str


@frozen(kw_only=True)
class GetVariable(JsonMessage):
    type: Literal["get_variable"] = "get_variable"
    id: int
    key: str


@frozen(kw_only=True)
class SetVariable(JsonMessage):
    type: Literal["set_variable"] = "set_variable"
    id: int
    key: str
    value: str
    description: str | None = None


@frozen(kw_only=True)
class XComPush(JsonMessage):
    type: Literal["xcom_push"] = "xcom_push"
    id: int
    key: str
    value: Any = None


@frozen(kw_only=True)
class XComPull(JsonMessage):
    type: Literal["xcom_pull"] = "xcom_pull"
    id: int
    task_ids: list[str]
    key: str = "return_value"
    include_prior_dates: bool = False


@frozen(kw_only=True)
class ConnectionResult(JsonMessage):
    type: Literal["connection_result"] = "connection_result"
    id: int
    connection: dict[str, Any]


@frozen(kw_only=True)
class VariableResult(JsonMessage):
    type: Literal["variable_result"] = "variable_result"
    id: int
    found: bool
    value: str | None = None
    message: str | None = None  # why not found, for the KeyError


@frozen(kw_only=True)
class XComResult(JsonMessage):
    type: Literal["xcom_result"] = "xcom_result"
    id: int
    values: list[Any] = field(factory=list)


@frozen(kw_only=True)
class Done(JsonMessage):
    type: Literal["done"] = "done"
    id: int


@frozen(kw_only=True)
class RequestFailed(JsonMessage):
    """The host refused the request; the task sees ``message`` as its exception text."""

    type: Literal["request_failed"] = "request_failed"
    id: int
    message: str


SupervisorRequest = GetConnection | GetVariable | SetVariable | XComPush | XComPull
SupervisorAnswer = ConnectionResult | VariableResult | XComResult | Done | RequestFailed

SUPERVISOR_REQUEST_TYPES: dict[str, type[SupervisorRequest]] = {
    "get_connection": GetConnection,
    "get_variable": GetVariable,
    "set_variable": SetVariable,
    "xcom_push": XComPush,
    "xcom_pull": XComPull,
}

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


# Request fields added after protocol 2, by request type. A version-2 sandbox is sent a request
# without them: its SDK has no feature that reads them (sensors, mapping and templating came with
# them), and its strict decoder would refuse an unknown field.
ADDED_AFTER_VERSION_2: dict[str, frozenset[str]] = {
    "run_task": frozenset(
        {"data_interval_start", "data_interval_end", "map_index", "run_type", "sensor_started_at"}
    ),
}


def encode(message: Any, version: int = PROTOCOL_VERSION) -> bytes:
    """One protocol line for a sandbox speaking ``version``. ASCII-only JSON, so a line never
    contains a raw newline or a lone surrogate."""
    payload = message if isinstance(message, dict) else unstructure(message)
    if version < 3 and payload.get("type") in ADDED_AFTER_VERSION_2:
        added = ADDED_AFTER_VERSION_2[payload["type"]]
        payload = {key: value for key, value in payload.items() if key not in added}
    try:
        return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("ascii") + b"\n"
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"cannot encode {payload.get('type')!r} message: {exc}") from None


def decode_request(line: bytes | str) -> Request:
    return decode_tagged(loads(line), REQUEST_TYPES)


def decode_reply(line: bytes | str) -> Reply | Hello:
    return decode_tagged(loads(line), REPLY_TYPES)


def decode_supervisor_request(line: bytes | str | dict[str, Any]) -> SupervisorRequest:
    data = line if isinstance(line, dict) else loads(line)
    return decode_tagged(data, SUPERVISOR_REQUEST_TYPES)


def warm_codecs() -> None:
    """Have cattrs generate the hooks of every protocol message now. It builds (and compiles) them
    on first use, so a process that forks one child per try (the sandbox zygote, the supervisor
    fork server) would otherwise leave ~7 ms of CPU to every child."""
    for cls in {*REQUEST_TYPES.values(), *REPLY_TYPES.values(), *SUPERVISOR_REQUEST_TYPES.values()}:
        converter.get_structure_hook(cls)
        converter.get_unstructure_hook(cls)
