"""Dynamic task mapping: ``.partial(...).expand(...)`` and ``.expand_kwargs(...)``.

A mapped task is one MappedOperator in the DAG; the scheduler (host) creates one task instance
per element once the mapped values are known, and the sandbox builds the real operator for its
``map_index`` right before rendering and executing it. Element ``i`` follows Airflow: with several
mapped arguments the cross product, the last argument varying fastest; a dict maps to its
``[key, value]`` items.
"""

from collections.abc import Callable, Mapping
from typing import Any

from dagseal.sdk.baseoperator import DOC_ARGUMENTS, BaseOperator
from dagseal.sdk.exceptions import DagDefinitionError, TaskError
from dagseal.sdk.xcom import XComArg, find_xcom_args, resolve_xcom_args
from dagseal.sdk.xcom_channel import XComChannel

EXPAND = "expand"
EXPAND_KWARGS = "expand_kwargs"


class UnmappableValue(TaskError):
    """A mapped argument's value is not a list or a dict; the message names its upstream."""


def _base_argument_names() -> frozenset[str]:
    import inspect  # here, not at the top: a task container imports this module on every try

    from dagseal.sdk.airflow_args import TASK_INERT

    names = set(inspect.signature(BaseOperator.__init__).parameters) - {"self", "airflow_arguments"}
    return frozenset(names | set(TASK_INERT) | set(DOC_ARGUMENTS))


def _as_sequence(value: Any, name: str, source: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, dict):
        return [[key, item] for key, item in value.items()]
    origin = f"upstream task {source.task_id!r}" if isinstance(source, XComArg) else "the DAG file"
    raise UnmappableValue(
        f"cannot expand {name!r}: {origin} gave {type(value).__name__} {value!r}, need a list or a dict"
    )


class MappedOperator(BaseOperator):
    """Stands for every map index of one task; ``unmap`` builds the real operator for one index."""

    def __init__(
        self,
        *,
        task_id: str,
        operator_name: str,
        build: Callable[[str, Any, dict[str, Any]], BaseOperator],
        kind: str,
        expand_input: Any,
        **base_kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, **base_kwargs)
        # Upstream tasks of the same mapped task group: this index reads their value at this index.
        self.index_upstreams: frozenset[str] = frozenset()
        self._operator_name = operator_name
        self.build = build
        self.kind = kind
        self.expand_input = expand_input
        for arg in find_xcom_args(expand_input):
            arg.operator.set_downstream(self)

    @property
    def operator_name(self) -> str:
        return self._operator_name

    def channel_for(self, channel: XComChannel, map_index: int) -> XComChannel:
        """The XCom channel of ``map_index``: same-group upstreams read at the same index."""
        return SameIndex(channel, self.index_upstreams, map_index) if self.index_upstreams else channel

    def mapped_values(self, channel: XComChannel, map_index: int) -> dict[str, Any]:
        """The keyword arguments of element ``map_index``."""
        if self.kind == EXPAND_KWARGS:
            rows = _as_sequence(
                resolve_xcom_args(self.expand_input, channel), "expand_kwargs", self.expand_input
            )
            row = rows[map_index]
            if not isinstance(row, dict):
                raise UnmappableValue(
                    f"expand_kwargs element {map_index} is {type(row).__name__}, need a dict"
                )
            return resolve_xcom_args(row, channel)
        sequences = {
            name: _as_sequence(resolve_xcom_args(value, channel), name, value)
            for name, value in self.expand_input.items()
        }
        chosen: dict[str, Any] = {}
        index = map_index
        for name in reversed(list(sequences)):
            items = sequences[name]
            if not items:
                raise UnmappableValue(f"cannot expand {name!r}: it is empty")
            chosen[name] = items[index % len(items)]
            index //= len(items)
        return {name: chosen[name] for name in sequences}

    def unmap(self, channel: XComChannel, map_index: int) -> BaseOperator:
        """The real operator of ``map_index``, with this task's id, DAG and edges."""
        dag = self.dag
        del dag.task_dict[self.task_id]
        try:
            real = self.build(self.task_id, dag, self.mapped_values(channel, map_index))
        finally:
            dag.task_dict[self.task_id] = self
        real.upstream_task_ids = set(self.upstream_task_ids)
        real.downstream_task_ids = set(self.downstream_task_ids)
        return real

    def execute(self, context: Any) -> Any:
        raise RuntimeError(f"mapped task {self.task_id!r} runs through unmap(); this is a dagseal bug")


