"""The sandbox protocol: JSON-lines messages tagged by ``type`` (see docs/architecture.md).

Version 2 added ``--connect SOCKET`` (the protocol over a unix socket). Version 3 lets a running
task or callback ask the host for connections, variables and XCom (the supervisor requests, in
``supervisor_protocol.py``: only the host builds them), adds the reschedule-mode sensor fields
(``run_task``: ``data_interval_end``, ``sensor_started_at``; ``task_result``: state
``up_for_reschedule``, ``reschedule_date``, ``retry``) and the Airflow-compatibility fields
(``run_task``: ``map_index``, ``data_interval_start``, ``run_type``; ``task_result``:
``rendered_fields``, ``skip_task_ids``).
Images label the version they speak; a host runs every version from ``MIN_PROTOCOL_VERSION`` to
``PROTOCOL_VERSION`` and refuses others.

Two decoders, one encoder. Messages are Records (``dagseal/sdk/record.py``: no attrs, whose import
and code generation were half a task container's start-up CPU). A message is encoded with
``record.asdict`` (every field holds JSON values, or a list of messages). The host decodes what a
sandbox sends with the cattrs converter, which checks every field's type: that is untrusted output.
The sandbox decodes the host's requests with the classes' own ``__init__`` (unknown or missing
fields are errors): it never imports cattrs.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeVar

from dagseal.sdk.record import Record, asdict, factory
from dagseal.serialization.canonical import loads, tagged_class
from dagseal.serialization.errors import SerializationError

T = TypeVar("T")

PROTOCOL_VERSION = 3
# The oldest sandbox protocol a host still runs: teams need not rebuild the day the platform upgrades.
MIN_PROTOCOL_VERSION = 2
PROTOCOL_LABEL = "io.dagseal.sandbox.protocol"
"""The image label (set by the Bazel rules) naming the protocol version the image speaks."""

CallbackKind = Literal["task_failure", "task_success", "task_retry", "dag_success", "dag_failure", "sla_miss"]


class Hello(Record):
    type: Literal["hello"] = "hello"
    protocol_version: int
    dagseal_version: str
    python: str


class ParseRequest(Record):
    type: Literal["parse"] = "parse"
    id: int
    dag_folder: str
    file: str


class RunTaskRequest(Record):
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
    params: dict[str, Any] = factory(dict)
    conf: dict[str, Any] = factory(dict)
    upstream_results: dict[str, Any] = factory(dict)
    map_index: int = -1
    data_interval_start: str | None = None
    data_interval_end: str | None = None
    run_type: str | None = None
    sensor_started_at: str | None = None  # the first poke's start of a rescheduled sensor


class CallbackSpec(Record):
    callback_id: int
    kind: CallbackKind
    dag_id: str
    task_id: str | None = None
    run_id: str | None = None
    msg: str | None = None
    context: dict[str, Any] = factory(dict)


class RunCallbacksRequest(Record):
    type: Literal["run_callbacks"] = "run_callbacks"
    id: int
    dag_folder: str
    file: str
    source: str
    callbacks: list[CallbackSpec] = factory(list)

    def __init__(self, *, callbacks: Iterable[CallbackSpec | Mapping[str, Any]] = (), **values: Any) -> None:
        """The sandbox's decoder hands over plain objects; the host's converter, CallbackSpecs."""
        specs = [item if isinstance(item, CallbackSpec) else CallbackSpec(**item) for item in callbacks]
        super().__init__(callbacks=specs, **values)


class ShutdownRequest(Record):
    type: Literal["shutdown"] = "shutdown"
    id: int


class ImportErrorInfo(Record):
    filename: str
    message: str
    stacktrace: str


class ParseResult(Record):
    type: Literal["parse_result"] = "parse_result"
    id: int
    file: str
    source_digest: str | None = None
    source: str | None = None
    dags: list[dict[str, Any]] = factory(list)
    import_errors: list[ImportErrorInfo] = factory(list)


class TaskResult(Record):
    type: Literal["task_result"] = "task_result"
    id: int
    state: Literal["success", "failed", "skipped", "up_for_reschedule"]
    return_value: Any = None
    error: str | None = None
    # Template fields as rendered for this try ({} when the task has no templates).
    rendered_fields: dict[str, Any] = factory(dict)
    # Downstream task ids a branch / short-circuit decided to skip (the host marks them skipped).
    skip_task_ids: list[str] = factory(list)
    reschedule_date: str | None = None  # up_for_reschedule: when to poke again (ISO-8601 UTC)
    retry: bool = True  # False: fail without retrying (a sensor's timeout)


class CallbackOutcome(Record):
    callback_id: int
    ok: bool
    error: str | None = None


class CallbacksResult(Record):
    type: Literal["callbacks_result"] = "callbacks_result"
    id: int
    outcomes: list[CallbackOutcome] = factory(list)


class ErrorReply(Record):
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


# Request fields added after protocol 2, by request type. A version-2 sandbox is sent a request
# without them: its SDK has no feature that reads them (sensors, mapping and templating came with
# them), and its strict decoder would refuse an unknown field.
ADDED_AFTER_VERSION_2: dict[str, frozenset[str]] = {
    "run_task": frozenset(
        {"data_interval_start", "data_interval_end", "map_index", "run_type", "sensor_started_at"}
    ),
}


def _json_values(message: Any) -> dict[str, Any]:
    """A message's fields as they are, a list of messages as dicts. Shallow on purpose: the other
    fields hold JSON values already, and a parse result's serialized DAGs can be large."""
    fields = asdict(message)
    for name, value in fields.items():
        if isinstance(value, list):
            fields[name] = [asdict(item) if isinstance(item, Record) else item for item in value]
    return fields


def encode(message: Any, version: int = PROTOCOL_VERSION) -> bytes:
    """One protocol line for a sandbox speaking ``version``. ASCII-only JSON, so a line never
    contains a raw newline or a lone surrogate."""
    payload = message if isinstance(message, dict) else _json_values(message)
    if version < 3 and payload.get("type") in ADDED_AFTER_VERSION_2:
        added = ADDED_AFTER_VERSION_2[payload["type"]]
        payload = {key: value for key, value in payload.items() if key not in added}
    try:
        return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("ascii") + b"\n"
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"cannot encode {payload.get('type')!r} message: {exc}") from None


def _from_fields(data: Any, classes: Mapping[str, type[T]]) -> T:
    """The sandbox's decoder: the class named by ``type``, built by its own ``__init__``."""
    cls = tagged_class(data, classes)
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"invalid {cls.__name__}: {exc}") from None


def decode_request(line: bytes | str) -> Request:
    """A request from the host, in the sandbox."""
    return _from_fields(loads(line), REQUEST_TYPES)


def decode_reply(line: bytes | str) -> Reply | Hello:
    """A sandbox's reply, on the host: every field checked by the converter."""
    from dagseal.serialization.converter import decode_tagged

    return decode_tagged(loads(line), REPLY_TYPES)


def warm_codecs() -> None:
    """Have cattrs generate the hooks of every protocol message now. It builds (and compiles) them
        on first use, so a process that forks one child per try (the sandbox zygote, the supervisor
        fork server) would otherwise leave ~7 ms of CPU to every child. Host side only: a sandbox
    never uses the converter for a task try."""
    from dagseal.sandbox.supervisor_protocol import SUPERVISOR_REQUEST_TYPES
    from dagseal.serialization.converter import converter

    for cls in {*REQUEST_TYPES.values(), *REPLY_TYPES.values(), *SUPERVISOR_REQUEST_TYPES.values()}:
        converter.get_structure_hook(cls)
        converter.get_unstructure_hook(cls)
