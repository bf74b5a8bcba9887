"""The UI pages render what they promise, from the DB alone (the browser tests drive the same pages)."""

from __future__ import annotations

from collections.abc import Callable

from api_client import csrf_of
from api_seed import DIGEST_A, DIGEST_B, Seeded
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, ImportErrorModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]


def test_dag_list_shows_team_state_image_and_import_error_badge(
    browser_session: Client, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        session.add(
            ImportErrorModel(
                filename="/srv/dag_repos/team_x/x_etl.py",
                processor_subdir="/srv/dag_repos/team_x",
                stacktrace="boom",
            )
        )
    html = browser_session("admin").get("/dags").text
    assert 'data-dag-id="x_etl"' in html and 'data-dag-id="y_report"' in html
    assert "team_x" in html and DIGEST_B[:19] in html
    assert html.count("badge import-error") == 1
    assert "state-running" in html and "state-failed" in html


def test_grid_has_runs_by_tasks_and_refreshes_while_a_run_is_active(browser_session: Client) -> None:
    html = browser_session("x_op").get("/dags/x_etl/grid").text
    assert 'data-auto-refresh="3"' in html
    for task in ("extract", "load", "report"):
        assert f'<tr class="task-row" data-row="{task}">' in html
    assert 'class="cell state-running"' in html and 'class="cell state-success"' in html


def test_graph_of_an_older_version_has_its_own_tasks(browser_session: Client, seeded: Seeded) -> None:
    old = seeded.versions["x_etl"][0]
    x = browser_session("x_op")
    assert 'data-task-id="report"' in x.get("/dags/x_etl/graph").text
    older = x.get("/dags/x_etl/graph", params={"dag_hash": old}).text
    assert 'data-task-id="load"' in older and 'data-task-id="report"' not in older
    assert 'data-edge="extract-&gt;load"' in older


def test_version_diff_shows_tasks_edges_image_and_source(browser_session: Client, seeded: Seeded) -> None:
    old, new = seeded.versions["x_etl"]
    html = browser_session("x_op").get("/dags/x_etl/versions", params={"older": old, "newer": new}).text
    assert "Tasks added: <code>report</code>" in html
    assert "Task <code>load</code> changed: bash_command" in html
    assert "<code>extract → report</code>" in html
    assert "image changed" in html and DIGEST_A[:19] in html
    assert '<span class="add">+# with a report task</span>' in html


def test_run_page_shows_version_image_conf_and_colored_graph(browser_session: Client, seeded: Seeded) -> None:
    html = browser_session("x_op").get("/dags/x_etl/runs/run_new").text
    assert seeded.versions["x_etl"][1] in html and DIGEST_B in html
    assert '"rows": 5' in html
    assert 'class="node state-running" data-task-id="load"' in html


def test_task_page_has_a_live_log_viewer(browser_session: Client) -> None:
    html = browser_session("x_op").get("/dags/x_etl/runs/run_new/tasks/load").text
    assert 'data-log-url="/api/v2/dags/x_etl/dagRuns/run_new/taskInstances/load/logs/"' in html
    assert 'data-try="1"' in html


def test_trigger_form_has_param_fields_and_checks_the_schema(
    browser_session: Client, session_factory: sessionmaker[Session]
) -> None:
    x = browser_session("x_op")
    form = x.get("/dags/x_etl/trigger").text
    assert 'data-param="rows" data-type="integer"' in form and 'data-param="label" data-type="string"' in form
    token = csrf_of(x, "/dags")
    refused = x.post("/dags/x_etl/trigger", data={"csrf_token": token, "conf": '{"rows": "x"}'})
    assert refused.status_code == 400 and "conf field &#39;rows&#39;" in refused.text
    done = x.post("/dags/x_etl/trigger", data={"csrf_token": token, "conf": '{"rows": 7}'})
    assert done.status_code == 303
    with session_scope(session_factory) as session:
        confs = session.scalars(
            select(DagRunModel.conf).where(DagRunModel.run_type == "manual", DagRunModel.dag_id == "x_etl")
        )
        assert {"rows": 7} in list(confs)


def test_deployments_page_offers_rollback_to_admins_only(browser_session: Client) -> None:
    assert "Roll back to 1" in browser_session("admin").get("/deployments").text
    assert "Roll back to 1" not in browser_session("x_op").get("/deployments").text


def test_pause_toggle_from_the_list(browser_session: Client) -> None:
    x = browser_session("x_op")
    token = csrf_of(x, "/dags")
    assert x.post("/dags/x_etl/pause", data={"csrf_token": token, "is_paused": "true"}).status_code == 303
    assert x.get("/api/v2/dags/x_etl").json()["is_paused"] is True
