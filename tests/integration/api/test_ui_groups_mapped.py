"""Graph, grid and run pages of a DAG whose serialized version carries task groups, edge labels
and a mapped task (the Airflow-compat branch's shape), written straight into a real DB."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_seed import T0, add_envelope
from fastapi.testclient import TestClient
from grouped_dag import grouped_envelope
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
MAPPED = hasattr(TaskInstanceModel, "map_index")  # one row per map_index once the compat migration is in


@pytest.fixture
def grouped(seeded: object, session_factory: sessionmaker[Session]) -> int:
    """team_x's ``x_grouped`` with one running run; returns how many ``fan`` task instances it has."""
    fans = 3 if MAPPED else 1
    with session_scope(session_factory) as session:
        version = add_envelope(session, "x_grouped", grouped_envelope("x_grouped"), "team_x", "# grouped\n")
        run = DagRunModel(
            dag_id="x_grouped",
            run_id="r1",
            run_type="manual",
            state="running",
            dag_hash=version,
            conf={},
            created_at=T0,
        )
        session.add(run)
        session.flush()
        states = {"start": "success", "etl.extract": "success", "etl.inner.load": "failed"}
        for task_id, state in states.items():
            session.add(_ti(run, task_id, state))
        for index in range(fans):
            extra = {"map_index": index} if MAPPED else {}
            session.add(_ti(run, "fan", "running" if index == 0 else "success", **extra))
    return fans


def _ti(run: DagRunModel, task_id: str, state: str, **extra: int) -> TaskInstanceModel:
    return TaskInstanceModel(
        dag_run_id=run.id,
        dag_id=run.dag_id,
        run_id=run.run_id,
        task_id=task_id,
        state=state,
        try_number=1,
        **extra,
    )


def test_graph_page_draws_groups_labels_and_the_mapped_task(browser_session: Client, grouped: int) -> None:
    html = browser_session("x_op").get("/dags/x_grouped/graph").text
    assert (
        'data-group-id="etl"' in html
        and 'data-group-id="etl.inner"' in html
        and ">Inner loads</text>" in html
    )
    assert ">daily</text>" in html
    assert 'class="node state-none mapped" data-task-id="fan"' in html


def test_run_page_shows_the_mapped_count_and_state(browser_session: Client, grouped: int) -> None:
    html = browser_session("x_op").get("/dags/x_grouped/runs/r1").text
    assert 'class="node state-running mapped" data-task-id="fan"' in html
    assert f"&#215;{grouped}</text>" in html
    assert 'class="node state-failed" data-task-id="etl.inner.load"' in html
    listed = html.split("<table")[1]  # the task instance list: one row per map index once they exist
    assert listed.count('/tasks/fan">fan</a>') == grouped
    assert ('<small class="muted">[2]</small>' in listed) == MAPPED


def test_grid_nests_groups_and_collapses_the_mapped_task(browser_session: Client, grouped: int) -> None:
    html = browser_session("x_op").get("/dags/x_grouped/grid").text
    rows = html.split('<tr class="')[1:]
    kinds = [row.split('"')[0] + ":" + row.split('data-row="')[1].split('"')[0] for row in rows]
    assert kinds[:5] == [
        "task-row:start",
        "group-row:etl",
        "task-row:etl.extract",
        "group-row:etl.inner",
        "task-row:etl.inner.load",
    ]
    etl = next(row for row in rows if row.startswith('group-row" data-row="etl"'))
    assert 'class="cell group-cell state-failed"' in etl and '<span class="map-count">2</span>' in etl
    fan = next(row for row in rows if 'data-row="fan"' in row)
    assert "[ ]" in fan and 'class="cell state-running"' in fan
    assert f'<span class="map-count">{grouped}</span>' in fan
