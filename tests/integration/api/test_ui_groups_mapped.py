"""Graph, grid and run pages of a DAG whose serialized version carries task groups, edge labels
and a mapped task, written straight into a real DB."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_client import post_form
from api_seed import T0, add_envelope
from fastapi.testclient import TestClient
from grouped_dag import grouped_envelope
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
FANS = 3  # the mapped task's instances, map_index 0..2


@pytest.fixture
def grouped(seeded: object, session_factory: sessionmaker[Session]) -> int:
    """team_x's ``x_grouped`` with one running run; returns how many ``fan`` task instances it has."""
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
        for index in range(FANS):
            session.add(_ti(run, "fan", "running" if index == 0 else "success", map_index=index))
    return FANS


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
    listed = html.split("<table")[1]  # the task instance list: one row per map index
    assert listed.count("/tasks/fan?map_index=") == grouped
    assert '/tasks/fan?map_index=2">fan</a> <small class="muted">[2]</small>' in listed


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


def test_task_page_of_a_mapped_task_picks_its_map_index(browser_session: Client, grouped: int) -> None:
    client = browser_session("x_op")
    first = client.get("/dags/x_grouped/runs/r1/tasks/fan").text  # no map_index: the lowest
    assert " fan [0]</h1>" in first and "BashOperator" in first
    assert [f'data-map-index="{i}"' in first for i in range(grouped)] == [True] * grouped
    second = client.get("/dags/x_grouped/runs/r1/tasks/fan?map_index=2").text
    assert " fan [2]</h1>" in second and 'data-map-index="2" class="current"' in second
    assert 'name="map_index" value="2"' in second and 'data-map-index="2" data-try="1"' in second
    assert client.get("/dags/x_grouped/runs/r1/tasks/fan?map_index=7").status_code == 404
    grouped_task = client.get("/dags/x_grouped/runs/r1/tasks/etl.inner.load").text
    assert " etl.inner.load</h1>" in grouped_task and "map-indexes" not in grouped_task


def test_marking_one_map_index_leaves_the_others(browser_session: Client, grouped: int) -> None:
    client = browser_session("x_op")
    page = "/dags/x_grouped/runs/r1/tasks/fan?map_index=0"
    target = post_form(
        client, "/dags/x_grouped/runs/r1/tasks/fan/mark", page, new_state="failed", map_index="0"
    )
    assert target == page
    states = [client.get(f"/dags/x_grouped/runs/r1/tasks/fan?map_index={i}").text for i in range(grouped)]
    assert ["state-failed" in html.split("</dl>")[0] for html in states] == [True, False, False]


def test_api_reaches_each_map_index_as_airflow_3(api: Client, grouped: int) -> None:
    client = api("x_op")
    base = "/api/v2/dags/x_grouped/dagRuns/r1/taskInstances"
    listed = client.get(base).json()["task_instances"]
    assert [ti["map_index"] for ti in listed if ti["task_id"] == "fan"] == list(range(grouped))
    one = client.get(f"{base}/fan/1")
    assert one.status_code == 200 and one.json()["map_index"] == 1 and one.json()["state"] == "success"
    unmapped = client.get(f"{base}/fan")
    assert unmapped.status_code == 404 and "is mapped: add its map_index" in unmapped.text
    assert client.get(f"{base}/start").json()["map_index"] == -1
    assert client.get(f"{base}/start/0").status_code == 404
    marked = client.patch(f"{base}/fan/2", json={"new_state": "failed"})
    assert marked.status_code == 200 and marked.json()["state"] == "failed"
    assert client.get(f"{base}/fan/1").json()["state"] == "success"
    assert client.get(f"{base}/fan/-1").status_code == 422
