"""An SVG of a DAG version, laid out on the server in layers (no JS needed): tasks, edges with
their labels, task groups as boxes around their tasks, and mapped tasks marked (with their count
of task instances in a run).

Layer = longest path from a root; within a layer, tasks are ordered by their group path (so a
group's tasks sit together), then by the mean position of their upstream tasks (one barycenter
pass), then by id. A group's box encloses its tasks (and inner groups) with a margin per nesting
level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from dagseal.api.dag_shape import DagShape
from dagseal.api.task_cells import Cell

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 170, 44, 60, 30, 10
GROUP_MARGIN, GROUP_LABEL = 8, 14


@dataclass(frozen=True)
class Placed:
    task_id: str
    operator: str
    x: int
    y: int


def layout(shape: DagShape) -> dict[str, Placed]:
    layer: dict[str, int] = {}
    for task_id, task in shape.tasks.items():  # topological order: upstream tasks are placed first
        layer[task_id] = max((layer[up] + 1 for up in task.upstream), default=0)
    depth_of = max((len(shape.group_path(t)) for t in shape.tasks), default=0)
    inset = depth_of * (GROUP_MARGIN + GROUP_LABEL)  # room for the outermost group boxes
    rows: dict[str, float] = {}
    placed: dict[str, Placed] = {}
    for depth in range(max(layer.values(), default=-1) + 1):
        members = [t for t in layer if layer[t] == depth]

        def order(t: str) -> tuple[tuple[str, ...], float, str]:
            ups = shape.tasks[t].upstream
            return (shape.group_path(t), sum(rows[u] for u in ups) / len(ups) if ups else 0, t)

        members.sort(key=order)
        for row, task_id in enumerate(members):
            rows[task_id] = row
            x = PAD + inset + depth * (NODE_W + GAP_X)
            y = PAD + inset + row * (NODE_H + GAP_Y)
            placed[task_id] = Placed(task_id, shape.tasks[task_id].operator, x, y)
    return placed


def _group_boxes(shape: DagShape, placed: Mapping[str, Placed]) -> list[str]:
    """One box per group around its tasks, outermost first (so inner boxes are drawn on top)."""
    members: dict[str, list[Placed]] = {}
    for task_id, node in placed.items():
        for group in shape.group_path(task_id):
            members.setdefault(group, []).append(node)
    parts = []
    for group_id, nodes in sorted(members.items(), key=lambda item: _depth(shape, item[0])):
        inner = max(
            (len(shape.group_path(n.task_id)) - _depth(shape, group_id) - 1 for n in nodes), default=0
        )
        margin = GROUP_MARGIN + inner * (GROUP_MARGIN + GROUP_LABEL)
        x0 = min(n.x for n in nodes) - margin
        y0 = min(n.y for n in nodes) - margin - GROUP_LABEL
        x1 = max(n.x for n in nodes) + NODE_W + margin
        y1 = max(n.y for n in nodes) + NODE_H + margin
        label = shape.groups[group_id].label if group_id in shape.groups else group_id
        parts.append(
            f'<g class="task-group" data-group-id="{escape(group_id)}">'
            f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="8"/>'
            f'<text x="{x0 + 6}" y="{y0 + GROUP_LABEL - 2}" class="group-label">{escape(label)}</text></g>'
        )
    return parts


def _depth(shape: DagShape, group_id: str) -> int:
    """How many groups enclose ``group_id``."""
    depth, seen = 0, {group_id}
    parent = shape.groups[group_id].parent if group_id in shape.groups else None
    while parent is not None and parent not in seen:
        depth += 1
        seen.add(parent)
        parent = shape.groups[parent].parent if parent in shape.groups else None
    return depth


def _node(node: Placed, mapped: bool, cell: Cell | None) -> str:
    state = cell.state if cell else "none"
    operator = f"{node.operator} [ ]" if mapped else node.operator
    count = ""
    if mapped and cell is not None:
        count = (
            f'<text x="{node.x + NODE_W - 8}" y="{node.y + 18}" class="map-count" text-anchor="end">'
            f"&#215;{cell.total}</text><title>{escape(cell.title)}</title>"
        )
    return (
        f'<g class="node state-{escape(state)}{" mapped" if mapped else ""}" '
        f'data-task-id="{escape(node.task_id)}">'
        f'<rect x="{node.x}" y="{node.y}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
        f'<text x="{node.x + 8}" y="{node.y + 18}" class="task-id">{escape(node.task_id)}</text>'
        f'<text x="{node.x + 8}" y="{node.y + 35}" class="operator">{escape(operator)}</text>{count}</g>'
    )


def render_svg(shape: DagShape, cells: Mapping[str, Cell] | None = None) -> str:
    """The DAG as inline SVG; ``cells`` (task_id → a run's collapsed task instances) colors the
    nodes by class ``state-<s>`` and gives mapped tasks their count."""
    placed = layout(shape)
    width = max((p.x for p in placed.values()), default=0) + NODE_W + PAD + GROUP_MARGIN * 4
    height = max((p.y for p in placed.values()), default=0) + NODE_H + PAD + GROUP_MARGIN * 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dag-graph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="graph of {escape(shape.dag_id)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
        *_group_boxes(shape, placed),
    ]
    for task in shape.tasks.values():
        src = placed[task.task_id]
        for down in task.downstream:
            dst = placed[down]
            x1, y1 = src.x + NODE_W, src.y + NODE_H // 2
            x2, y2 = dst.x, dst.y + NODE_H // 2
            mid = (x1 + x2) // 2
            parts.append(
                f'<path class="edge" data-edge="{escape(task.task_id)}-&gt;{escape(down)}" '
                f'd="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" marker-end="url(#arrow)"/>'
            )
            label = shape.labels.get((task.task_id, down))
            if label is not None:
                parts.append(
                    f'<text class="edge-label" x="{mid}" y="{(y1 + y2) // 2 - 4}" text-anchor="middle">'
                    f"{escape(label)}</text>"
                )
    for node in placed.values():
        cell = (cells or {}).get(node.task_id)
        mapped = shape.tasks[node.task_id].mapped or (cell is not None and cell.mapped)
        parts.append(_node(node, mapped, cell))
    parts.append("</svg>")
    return "".join(parts)
