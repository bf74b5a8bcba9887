"""Bad requests get one clear answer naming the field; a database outage is 503, then recovery."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

Api = Callable[[str], TestClient]


def _fields(response) -> list[str]:
    return [".".join(str(p) for p in error["loc"]) for error in response.json()["detail"]]


def test_malformed_json_is_422_naming_the_body(api: Api) -> None:
    response = api("x_op").post(
        "/api/v2/dags/x_etl/dagRuns", content=b'{"conf": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert _fields(response)[0].startswith("body")


def test_unknown_field_is_422_naming_it(api: Api) -> None:
    response = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"conf": {}, "confg": {}})
    assert response.status_code == 422
    assert _fields(response) == ["body.confg"]
    patch = api("x_op").patch("/api/v2/dags/x_etl", json={"is_paused": True, "paused": True})
    assert _fields(patch) == ["body.paused"]


def test_wrong_types_are_422_naming_the_field(api: Api) -> None:
    response = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"conf": [1, 2]})
    assert _fields(response) == ["body.conf"]
    naive = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"logical_date": "2026-01-01T00:00:00"})
    assert _fields(naive) == ["body.logical_date"]
    state = api("x_op").patch(
        "/api/v2/dags/x_etl/dagRuns/run_new/taskInstances/load", json={"new_state": "running"}
    )
    assert _fields(state) == ["body.new_state"]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": -1}, {"offset": -5}, {"limit": "ten"}])
def test_bad_paging_is_422_naming_the_parameter(api: Api, query: dict[str, object]) -> None:
    response = api("x_op").get("/api/v2/dags", params=query)
    assert response.status_code == 422
    assert _fields(response) == [f"query.{next(iter(query))}"]


def test_duplicate_run_id_is_400_with_the_reason(api: Api) -> None:
    response = api("x_op").post("/api/v2/dags/x_etl/dagRuns", json={"dag_run_id": "run_new"})
    assert response.status_code == 400
    assert "already has a run with run_id 'run_new'" in response.json()["detail"]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_database_outage_is_503_then_recovers(
    api: Api, session_factory: sessionmaker[Session], migrated_db_url: str, _pg_admin_engine
) -> None:
    name = make_url(migrated_db_url).database
    client = api("x_op")
    assert client.get("/api/v2/dags").status_code == 200
    with _pg_admin_engine.connect() as admin:
        admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        admin.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
    try:
        down = client.get("/api/v2/dags")
        assert down.status_code == 503
        assert down.json()["detail"].startswith("database unavailable")
        assert client.get("/api/v2/monitor/health").status_code == 503
    finally:
        with _pg_admin_engine.connect() as admin:
            admin.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    assert client.get("/api/v2/dags").status_code == 200
    assert client.get("/api/v2/monitor/health").json() == {"metadatabase": "healthy"}
