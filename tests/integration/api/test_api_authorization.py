"""Per-team access through the API and the UI: another team's objects are 404, anonymous requests
are refused, viewers cannot act, and cookie-borne unsafe requests need the CSRF token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from api_client import csrf_of
from api_seed import PASSWORD
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
X_RUN = "/api/v2/dags/x_etl/dagRuns/run_new"

OTHER_TEAM_READS = [
    "/api/v2/dags/x_etl",
    "/api/v2/dags/x_etl/dagRuns",
    X_RUN,
    f"{X_RUN}/taskInstances",
    f"{X_RUN}/taskInstances/load",
    f"{X_RUN}/taskInstances/load/logs/1",
    "/api/v2/dags/x_etl/dagVersions",
]


def _runs(factory: sessionmaker[Session]) -> int:
    with session_scope(factory) as session:
        return session.scalar(select(func.count()).select_from(DagRunModel))


@pytest.mark.parametrize("url", OTHER_TEAM_READS)
def test_team_y_gets_404_reading_team_x(api: Client, url: str) -> None:
    response = api("y_op").get(url)
    assert response.status_code == 404, response.text
    assert api("x_op").get(url).status_code == 200


def test_team_y_does_not_list_team_x(api: Client) -> None:
    assert [d["dag_id"] for d in api("y_op").get("/api/v2/dags").json()["dags"]] == ["y_report"]
    runs = api("y_op").get("/api/v2/dags/~/dagRuns").json()["dag_runs"]
    assert {r["dag_id"] for r in runs} == {"y_report"}


def test_team_y_cannot_trigger_clear_mark_or_pause_team_x(
    api: Client, session_factory: sessionmaker[Session]
) -> None:
    y = api("y_op")
    assert y.post("/api/v2/dags/x_etl/dagRuns", json={}).status_code == 404
    assert y.post(f"{X_RUN}/clear", json={"dry_run": False}).status_code == 404
    assert (
        y.post(
            "/api/v2/dags/x_etl/clearTaskInstances", json={"dag_run_id": "run_new", "dry_run": False}
        ).status_code
        == 404
    )
    assert y.patch(f"{X_RUN}/taskInstances/load", json={"new_state": "success"}).status_code == 404
    assert y.patch("/api/v2/dags/x_etl", json={"is_paused": True}).status_code == 404
    assert _runs(session_factory) == 3
    assert api("x_op").get(f"{X_RUN}/taskInstances/load").json()["state"] == "running"


@pytest.mark.parametrize("url", ["/api/v2/dags", "/api/v2/importErrors", "/api/v2/deployments", X_RUN])
def test_anonymous_is_refused(anonymous: TestClient, url: str) -> None:
    assert anonymous.get(url).status_code == 401


def test_unknown_or_malformed_token_is_refused(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v2/dags", headers={"Authorization": "Bearer dsk_nope"}).status_code == 401
    assert anonymous.get("/api/v2/dags", headers={"Authorization": "Basic abc"}).status_code == 401


def test_viewer_can_read_but_not_act(api: Client, session_factory: sessionmaker[Session]) -> None:
    viewer = api("x_viewer")
    assert viewer.get("/api/v2/dags/x_etl").status_code == 200
    assert viewer.post("/api/v2/dags/x_etl/dagRuns", json={}).status_code == 403
    assert viewer.post(f"{X_RUN}/clear", json={"dry_run": False}).status_code == 403
    assert viewer.patch(f"{X_RUN}/taskInstances/load", json={"new_state": "failed"}).status_code == 403
    assert _runs(session_factory) == 3


def test_only_admins_roll_back(api: Client) -> None:
    response = api("x_op").post("/api/v2/deployments/rollback", json={})
    assert response.status_code == 403


def test_ui_login_refuses_a_wrong_password(anonymous: TestClient) -> None:
    token = csrf_of(anonymous)
    response = anonymous.post(
        "/login", data={"username": "x_op", "password": "wrong password", "csrf_token": token}
    )
    assert response.status_code == 401
    assert anonymous.get("/dags").status_code == 303


def test_ui_anonymous_is_sent_to_login(anonymous: TestClient) -> None:
    response = anonymous.get("/dags/x_etl/grid")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_ui_session_cookie_is_httponly_and_samesite(anonymous: TestClient) -> None:
    token = csrf_of(anonymous)
    response = anonymous.post("/login", data={"username": "x_op", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_ui_team_y_gets_404_on_team_x_pages(browser_session: Client) -> None:
    y = browser_session("y_op")
    for page in [
        "/dags/x_etl/grid",
        "/dags/x_etl/graph",
        "/dags/x_etl/versions",
        "/dags/x_etl/runs/run_new",
        "/dags/x_etl/runs/run_new/tasks/load",
        "/dags/x_etl/trigger",
    ]:
        assert y.get(page).status_code == 404, page
    assert "x_etl" not in y.get("/dags").text
    page = y.get("/dags/x_etl/grid")
    assert (
        page.headers["content-type"].startswith("text/html") and "DAG &#39;x_etl&#39; not found" in page.text
    )
    token = csrf_of(y, "/dags")
    assert y.post("/dags/x_etl/trigger", data={"csrf_token": token, "conf": "{}"}).status_code == 404
    assert y.post("/dags/x_etl/runs/run_new/clear", data={"csrf_token": token}).status_code == 404


def test_ui_form_without_csrf_token_is_refused(
    browser_session: Client, session_factory: sessionmaker[Session]
) -> None:
    x = browser_session("x_op")
    assert x.post("/dags/x_etl/trigger", data={"conf": "{}"}).status_code == 403
    assert x.post("/dags/x_etl/trigger", data={"conf": "{}", "csrf_token": "forged"}).status_code == 403
    assert _runs(session_factory) == 3
    token = csrf_of(x, "/dags")
    assert x.post("/dags/x_etl/trigger", data={"conf": "{}", "csrf_token": token}).status_code == 303
    assert _runs(session_factory) == 4


def test_api_call_on_the_session_cookie_needs_the_csrf_header(
    browser_session: Client, session_factory: sessionmaker[Session]
) -> None:
    x = browser_session("x_op")
    assert x.get("/api/v2/dags/x_etl").status_code == 200  # reads need no token
    assert x.post("/api/v2/dags/x_etl/dagRuns", json={}).status_code == 403
    token = csrf_of(x, "/dags")
    assert x.post("/api/v2/dags/x_etl/dagRuns", json={}, headers={"X-CSRF-Token": token}).status_code == 200
    assert _runs(session_factory) == 4


def test_ui_viewer_cannot_trigger(browser_session: Client, session_factory: sessionmaker[Session]) -> None:
    viewer = browser_session("x_viewer")
    token = csrf_of(viewer, "/dags")
    assert viewer.post("/dags/x_etl/trigger", data={"conf": "{}", "csrf_token": token}).status_code == 403
    assert _runs(session_factory) == 3
