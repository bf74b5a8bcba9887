"""Supervisor requests (protocol 3): what a running task or callback asks its host, and the answers.

The sandbox sends these as plain JSON objects (``dagseal.sdk.supervisor_comms``) and reads the
answers as plain objects; only the host builds and checks the classes, so a task container does
not create them.
"""

from typing import Any, Literal

from dagseal.sdk.record import Record, factory
from dagseal.serialization.canonical import loads
from dagseal.serialization.converter import decode_tagged


class GetConnection(Record):
    type: Literal["get_connection"] = "get_connection"
    id: int
    conn_id: str


class GetVariable(Record):
    type: Literal["get_variable"] = "get_variable"
    id: int
    key: str


class SetVariable(Record):
    type: Literal["set_variable"] = "set_variable"
    id: int
    key: str
    value: str
    description: str | None = None


class XComPush(Record):
    type: Literal["xcom_push"] = "xcom_push"
    id: int
    key: str
    value: Any = None


class XComPull(Record):
    type: Literal["xcom_pull"] = "xcom_pull"
    id: int
    task_ids: list[str]
    key: str = "return_value"
    include_prior_dates: bool = False


class ConnectionResult(Record):
    type: Literal["connection_result"] = "connection_result"
    id: int
    connection: dict[str, Any]


class VariableResult(Record):
    type: Literal["variable_result"] = "variable_result"
    id: int
    found: bool
    value: str | None = None
    message: str | None = None  # why not found, for the KeyError


class XComResult(Record):
    type: Literal["xcom_result"] = "xcom_result"
    id: int
    values: list[Any] = factory(list)


class Done(Record):
    type: Literal["done"] = "done"
    id: int


class RequestFailed(Record):
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


def decode_supervisor_request(line: bytes | str | dict[str, Any]) -> SupervisorRequest:
    """A sandbox's request to its supervisor, on the host: every field checked by the converter."""
    data = line if isinstance(line, dict) else loads(line)
    return decode_tagged(data, SUPERVISOR_REQUEST_TYPES)
