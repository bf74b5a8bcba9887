"""The API app on a real, seeded database (SQLite and PostgreSQL) and clients for each user."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_client import csrf_of
from api_seed import PASSWORD, Seeded, seed
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from dagseal.api.app import create_app
from dagseal.api.openapi_document import DEFAULT_SETTINGS
from dagseal.api.settings import ApiSettings
from dagseal.config import load_config
from dagseal.placement import Placement
from dagseal.secrets.fernet import generate_key

FERNET_KEY = generate_key()
PLACEMENT = Placement.from_config(load_config(environ={}, cwd=Path("/")))  # defaults: process runtime


@pytest.fixture
def log_folder(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def seeded(session_factory: sessionmaker[Session], log_folder: Path) -> Seeded:
    return seed(session_factory, log_folder)


@pytest.fixture
def app_settings(migrated_db_url: str, log_folder: Path) -> ApiSettings:
    return dataclasses.replace(
        DEFAULT_SETTINGS,
        secret_key="test-secret",
        sql_alchemy_conn=migrated_db_url,
        base_log_folder=str(log_folder),
        fernet_keys=(FERNET_KEY,),
    )


@pytest.fixture
def anonymous(
    app_settings: ApiSettings, session_factory: sessionmaker[Session], seeded: Seeded
) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, session_factory, PLACEMENT), follow_redirects=False) as client:
        yield client


@pytest.fixture
def api(
    app_settings: ApiSettings, session_factory: sessionmaker[Session], seeded: Seeded
) -> Callable[[str], TestClient]:
    """``api("x_op")``: a client sending that user's Bearer token."""
    app = create_app(app_settings, session_factory, PLACEMENT)

    def client(username: str) -> TestClient:
        return TestClient(app, headers={"Authorization": f"Bearer {seeded.tokens[username]}"})

    return client


@pytest.fixture
def browser_session(
    app_settings: ApiSettings, session_factory: sessionmaker[Session], seeded: Seeded
) -> Callable[[str], TestClient]:
    """``browser_session("y_op")``: a client logged in through the login form (session cookie)."""
    app = create_app(app_settings, session_factory, PLACEMENT)

    def login(username: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        token = csrf_of(client)
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/dags"}
        )
        assert response.status_code == 303, response.text
        return client

    return login
