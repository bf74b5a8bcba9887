"""An SVG of a DAG version's tasks and edges, laid out on the server in layers (no JS needed).

Layer = longest path from a root; within a layer, tasks are ordered by the mean position of their
upstream tasks (one barycenter pass), then by id. Schema v1 has no task groups or edge labels, so
none are drawn; the operator name is the node's second line.
"""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import TopologicalSorter
from html import escape

from dagseal.serialization import SerializedDag

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 170, 44, 60, 18, 10


@dataclass(frozen=True)
class Placed:
    task_id: str
    operator: str
    x: int
    y: int


def layout(dag: SerializedDag) -> dict[str, Placed]:
    upstream = {task.task_id: task.upstream_task_ids for task in dag.tasks}
    layer: dict[str, int] = {}
    for task_id in TopologicalSorter(upstream).static_order():
        layer[task_id] = max((layer[up] + 1 for up in upstream[task_id]), default=0)
    operators = {task.task_id: task.operator for task in dag.tasks}
    rows: dict[str, float] = {}
    placed: dict[str, Placed] = {}
    for depth in range(max(layer.values(), default=-1) + 1):
        members = [t for t in layer if layer[t] == depth]
        members.sort(
            key=lambda t: (sum(rows[u] for u in upstream[t]) / len(upstream[t]) if upstream[t] else 0, t)
        )
        for row, task_id in enumerate(members):
            rows[task_id] = row
            placed[task_id] = Placed(
                task_id, operators[task_id], PAD + depth * (NODE_W + GAP_X), PAD + row * (NODE_H + GAP_Y)
            )
    return placed


def render_svg(dag: SerializedDag, states: dict[str, str | None] | None = None) -> str:
    """The DAG as inline SVG; ``states`` (task_id → state) colors the nodes by class ``state-<s>``."""
    placed = layout(dag)
    width = max((p.x for p in placed.values()), default=0) + NODE_W + PAD
    height = max((p.y for p in placed.values()), default=0) + NODE_H + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dag-graph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="graph of {escape(dag.dag_id)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    for task in dag.tasks:
        src = placed[task.task_id]
        for down in task.downstream_task_ids:
            dst = placed[down]
            x1, y1 = src.x + NODE_W, src.y + NODE_H // 2
            x2, y2 = dst.x, dst.y + NODE_H // 2
            mid = (x1 + x2) // 2
            parts.append(
                f'<path class="edge" data-edge="{escape(task.task_id)}-&gt;{escape(down)}" '
                f'd="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" marker-end="url(#arrow)"/>'
            )
    for node in placed.values():
        state = (states or {}).get(node.task_id) or "none"
        parts.append(
            f'<g class="node state-{escape(state)}" data-task-id="{escape(node.task_id)}">'
            f'<rect x="{node.x}" y="{node.y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
            f'<text x="{node.x + 8}" y="{node.y + 18}" class="task-id">{escape(node.task_id)}</text>'
            f'<text x="{node.x + 8}" y="{node.y + 35}" class="operator">{escape(node.operator)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