def substitute_mapped_arguments(value: Any, values: Mapping[str, Any]) -> Any:
    """``value`` with each MappedArgument of a mapped task group replaced by this index's element."""
    from dagseal.sdk.task_group import MappedArgument

    if isinstance(value, MappedArgument):
        return values[value.name]
    if isinstance(value, list | tuple):
        return type(value)(substitute_mapped_arguments(item, values) for item in value)
    if isinstance(value, dict):
        return {key: substitute_mapped_arguments(item, values) for key, item in value.items()}
    return value


class SameIndex(XComChannel):
    """Reads upstreams of the same mapped task group at this map index, others as they are."""

    def __init__(self, channel: XComChannel, upstreams: frozenset[str], map_index: int) -> None:
        self.channel = channel
        self.upstreams = upstreams
        self.map_index = map_index

    def pull(self, task_id: str, key: str, include_prior_dates: bool = False) -> Any:
        value = self.channel.pull(task_id, key, include_prior_dates)
        if task_id in self.upstreams and isinstance(value, list):
            return value[self.map_index] if self.map_index < len(value) else None
        return value

    def push(self, key: str, value: Any) -> None:
        self.channel.push(key, value)


def _accepted(operator_class: type) -> set[str]:
    import inspect

    names = set(_base_argument_names())
    for klass in operator_class.__mro__:
        if "__init__" in vars(klass):
            names |= set(inspect.signature(vars(klass)["__init__"]).parameters)
    return names


def check_partial_arguments(
    operator_class: type, task_id: str, given: Mapping[str, Any], mapped: Mapping[str, Any]
) -> None:
    """Unknown or doubly given arguments are parse-time errors, as Airflow checks them."""
    overlap = sorted(set(given) & set(mapped))
    if overlap:
        raise DagDefinitionError(
            f"task {task_id!r}: {', '.join(overlap)} given to both partial() and expand()"
        )
    unknown = sorted((set(given) | set(mapped)) - _accepted(operator_class))
    if unknown:
        raise DagDefinitionError(
            f"task {task_id!r}: {operator_class.__name__} has no argument {', '.join(map(repr, unknown))}"
        )


class OperatorPartial:
    """``SomeOperator.partial(task_id=..., **fixed)``; ``.expand(**mapped)`` adds the mapped task."""

    def __init__(self, operator_class: type, task_id: str, kwargs: dict[str, Any]) -> None:
        self.operator_class = operator_class
        self.task_id = task_id
        self.kwargs = kwargs

    def _mapped(self, kind: str, expand_input: Any, names: Mapping[str, Any]) -> MappedOperator:
        check_partial_arguments(self.operator_class, self.task_id, self.kwargs, names)
        base_names = _base_argument_names()
        base = {name: value for name, value in self.kwargs.items() if name in base_names}
        fixed = {name: value for name, value in self.kwargs.items() if name not in ("dag", "task_group")}
        cls = self.operator_class

        def build(task_id: str, dag: Any, values: dict[str, Any]) -> BaseOperator:
            return cls(task_id=task_id, dag=dag, **{**fixed, **values})

        mapped = MappedOperator(
            task_id=self.task_id,
            operator_name=cls.__name__,
            build=build,
            kind=kind,
            expand_input=expand_input,
            **base,
        )
        for arg in find_xcom_args(fixed):
            arg.operator.set_downstream(mapped)
        return mapped

    def expand(self, **mapped: Any) -> MappedOperator:
        return self._mapped(EXPAND, mapped, mapped)

    def expand_kwargs(self, rows: Any) -> MappedOperator:
        return self._mapped(EXPAND_KWARGS, rows, {})


def partial(operator_class: type, **kwargs: Any) -> OperatorPartial:
    """``BaseOperator.partial``: task_id is required, as in Airflow."""
    task_id = kwargs.pop("task_id", None)
    if not isinstance(task_id, str):
        raise DagDefinitionError(f"{operator_class.__name__}.partial() needs task_id")
    return OperatorPartial(operator_class, task_id, kwargs)
