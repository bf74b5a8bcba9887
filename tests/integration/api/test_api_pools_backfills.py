"""``/api/v2/pools`` and ``/api/v2/backfills`` on a real DB (SQLite and PostgreSQL): CRUD, usage
counts, who may write (pools: admins; backfills: the DAG's team, 404 for another team's), and bad
input (422 naming the field, 400 from the host functions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, TaskInstanceModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
FROM, TO = "2026-10-01T00:00:00+00:00", "2026-10-03T00:00:00+00:00"


def _field_named(response: Response, field: str) -> bool:
    detail = response.json()["detail"]
    return any(field in map(str, error["loc"]) for error in detail)


# --- pools -----------------------------------------------------------------------------------


def test_pool_crud_as_admin(api: Client) -> None:
    admin = api("admin")
    created = admin.post("/api/v2/pools", json={"name": "gpu", "slots": 2, "description": "cards"})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "gpu",
        "slots": 2,
        "description": "cards",
        "include_deferred": False,
        "occupied_slots": 0,
        "running_slots": 0,
        "queued_slots": 0,
        "scheduled_slots": 0,
        "open_slots": 2,
    }
    assert admin.post("/api/v2/pools", json={"name": "gpu", "slots": 1}).status_code == 409
    patched = admin.patch("/api/v2/pools/gpu", json={"slots": 4})
    assert patched.json()["slots"] == 4 and patched.json()["description"] == "cards"
    renamed = admin.patch("/api/v2/pools/gpu", json={"pool": "gpus", "description": None})
    assert renamed.json()["name"] == "gpus" and renamed.json()["description"] is None
    assert admin.get("/api/v2/pools/gpu").status_code == 404
    names = [p["name"] for p in admin.get("/api/v2/pools").json()["pools"]]
    assert names == ["default_pool", "gpus"]
    assert admin.delete("/api/v2/pools/gpus").status_code == 204
    assert admin.get("/api/v2/pools/gpus").status_code == 404


def test_default_pool_cannot_be_deleted_or_renamed(api: Client) -> None:
    admin = api("admin")
    deleted = admin.delete("/api/v2/pools/default_pool")
    assert deleted.status_code == 400 and "default_pool cannot be deleted" in deleted.json()["detail"]
    renamed = admin.patch("/api/v2/pools/default_pool", json={"pool": "other"})
    assert renamed.status_code == 400 and "'pool'" in renamed.json()["detail"]
    assert admin.patch("/api/v2/pools/default_pool", json={"slots": 3}).json()["slots"] == 3


def test_pool_usage_counts_running_queued_and_scheduled(
    api: Client, session_factory: sessionmaker[Session]
) -> None:
    admin = api("admin")
    admin.post("/api/v2/pools", json={"name": "small", "slots": 5})
    with session_scope(session_factory) as session:
        states = {"extract": ("running", 2), "load": ("queued", 1), "report": ("scheduled", 3)}
        for ti in session.scalars(select(TaskInstanceModel).where(TaskInstanceModel.run_id == "run_new")):
            ti.state, ti.pool_slots = states[ti.task_id]
            ti.pool = "small"
    pool = api("x_viewer").get("/api/v2/pools/small").json()
    assert (pool["running_slots"], pool["queued_slots"], pool["scheduled_slots"]) == (2, 1, 1)
    assert (pool["occupied_slots"], pool["open_slots"]) == (3, 2)


def test_only_admins_write_pools_but_everyone_reads(api: Client) -> None:
    api("admin").post("/api/v2/pools", json={"name": "shared", "slots": 1})
    for name in ("x_op", "x_viewer"):
        client = api(name)
        assert client.get("/api/v2/pools/shared").status_code == 200
        assert client.post("/api/v2/pools", json={"name": "mine", "slots": 1}).status_code == 403
        assert client.patch("/api/v2/pools/shared", json={"slots": 9}).status_code == 403
        assert client.delete("/api/v2/pools/shared").status_code == 403
    assert api("admin").get("/api/v2/pools/shared").json()["slots"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "p", "slots": -2}, "slots"),
        ({"name": "p", "slots": "3"}, "slots"),
        ({"name": "p", "slots": True}, "slots"),
        ({"name": "", "slots": 1}, "name"),
        ({"name": "   ", "slots": 1}, "name"),
        ({"name": "p", "slots": 1, "colour": "red"}, "colour"),
        ({"slots": 1}, "name"),
    ],
)
def test_bad_pool_bodies_name_the_field(api: Client, body: dict[str, object], field: str) -> None:
    response = api("admin").post("/api/v2/pools", json=body)
    assert response.status_code == 422, response.text
    assert _field_named(response, field)


def test_patch_pool_null_slots_is_refused(api: Client) -> None:
    response = api("admin").patch("/api/v2/pools/default_pool", json={"slots": None})
    assert response.status_code == 400 and "'slots'" in response.json()["detail"]


# --- backfills -------------------------------------------------------------------------------


def _create(client: TestClient, dag_id: str, **extra: object) -> Response:
    return client.post(
        "/api/v2/backfills", json={"dag_id": dag_id, "from_date": FROM, "to_date": TO, **extra}
    )


def test_backfill_create_list_pause_unpause_cancel(
    api: Client, daily: str, session_factory: sessionmaker[Session]
) -> None:
    x = api("x_op")
    created = _create(x, daily, max_active_runs=2, dag_run_conf={"n": 3})
    assert created.status_code == 201, created.text
    backfill = created.json()
    assert (backfill["dag_id"], backfill["max_active_runs"], backfill["is_paused"]) == (daily, 2, False)
    assert backfill["triggering_user_name"] == "x_op" and backfill["dag_run_conf"] == {"n": 3}
    with session_scope(session_factory) as session:
        runs = session.scalars(select(DagRunModel).where(DagRunModel.backfill_id == backfill["id"])).all()
        assert sorted(r.logical_date.replace(tzinfo=UTC).day for r in runs) == [1, 2, 3]
        assert {r.state for r in runs} == {"queued"} and {r.run_type for r in runs} == {"backfill"}
    listed = x.get("/api/v2/backfills", params={"dag_id": daily}).json()
    assert [b["id"] for b in listed["backfills"]] == [backfill["id"]]
    url = f"/api/v2/backfills/{backfill['id']}"
    assert x.put(f"{url}/pause").json()["is_paused"] is True
    assert x.put(f"{url}/unpause").json()["is_paused"] is False
    cancelled = x.put(f"{url}/cancel").json()
    assert cancelled["completed_at"] is not None
    assert x.put(f"{url}/pause").status_code == 409
    assert x.put(f"{url}/cancel").status_code == 409
    with session_scope(session_factory) as session:
        states = session.scalars(select(DagRunModel.state).where(DagRunModel.backfill_id == backfill["id"]))
        assert set(states) == {"failed"}


def test_backfill_dry_run_writes_nothing(api: Client, daily: str) -> None:
    x = api("x_op")
    planned = x.post("/api/v2/backfills/dry_run", json={"dag_id": daily, "from_date": FROM, "to_date": TO})
    assert planned.status_code == 200, planned.text
    assert [p["action"] for p in planned.json()["backfills"]] == ["create"] * 3
    assert x.get("/api/v2/backfills").json()["total_entries"] == 0


def test_another_teams_backfill_answers_404(api: Client, daily: str) -> None:
    backfill_id = _create(api("x_op"), daily).json()["id"]
    y = api("y_op")
    url = f"/api/v2/backfills/{backfill_id}"
    assert y.get(url).status_code == 404
    for action in ("pause", "unpause", "cancel"):
        assert y.put(f"{url}/{action}").status_code == 404
    assert y.get("/api/v2/backfills").json() == {"backfills": [], "total_entries": 0}
    assert y.get("/api/v2/backfills", params={"dag_id": daily}).status_code == 404
    assert _create(y, daily).status_code == 404
    assert api("admin").get(url).status_code == 200


def test_viewer_reads_backfills_but_cannot_create_or_cancel(api: Client, daily: str) -> None:
    backfill_id = _create(api("x_op"), daily).json()["id"]
    viewer = api("x_viewer")
    assert viewer.get(f"/api/v2/backfills/{backfill_id}").status_code == 200
    assert _create(viewer, daily).status_code == 403
    assert viewer.put(f"/api/v2/backfills/{backfill_id}/cancel").status_code == 403


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"from_date": "2026-10-01T00:00:00"}, "from_date"),  # no zone
        ({"reprocess_behavior": "sometimes"}, "reprocess_behavior"),
        ({"max_active_runs": 0}, "max_active_runs"),
        ({"dag_run_conf": [1]}, "dag_run_conf"),
        ({"whatever": 1}, "whatever"),
    ],
)
def test_bad_backfill_bodies_name_the_field(
    api: Client, daily: str, extra: dict[str, object], field: str
) -> None:
    response = _create(api("x_op"), daily, **extra)
    assert response.status_code == 422, response.text
    assert _field_named(response, field)


def test_backfill_refusals_from_the_host_say_why(api: Client, daily: str) -> None:
    x = api("x_op")
    unscheduled = _create(x, "x_etl")
    assert unscheduled.status_code == 400 and "backfill needs a cron" in unscheduled.json()["detail"]
    backwards = _create(x, daily, from_date=TO, to_date=FROM)
    assert backwards.status_code == 400 and "is after" in backwards.json()["detail"]
    bad_conf = _create(x, daily, dag_run_conf={"n": "three"})
    assert bad_conf.status_code == 400 and "dag_run_conf" in bad_conf.json()["detail"]
    assert _create(x, daily).status_code == 201
    again = _create(x, daily)
    assert again.status_code == 400 and "already has an active backfill" in again.json()["detail"]
    assert x.get("/api/v2/backfills/99999").status_code == 404
    assert x.get("/api/v2/backfills/0").status_code == 422
    assert x.get(f"/api/v2/backfills/{2**40}").status_code == 422
