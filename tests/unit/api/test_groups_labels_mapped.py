"""Task groups, edge labels and mapped tasks in the graph and the grid, from a serialized DAG that
carries them, and collapsed cells of mapped task instances."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from grouped_dag import grouped_envelope

from dagseal.api.dag_shape import DagShape
from dagseal.api.graph import NODE_H, NODE_W, layout, render_svg
from dagseal.api.grid_rows import grid_rows
from dagseal.api.task_cells import Cell, merged
from dagseal.scheduler.dag_bag import DagVersion
from dagseal.serialization import dag_from_envelope


def _shape(envelope: dict[str, Any]) -> DagShape:
    return DagShape.of(DagVersion.of(dag_from_envelope(envelope)))


SHAPE = _shape(grouped_envelope())


def test_shape_reads_groups_labels_and_mapping() -> None:
    assert SHAPE.group_path("etl.inner.load") == ("etl", "etl.inner")
    assert SHAPE.group_path("start") == ()
    assert SHAPE.labels == {("start", "etl.extract"): "daily"}
    assert [t for t, task in SHAPE.tasks.items() if task.mapped] == ["fan"]
    order = list(SHAPE.tasks)
    assert (
        order.index("start") < order.index("etl.extract") < order.index("etl.inner.load") < order.index("end")
    )


def test_each_group_box_encloses_its_tasks_and_inner_groups() -> None:
    svg = render_svg(SHAPE)
    boxes = {
        group: tuple(int(v) for v in dims)
        for group, *dims in re.findall(
            r'data-group-id="([^"]+)"><rect x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"', svg
        )
    }
    assert set(boxes) == {"etl", "etl.inner"}
    placed = layout(SHAPE)

    def inside(task_id: str, group: str) -> bool:
        x, y, w, h = boxes[group]
        node = placed[task_id]
        return x < node.x and y < node.y and node.x + NODE_W < x + w and node.y + NODE_H < y + h

    assert inside("etl.extract", "etl") and inside("etl.inner.load", "etl")
    assert inside("etl.inner.load", "etl.inner") and not inside("etl.extract", "etl.inner")
    assert not inside("start", "etl") and not inside("end", "etl")
    outer, inner = boxes["etl"], boxes["etl.inner"]
    assert outer[0] < inner[0] and outer[0] + outer[2] > inner[0] + inner[2]
    assert ">Inner loads</text>" in svg and ">etl</text>" in svg


def test_edge_label_and_mapped_marker_are_drawn() -> None:
    svg = render_svg(SHAPE)
    assert re.search(r'class="edge-label"[^>]*>daily</text>', svg)
    assert 'class="node state-none mapped" data-task-id="fan"' in svg and "BashOperator [ ]" in svg


def test_a_runs_mapped_cell_shows_its_count_and_worst_state() -> None:
    cell = Cell(Counter(success=2, running=1), mapped=True)
    svg = render_svg(SHAPE, {"fan": cell, "start": Cell(Counter(success=1), mapped=False)})
    assert 'class="node state-running mapped" data-task-id="fan"' in svg
    assert "&#215;3</text><title>1 running, 2 success</title>" in svg
    assert 'class="node state-success" data-task-id="start"' in svg


def test_cells_collapse_by_state_priority_and_merge() -> None:
    assert Cell(Counter(success=2, failed=1), True).state == "failed"
    assert Cell(Counter(success=2, skipped=1), True).state == "success"
    both = merged([Cell(Counter(success=1), False), Cell(Counter(queued=2), True)])
    assert both is not None and both.state == "queued" and both.total == 3 and both.mapped
    assert merged([]) is None


def test_grid_rows_nest_tasks_under_groups() -> None:
    rows = grid_rows([SHAPE])
    assert [(r.kind, r.id, r.depth) for r in rows][:5] == [
        ("task", "start", 0),
        ("group", "etl", 0),
        ("task", "etl.extract", 1),
        ("group", "etl.inner", 1),
        ("task", "etl.inner.load", 2),
    ]
    assert sorted((r.kind, r.id, r.depth) for r in rows[5:]) == [("task", "end", 0), ("task", "fan", 0)]
    etl = next(r for r in rows if r.id == "etl")
    assert etl.tasks == ("etl.extract", "etl.inner.load") and etl.label == "etl"
    assert next(r for r in rows if r.id == "etl.inner").label == "Inner loads"
    assert next(r for r in rows if r.id == "fan").mapped


def test_grid_rows_add_tasks_only_older_versions_have() -> None:
    envelope = grouped_envelope()
    older = _shape(envelope | {"dag": envelope["dag"] | {"tasks": []}})
    assert grid_rows([older, SHAPE])[0].id == "start"
    newer = _shape(envelope | {"dag": envelope["dag"] | {"tasks": [], "task_groups": []}})
    assert [r.id for r in grid_rows([newer, SHAPE])][:2] == ["start", "etl"]
