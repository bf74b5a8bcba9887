"""The /api/v2 endpoints on a real database (SQLite and PostgreSQL), as an admin and as team users."""

from __future__ import annotations

from collections.abc import Callable

from api_seed import DIGEST_A, DIGEST_B, Seeded
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope

Api = Callable[[str], TestClient]
RUN_NEW = "/api/v2/dags/x_etl/dagRuns/run_new"


def test_dag_list_is_scoped_to_the_team_and_admins_see_all(api: Api) -> None:
    assert [d["dag_id"] for d in api("admin").get("/api/v2/dags").json()["dags"]] == ["x_etl", "y_report"]
    body = api("x_op").get("/api/v2/dags").json()
    assert body["total_entries"] == 1
    (dag,) = body["dags"]
    assert (dag["dag_id"], dag["team"], dag["last_run_state"]) == ("x_etl", "team_x", "running")
    assert dag["current_image_digest"] == DIGEST_B


def test_patch_pauses_and_unpauses(api: Api, session_factory: sessionmaker[Session]) -> None:
    response = api("x_op").patch("/api/v2/dags/x_etl", json={"is_paused": True})
    assert response.status_code == 200 and response.json()["is_paused"] is True
    with session_scope(session_factory) as session:
        assert session.get(DagModel, "x_etl").is_paused is True
    assert api("x_op").get("/api/v2/dags", params={"paused": "false"}).json()["total_entries"] == 0


def test_runs_and_task_instances_show_version_and_image(api: Api, seeded: Seeded) -> None:
    runs = api("x_op").get("/api/v2/dags/x_etl/dagRuns").json()
    assert [r["dag_run_id"] for r in runs["dag_runs"]] == ["run_new", "run_old"]
    run = api("x_op").get(RUN_NEW).json()
    assert (run["dag_hash"], run["image_digest"]) == (seeded.versions["x_etl"][1], DIGEST_B)
    tis = api("x_op").get(f"{RUN_NEW}/taskInstances").json()["task_instances"]
    assert {t["task_id"]: t["state"] for t in tis} == {
        "extract": "success",
        "load": "running",
        "report": None,
    }
    assert api("x_op").get(f"{RUN_NEW}/taskInstances/load").json()["image_digest"] == DIGEST_B
    every = api("admin").get("/api/v2/dags/~/dagRuns").json()
    assert every["total_entries"] == 3


def test_trigger_with_conf_logical_date_and_deployment_pin(
    api: Api, session_factory: sessionmaker[Session]
) -> None:
    response = api("x_op").post(
        "/api/v2/dags/x_etl/dagRuns",
        json={
            "dag_run_id": "pinned",
            "conf": {"rows": 3},
            "logical_date": "2026-11-05T00:00:00Z",
            "deployment_id": 1,
        },
    )
    assert response.status_code == 200, response.text
    run = response.json()
    assert (run["state"], run["conf"], run["deployment_id"], run["image_digest"]) == (
        "queued",
        {"rows": 3},
        1,
        DIGEST_A,
    )
    assert run["logical_date"] == "2026-11-05T00:00:00Z"
    current = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"dag_run_id": "current"}).json()
    assert (current["deployment_id"], current["image_digest"]) == (2, DIGEST_B)
    with session_scope(session_factory) as session:
        assert (
            session.scalar(select(func.count()).select_from(DagRunModel).where(DagRunModel.dag_id == "x_etl"))
            == 4
        )


def test_trigger_conf_failing_the_params_schema_is_400_and_creates_nothing(
    api: Api, session_factory: sessionmaker[Session]
) -> None:
    response = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"conf": {"rows": "many"}})
    assert response.status_code == 400
    assert "'rows'" in response.json()["detail"] and "integer" in response.json()["detail"]
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DagRunModel)) == 3


def test_trigger_unknown_deployment_is_400_naming_it(api: Api) -> None:
    response = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"deployment_id": 99})
    assert response.status_code == 400
    assert "no deployment 99" in response.json()["detail"]


def test_clear_run_dry_run_then_for_real(api: Api, session_factory: sessionmaker[Session]) -> None:
    dry = api("x_op").post("/api/v2/dags/x_etl/dagRuns/run_old/clear", json={"dry_run": True})
    assert dry.json() == {"task_ids": ["extract", "load"], "total_entries": 2}
    with session_scope(session_factory) as session:
        assert session.scalar(select(DagRunModel.state).where(DagRunModel.run_id == "run_old")) == "success"
    real = api("x_op").post("/api/v2/dags/x_etl/dagRuns/run_old/clear", json={"dry_run": False})
    assert real.json()["task_ids"] == ["extract", "load"]
    with session_scope(session_factory) as session:
        assert session.scalar(select(DagRunModel.state).where(DagRunModel.run_id == "run_old")) == "running"
        states = session.scalars(select(TaskInstanceModel.state).where(TaskInstanceModel.run_id == "run_old"))
        assert list(states) == [None, None]


