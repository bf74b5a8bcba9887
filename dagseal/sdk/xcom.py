"""XComArg: a reference to an upstream task's return value, passed as JSON between sandboxes."""

import json
from typing import TYPE_CHECKING, Any

from dagseal.sdk.baseoperator import link
from dagseal.sdk.exceptions import XComNotSerializableError
from dagseal.sdk.xcom_channel import RETURN_VALUE, XComChannel

if TYPE_CHECKING:
    from dagseal.sdk.baseoperator import BaseOperator

XCOM_KEY = "__xcom__"


class XComArg:
    """The future XCom ``key`` of ``operator``; becomes ``{"__xcom__": task_id[, "key": key]}`` serialized.

    ``arg["name"]`` is one key of a ``multiple_outputs`` task's returned dict.
    """

    def __init__(self, operator: "BaseOperator", key: str = RETURN_VALUE) -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> "XComArg":
        return XComArg(self.operator, key)

    @property
    def task_id(self) -> str:
        return self.operator.task_id

    def dependency_roots(self) -> list["BaseOperator"]:
        return [self.operator]

    def __enter__(self) -> "XComArg":
        self.operator.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.operator.__exit__(*exc_info)

    def as_setup(self) -> "XComArg":
        self.operator.as_setup()
        return self

    def as_teardown(self, setups: Any = None, on_failure_fail_dagrun: bool = False) -> "XComArg":
        self.operator.as_teardown(setups=setups, on_failure_fail_dagrun=on_failure_fail_dagrun)
        return self

    def __rshift__(self, other: Any) -> Any:
        return self.operator >> other

    def __lshift__(self, other: Any) -> Any:
        return self.operator << other

    def __rrshift__(self, other: Any) -> "XComArg":
        link(other, self.operator)
        return self

    def __rlshift__(self, other: Any) -> "XComArg":
        link(self.operator, other)
        return self

    def __repr__(self) -> str:
        return f"XComArg({self.task_id!r}, {self.key!r})"


def find_xcom_args(value: Any) -> list[XComArg]:
    """All XComArgs inside ``value`` (lists, tuples and dict values are searched)."""
    if isinstance(value, XComArg):
        return [value]
    if isinstance(value, list | tuple):
        return [arg for item in value for arg in find_xcom_args(item)]
    if isinstance(value, dict):
        return [arg for item in value.values() for arg in find_xcom_args(item)]
    return []


def resolve_xcom_args(value: Any, channel: XComChannel) -> Any:
    """Replace XComArgs in ``value`` by the XComs they name (None if an upstream gave none)."""
    if isinstance(value, XComArg):
        return channel.pull(value.task_id, value.key)
    if isinstance(value, list | tuple):
        return type(value)(resolve_xcom_args(item, channel) for item in value)
    if isinstance(value, dict):
        return {key: resolve_xcom_args(item, channel) for key, item in value.items()}
    return value


def ensure_json_serializable(value: Any, task_id: str) -> Any:
    """Return ``value`` if it survives a JSON round trip unchanged in meaning, else raise one clear line."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise XComNotSerializableError(
            f"task {task_id!r} returned a value that is not JSON-serializable "
            f"({type(value).__name__}: {exc}); return dicts, lists, str, int, float, bool or None"
        ) from None
    return value
