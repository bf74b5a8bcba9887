"""``Label``: a name on the edges it sits on, as in ``a >> Label("on success") >> b``."""

from typing import Any

from dagseal.sdk.baseoperator import dependency_leaves, dependency_roots


class Label:
    """Records the label on every edge from the tasks before it to the tasks after it (``>>`` only)."""

    is_edge_modifier = True

    def __init__(self, label: str) -> None:
        self.label = label
        self._upstream: list[Any] = []

    def __rrshift__(self, other: Any) -> "Label":
        self._upstream.extend(dependency_leaves(other))
        return self

    def __rshift__(self, other: Any) -> Any:
        for up in self._upstream:
            for down in dependency_roots(other):
                up.set_downstream(down)
                up.dag.edge_labels[(up.task_id, down.task_id)] = self.label
        return other

    def __repr__(self) -> str:
        return f"Label({self.label!r})"