def test_clear_task_instances_with_downstream(api: Api, session_factory: sessionmaker[Session]) -> None:
    response = api("x_op").post(
        "/api/v2/dags/x_etl/clearTaskInstances",
        json={"dag_run_id": "run_new", "task_ids": ["extract"], "include_downstream": True, "dry_run": False},
    )
    assert response.json()["task_ids"] == ["extract", "load", "report"]


def test_mark_task_instance_failed_then_success(api: Api, session_factory: sessionmaker[Session]) -> None:
    marked = api("x_op").patch(f"{RUN_NEW}/taskInstances/load", json={"new_state": "failed"})
    assert marked.status_code == 200 and marked.json()["state"] == "failed"
    again = api("x_op").patch(f"{RUN_NEW}/taskInstances/load", json={"new_state": "success"})
    assert again.json()["state"] == "success"
    with session_scope(session_factory) as session:
        ti = session.scalar(
            select(TaskInstanceModel).where(
                TaskInstanceModel.run_id == "run_new", TaskInstanceModel.task_id == "load"
            )
        )
        assert ti.state == "success" and ti.end_date is not None


def test_mark_reopens_a_finished_run(api: Api, session_factory: sessionmaker[Session]) -> None:
    api("x_op").patch("/api/v2/dags/x_etl/dagRuns/run_old/taskInstances/load", json={"new_state": "failed"})
    with session_scope(session_factory) as session:
        assert session.scalar(select(DagRunModel.state).where(DagRunModel.run_id == "run_old")) == "running"


def test_log_pieces_follow_a_growing_file(api: Api, seeded: Seeded) -> None:
    url = f"{RUN_NEW}/taskInstances/load/logs/1"
    first = api("x_op").get(url).json()
    assert first["content"] == ["line 1", "line 2"] and first["end_of_log"] is False
    with seeded.log_path.open("a") as log:
        log.write("line 3\npartial")
    second = api("x_op").get(url, params={"token": first["continuation_token"]}).json()
    assert second["content"] == ["line 3"]  # the unterminated line waits until it is complete
    with seeded.log_path.open("a") as log:
        log.write(" line 4\n")
    third = api("x_op").get(url, params={"token": second["continuation_token"]}).json()
    assert third["content"] == ["partial line 4"]


def test_log_offset_past_the_end_is_empty(api: Api) -> None:
    from dagseal.api.task_log import encode_token

    url = "/api/v2/dags/x_etl/dagRuns/run_new/taskInstances/load/logs/1"
    response = api("x_op").get(url, params={"token": encode_token(10_000)})
    assert response.status_code == 200
    assert response.json()["content"] == []


def test_log_of_a_try_that_never_ran_is_404_and_a_forged_token_400(api: Api) -> None:
    base = f"{RUN_NEW}/taskInstances/load/logs"
    assert api("x_op").get(f"{base}/2").status_code == 404
    bad = api("x_op").get(f"{base}/1", params={"token": "not-a-token"})
    assert bad.status_code == 400 and "token" in bad.json()["detail"]


def test_dag_versions_give_hash_image_and_first_last_run(api: Api, seeded: Seeded) -> None:
    old, new = seeded.versions["x_etl"]
    versions = api("x_op").get("/api/v2/dags/x_etl/dagVersions").json()["dag_versions"]
    by_hash = {v["dag_hash"]: v for v in versions}
    assert by_hash[new]["is_latest"] and by_hash[new]["image_digest"] == DIGEST_B
    assert (by_hash[old]["first_run_id"], by_hash[old]["last_run_id"], by_hash[old]["image_digest"]) == (
        "run_old",
        "run_old",
        DIGEST_A,
    )
    detail = api("x_op").get(f"/api/v2/dags/x_etl/dagVersions/{old}").json()
    assert [t["task_id"] for t in detail["serialized_dag"]["tasks"]] == ["extract", "load"]


def test_import_errors_and_deployments_are_team_scoped(api: Api) -> None:
    errors = api("x_op").get("/api/v2/importErrors").json()["import_errors"]
    assert [e["filename"] for e in errors] == ["/srv/dag_repos/team_x/bad.py"]
    assert api("admin").get("/api/v2/importErrors").json()["total_entries"] == 2
    current = api("x_op").get("/api/v2/deployments/current").json()
    assert [i["dag_dir"] for i in current["images"]] == ["dag_repos/team_x"]
    assert len(api("admin").get("/api/v2/deployments/current").json()["images"]) == 2


def test_page_limit_is_capped(api: Api, session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        for n in range(120):
            session.add(
                DagModel(
                    dag_id=f"x_many_{n:03}",
                    fileloc=f"/srv/dag_repos/team_x/m{n}.py",
                    relative_fileloc=f"m{n}.py",
                    processor_subdir="/srv/dag_repos/team_x",
                    tags=[],
                )
            )
    body = api("x_op").get("/api/v2/dags", params={"limit": 100000}).json()
    assert body["total_entries"] == 121 and len(body["dags"]) == 100
    assert len(api("x_op").get("/api/v2/dags").json()["dags"]) == 50
    tail = api("x_op").get("/api/v2/dags", params={"limit": 100, "offset": 100}).json()
    assert len(tail["dags"]) == 21
