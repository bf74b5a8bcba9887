"""DAG policy (``[core] policy_module`` → ``dag_policy(dag)``), applied on the trusted host.

The policy runs here, not in the sandbox, so user code cannot skip or monkey-patch it. It sees a
read-only view of the *serialized* DAG (what will be stored), never a live DAG object:
``dag.dag_id``, ``dag.fileloc`` (absolute host path), ``dag.relative_fileloc``, ``dag.tasks``
(each with ``task_id``, ``operator``, ``retries``, ...), ``dag.tags``, ``dag.processor_subdir`` and
every other serialized field. ``get_current_subdir()`` returns the running processor's
``processor_subdir`` (the resolved absolute path of ``--subdir``; use ``os.path.basename`` for a
team name). Raising ``dagseal.DagPolicyViolation`` turns into an import error for that file; any
other exception too, reported as a policy error, so one bad rule never stops the loop.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from dagseal.errors import DagsealError
from dagseal.sdk import DagPolicyViolation

_current_subdir: ContextVar[str | None] = ContextVar("dagseal_processor_subdir", default=None)

DagPolicy = Callable[[Any], None]


def get_current_subdir() -> str | None:
    """The ``processor_subdir`` of the processor applying the policy (None outside a processor)."""
    return _current_subdir.get()


@contextmanager
def current_subdir(subdir: str) -> Iterator[None]:
    """Expose ``subdir`` to policies run inside the block."""
    token = _current_subdir.set(subdir)
    try:
        yield
    finally:
        _current_subdir.reset(token)


class ReadOnlyView(Mapping[str, Any]):
    """Immutable attribute-and-item view of a JSON object; nested dicts and lists are frozen too,
    when read (a policy usually reads a few fields of a DAG with hundreds of tasks)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getattr__(self, name: str) -> Any:
        try:
            return _freeze(self._data[name])
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the DAG seen by a policy is read-only (tried to set {name!r})")

    def __getitem__(self, key: str) -> Any:
        return _freeze(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ReadOnlyView({self._data!r})"


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return ReadOnlyView(value)
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def dag_view(serialized_dag: Mapping[str, Any], *, fileloc: str, processor_subdir: str) -> ReadOnlyView:
    """The policy's view of one serialized DAG (the ``"dag"`` part of the envelope)."""
    return ReadOnlyView(
        {
            **serialized_dag,
            "fileloc": fileloc,
            "relative_fileloc": serialized_dag.get("fileloc"),
            "processor_subdir": processor_subdir,
        }
    )


def load_dag_policy(module_name: str | None) -> DagPolicy | None:
    """Import the trusted policy module and return its ``dag_policy``, if any."""
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise DagsealError(f"cannot import [core] policy_module {module_name!r}: {exc}") from exc
    policy = getattr(module, "dag_policy", None)
    if policy is not None and not callable(policy):
        raise DagsealError(f"[core] policy_module {module_name!r}: dag_policy is not callable")
    return policy


def check_dag(policy: DagPolicy | None, view: ReadOnlyView) -> str | None:
    """Run the policy on one DAG; the one-line violation message, or None when it passes."""
    if policy is None:
        return None
    try:
        policy(view)
    except DagPolicyViolation as exc:
        return f"DAG {view.dag_id!r} violates the DAG policy: {exc}"
    except Exception as exc:
        return f"DAG policy failed on DAG {view.dag_id!r}: {type(exc).__name__}: {exc}"
    return None
