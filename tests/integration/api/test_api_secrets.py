"""``/api/v2/variables`` and ``/api/v2/connections`` on a real DB: CRUD, per-team scoping (shared
rows read-only, another team's rows 404), write-only passwords, masked secrets, and bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import ConnectionModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
PASSWORD = "s3cret-pa55word"
API_KEY = "k-1234567890"


def _seed_rows(api: Client) -> None:
    admin = api("admin")
    for body in (
        {"key": "region", "value": "eu", "description": "shared"},
        {"key": "region", "value": "x-only", "team": "team_x"},
        {"key": "y_thing", "value": "why", "team": "team_y"},
    ):
        assert admin.post("/api/v2/variables", json=body).status_code == 201, body
    for body in (
        {"connection_id": "wh", "conn_type": "postgres", "host": "db", "password": PASSWORD},
        {"connection_id": "y_db", "uri": f"mysql://u:{PASSWORD}@h:3306/s", "team": "team_y"},
    ):
        assert admin.post("/api/v2/connections", json=body).status_code == 201, body


def test_variable_crud_as_team_user(api: Client) -> None:
    x = api("x_op")
    created = x.post("/api/v2/variables", json={"key": "limit", "value": "5", "description": "d"})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "key": "limit",
        "value": "5",
        "description": "d",
        "team": "team_x",
        "is_encrypted": True,
    }
    assert x.post("/api/v2/variables", json={"key": "limit", "value": "6"}).status_code == 409
    patched = x.patch("/api/v2/variables/limit", json={"value": "7"})
    assert patched.json()["value"] == "7" and patched.json()["description"] == "d"
    assert x.get("/api/v2/variables/limit").json()["value"] == "7"
    assert x.delete("/api/v2/variables/limit").status_code == 204
    assert x.get("/api/v2/variables/limit").status_code == 404


def test_team_sees_own_and_shared_variables_and_404_for_others(api: Client) -> None:
    _seed_rows(api)
    x, y = api("x_op"), api("y_op")
    listed = x.get("/api/v2/variables").json()
    assert sorted((v["key"], v["team"] or "") for v in listed["variables"]) == [
        ("region", ""),
        ("region", "team_x"),
    ]
    assert listed["total_entries"] == 2
    assert x.get("/api/v2/variables/region").json()["value"] == "x-only"  # own row wins
    assert y.get("/api/v2/variables/region").json()["value"] == "eu"  # the shared one
    assert x.get("/api/v2/variables/y_thing").status_code == 404
    assert x.get("/api/v2/variables/y_thing", params={"team": "team_y"}).status_code == 404
    assert x.patch("/api/v2/variables/y_thing", json={"value": "z"}).status_code == 404
    assert x.delete("/api/v2/variables/y_thing").status_code == 404
    assert api("admin").get("/api/v2/variables/y_thing", params={"team": "team_y"}).json()["value"] == "why"
    assert api("admin").get("/api/v2/variables").json()["total_entries"] == 3


def test_shared_rows_are_read_only_for_teams(api: Client) -> None:
    _seed_rows(api)
    y = api("y_op")
    refused = y.patch("/api/v2/variables/region", json={"value": "hacked"})
    assert refused.status_code == 403 and "shared" in refused.json()["detail"]
    assert y.delete("/api/v2/connections/wh").status_code == 403
    assert api("admin").get("/api/v2/variables/region").json()["value"] == "eu"
    assert y.post("/api/v2/variables", json={"key": "k", "value": "v", "team": "team_x"}).status_code == 403


def test_secret_named_variable_value_is_masked(api: Client) -> None:
    x = api("x_op")
    response = x.post("/api/v2/variables", json={"key": "github_token", "value": "ghp_verysecret"})
    assert response.json()["value"] == "***"
    for text in (x.get("/api/v2/variables").text, x.get("/api/v2/variables/github_token").text):
        assert "ghp_verysecret" not in text


def test_connection_crud_never_returns_the_password(
    api: Client, session_factory: sessionmaker[Session]
) -> None:
    x = api("x_op")
    body = {
        "connection_id": "src",
        "conn_type": "postgres",
        "host": "db.internal",
        "login": "etl",
        "schema": "dw",
        "port": 5432,
        "password": PASSWORD,
        "extra": f'{{"sslmode": "require", "api_key": "{API_KEY}"}}',
    }
    texts = [x.post("/api/v2/connections", json=body)]
    assert texts[0].status_code == 201, texts[0].text
    got = x.get("/api/v2/connections/src")
    texts += [got, x.get("/api/v2/connections")]
    data = got.json()
    assert data["schema"] == "dw" and data["port"] == 5432 and data["has_password"] is True
    assert "password" not in data
    assert data["extra"] == '{"sslmode": "require", "api_key": "***"}'
    patched = x.patch("/api/v2/connections/src", json={"host": "db2", "extra": data["extra"]})
    texts.append(patched)
    assert patched.json()["host"] == "db2" and patched.json()["login"] == "etl"
    for response in texts:
        assert PASSWORD not in response.text and API_KEY not in response.text
    with session_scope(session_factory) as session:
        row = session.scalar(select(ConnectionModel).where(ConnectionModel.conn_id == "src"))
        assert PASSWORD not in (row.password or "") and API_KEY not in (row.extra or "")
    revealed = _read_back(x, session_factory)
    assert revealed == (PASSWORD, API_KEY)  # the masked extra kept the stored key; password kept
    assert x.delete("/api/v2/connections/src").status_code == 204
    assert x.get("/api/v2/connections/src").status_code == 404


def _read_back(client: TestClient, session_factory: sessionmaker[Session]) -> tuple[str | None, str]:
    from dagseal.secrets.fernet import Cipher
    from dagseal.secrets.store import find_connection, read_connection

    keys = client.app.state.settings.fernet_keys  # type: ignore[attr-defined]
    with session_scope(session_factory) as session:
        row = find_connection(session, "src", "team_x", exact=True)
        assert row is not None
        connection = read_connection(row, Cipher(keys))
    return connection.password, connection.extra_dejson["api_key"]


def test_connections_scoped_per_team(api: Client) -> None:
    _seed_rows(api)
    x = api("x_op")
    assert [c["connection_id"] for c in x.get("/api/v2/connections").json()["connections"]] == ["wh"]
    assert x.get("/api/v2/connections/y_db").status_code == 404
    assert x.patch("/api/v2/connections/y_db", json={"host": "z"}).status_code == 404
    y_db = api("y_op").get("/api/v2/connections/y_db").json()
    assert (y_db["conn_type"], y_db["host"], y_db["port"], y_db["team"]) == ("mysql", "h", 3306, "team_y")
    assert PASSWORD not in api("admin").get("/api/v2/connections").text


def test_viewer_cannot_write(api: Client) -> None:
    _seed_rows(api)
    viewer = api("x_viewer")
    assert viewer.get("/api/v2/variables/region").status_code == 200
    assert viewer.post("/api/v2/variables", json={"key": "k", "value": "v"}).status_code == 403
    assert viewer.patch("/api/v2/variables/region", json={"value": "v"}).status_code == 403
    assert viewer.delete("/api/v2/variables/region").status_code == 403
    assert (
        viewer.post("/api/v2/connections", json={"connection_id": "c", "conn_type": "http"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("url", "body", "named"),
    [
        ("/api/v2/variables", {"key": "k", "value": "v", "colour": "red"}, "colour"),
        ("/api/v2/connections", {"connection_id": "c", "conn_type": "http", "passwd": "x"}, "passwd"),
        ("/api/v2/connections", {"connection_id": "c", "uri": "postgres://h:notaport/db"}, "malformed URI"),
        ("/api/v2/connections", {"connection_id": "c", "uri": "no-scheme"}, "no scheme"),
        ("/api/v2/connections", {"connection_id": "c", "conn_type": "http", "extra": "[1]"}, "extra"),
        ("/api/v2/connections", {"connection_id": "c", "host": "h"}, "conn_type"),
        ("/api/v2/connections", {"connection_id": "c", "uri": "http://h", "host": "h"}, "host"),
        ("/api/v2/connections", {"connection_id": "c", "conn_type": "http", "port": 70000}, "port"),
        ("/api/v2/variables", {"key": "k", "value": "v", "team": "../etc"}, "team"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    api: Client, url: str, body: dict[str, object], named: str
) -> None:
    response = api("admin").post(url, json=body)
    assert response.status_code == 422, response.text
    assert named in response.text
    assert api("admin").get(url).json()["total_entries"] == 0


def test_patch_refuses_unknown_fields_and_keeps_row(api: Client) -> None:
    _seed_rows(api)
    admin = api("admin")
    response = admin.patch("/api/v2/connections/wh", json={"hostname": "z"})
    assert response.status_code == 422 and "hostname" in response.text
    assert admin.get("/api/v2/connections/wh").json()["host"] == "db"
