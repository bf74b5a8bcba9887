"""The server-side graph layout and the version diff, on SDK-built DAGs."""

from __future__ import annotations

from collections import Counter

from dagseal.api.dag_shape import DagShape
from dagseal.api.graph import NODE_H, NODE_W, layout, render_svg
from dagseal.api.task_cells import Cell
from dagseal.api.version_diff import diff_versions
from dagseal.scheduler.dag_bag import DagVersion
from dagseal.sdk import DAG, BashOperator, EmptyOperator
from dagseal.serialization import SerializedDag, serialize_dag


def _serialized(dag: DAG) -> SerializedDag:
    return serialize_dag(dag, fileloc=f"{dag.dag_id}.py", source_digest="0" * 64)


def _shape(dag: SerializedDag) -> DagShape:
    return DagShape.of(DagVersion.of(dag))


def _diamond(command: str = "echo b", extra: bool = False) -> SerializedDag:
    with DAG("diamond") as dag:
        a = EmptyOperator(task_id="a")
        b = BashOperator(task_id="b", bash_command=command)
        c = EmptyOperator(task_id="c")
        d = EmptyOperator(task_id="d")
        a >> [b, c]
        [b, c] >> d
        if extra:
            d >> EmptyOperator(task_id="e")
    return _serialized(dag)


def test_layers_follow_the_longest_path_and_nodes_do_not_overlap() -> None:
    placed = layout(_shape(_diamond()))
    xs = {task_id: node.x for task_id, node in placed.items()}
    assert xs["a"] < xs["b"] == xs["c"] < xs["d"]
    boxes = [(n.x, n.y) for n in placed.values()]
    assert len(set(boxes)) == len(boxes)
    assert abs(placed["b"].y - placed["c"].y) >= NODE_H


def test_svg_has_every_node_edge_and_state() -> None:
    cells = {"a": Cell(Counter(success=1), False), "b": Cell(Counter(failed=1), False)}
    svg = render_svg(_shape(_diamond()), cells)
    assert svg.count('<g class="node') == 4
    assert svg.count('class="edge"') == 4
    assert 'class="node state-success" data-task-id="a"' in svg
    assert 'class="node state-none" data-task-id="d"' in svg
    assert f'width="{NODE_W}"' in svg


def test_svg_escapes_task_ids() -> None:
    with DAG("esc") as dag:
        EmptyOperator(task_id="a<b")
    svg = render_svg(_shape(_serialized(dag)))
    assert "a&lt;b" in svg and "a<b" not in svg


def test_diff_names_added_changed_tasks_edges_and_source() -> None:
    diff = diff_versions(_diamond(), _diamond("echo B", extra=True), "x = 1\n", "x = 2\n")
    assert diff.tasks_added == ["e"] and diff.tasks_removed == []
    # bash_command is a template field: its unrendered source is serialized too
    assert [(c.task_id, c.fields) for c in diff.tasks_changed] == [("b", ["bash_command", "template_fields"])]
    assert diff.edges_added == [("d", "e")] and diff.edges_removed == []
    assert "-x = 1" in diff.source_diff and "+x = 2" in diff.source_diff
    assert not diff.unchanged


def test_diff_of_a_version_with_itself_is_empty() -> None:
    assert diff_versions(_diamond(), _diamond(), "s\n", "s\n").unchanged
