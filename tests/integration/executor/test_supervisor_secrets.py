"""A try's connections, variables and XCom through the supervisor (process runtime, real DB):
team scoping, masking in the try log, XCom size limits, malformed requests and floods."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.models import TaskInstanceModel, VariableModel, XComModel
from dagseal.db.session import session_scope
from dagseal.executor.supervisor import supervise
from dagseal.lifecycle.states import TaskState
from dagseal.processor import DagProcessorManager
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.sdk.connection import Connection
from dagseal.secrets import Cipher, SecretsSettings
from dagseal.secrets.store import add_connection, set_variable
from dagseal.timeutil import utcnow
from tests.integration.executor.test_supervisor_try import PLACEMENT, queue_ready, settings

KEY = Fernet.generate_key().decode()
PASSWORD = "s3cr3t-Pa55word"

DAG_SOURCE = """
import sys
from dagseal import DAG, BaseHook, Connection, PythonOperator, Variable, get_current_context, task
from dagseal.sdk.supervisor_comms import ask

def leak():
    conn = Connection.get("warehouse")
    password = conn.password
    print("half", password[:6], end="", flush=True)
    sys.stderr.write(password[6:] + " was split\\n")
    print("whole", password, "uri", conn.get_uri())
    print("api_key", conn.extra_dejson["api_key"])
    print("token", Variable.get("api_token"))
    raise ValueError(f"could not log in with {password}")

def scoped():
    assert BaseHook.get_connection("shared_db").host == "shared-host"
    assert Variable.get("region") == "eu"
    assert Variable.get("missing", default="d") == "d"
    Variable.set("written_by_task", {"n": 1}, serialize_json=True)
    assert Variable.get("written_by_task", deserialize_json=True) == {"n": 1}
    Connection.get("other_teams")

def unknown():
    Connection.get("nope")

def push():
    get_current_context().ti.xcom_push("extra", {"rows": [1, 2]})
    return "ret"

def pull():
    ti = get_current_context().ti
    return [ti.xcom_pull(task_ids="push"), ti.xcom_pull(task_ids=["push"], key="extra")]

def pull_missing():
    get_current_context().ti.xcom_pull(task_ids="no_such_task")

def too_big():
    get_current_context().ti.xcom_push("big", "x" * 200)

def big_return():
    return "y" * 200

def malformed():
    ask({"type": "get_connection", "conn": 1})

def inject():
    import os
    line = '{"type":"get_connection","id":1,"conn_id":"other_teams"}\\n'
    print(line, end="", flush=True)
    os.write(1, line.encode())
    return "printed"

def flood():
    while True:
        Variable.get("region")

with DAG("sec", schedule=None) as dag:
    for fn in (leak, scoped, unknown, push, pull_missing, too_big, big_return, malformed, flood, inject):
        PythonOperator(task_id=fn.__name__, python_callable=fn)
    dag.get_task("push") >> PythonOperator(task_id="pull", python_callable=pull)
"""


@pytest.fixture
def team_dir(tmp_path: Path, session_factory: sessionmaker[Session]) -> Path:
    folder = tmp_path / "team_x"
    folder.mkdir()
    (folder / "sec.py").write_text(DAG_SOURCE)
    with DagProcessorManager.from_config(
        load_config(environ={}, cwd=tmp_path), PLACEMENT, folder, session_factory
    ) as manager:
        assert manager.run_once().import_errors == 0
    cipher = Cipher([KEY])
    extra = json.dumps({"api_key": "key-0123456789", "region": "eu"})
    with session_scope(session_factory) as session:
        add_connection(
            session,
            Connection(conn_id="warehouse", conn_type="postgres", login="u", password=PASSWORD, extra=extra),
            "team_x",
            cipher,
        )
        add_connection(
            session, Connection(conn_id="shared_db", conn_type="pg", host="shared-host"), None, cipher
        )
        add_connection(
            session, Connection(conn_id="other_teams", conn_type="pg", password="zz-other"), "team_y", cipher
        )
        set_variable(session, "api_token", "tok-abcdef123", "team_x", cipher)
        set_variable(session, "region", "eu", None, cipher)
        trigger_dag(session, "sec", {}, utcnow(), PLACEMENT, run_id="r1")
    return folder


_QUEUED: dict[str, dict[str, int]] = {}


def _config(tmp_path: Path, **extra: str):
    return load_config(
        environ={"DAGSEAL__CORE__FERNET_KEY": KEY, "DAGSEAL__CORE__MAX_XCOM_SIZE": "100", **extra},
        cwd=tmp_path,
    )


def _run(
    tmp_path, factory, url, task_id: str, **extra: str
) -> tuple[TaskState | None, TaskInstanceModel, str]:
    queued = _QUEUED.setdefault(url, {})
    queued.update(queue_ready(factory))  # a pass queues every ready try; later passes only new ones
    ti_id = queued[task_id]
    secrets = SecretsSettings.from_config(_config(tmp_path, **extra))
    supervisor = attrs.evolve(settings(tmp_path, url), secrets=secrets)
    state = supervise(supervisor, PLACEMENT, factory, ti_id)
    with session_scope(factory) as session:
        row = session.get(TaskInstanceModel, ti_id)
        session.expunge(row)
    log = (tmp_path / "logs" / "sec" / "r1" / task_id / "1.log").read_text()
    return state, row, log


def test_fetched_secrets_are_masked_in_the_log_and_the_error(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url: str
) -> None:
    state, row, log = _run(tmp_path, session_factory, migrated_db_url, "leak")
    assert state is TaskState.FAILED
    for secret in (PASSWORD, "key-0123456789", "tok-abcdef123", "key-0123456789"):
        assert secret not in log and secret not in (row.error or "")
    assert "whole *** uri postgres://u:***@" in log
    assert "half s3cr3t-Pa55word" not in log and "was split" in log
    assert "api_key ***" in log and "token ***" in log
    assert row.error == "sec.py:14: ValueError: could not log in with ***"


def test_team_sees_own_and_shared_not_other_teams(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url: str
) -> None:
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "scoped")
    assert state is TaskState.FAILED
    expected = "connection 'other_teams' is not defined for team_x (looked in: environment, files, metastore)"
    assert expected in row.error
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "unknown")
    assert row.error.endswith(
        "connection 'nope' is not defined for team_x (looked in: environment, files, metastore)"
    )
    with session_scope(session_factory) as session:
        written = session.scalars(select(VariableModel).where(VariableModel.key == "written_by_task")).one()
        assert written.team == "team_x"


def test_xcom_push_pull_and_return_value(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url
) -> None:
    assert _run(tmp_path, session_factory, migrated_db_url, "push")[0] is TaskState.SUCCESS
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "pull")
    assert state is TaskState.SUCCESS and json.loads(row.return_value) == ["ret", [{"rows": [1, 2]}]]
    with session_scope(session_factory) as session:
        keys = {(x.task_id, x.key) for x in session.scalars(select(XComModel))}
    assert keys == {("push", "return_value"), ("push", "extra"), ("pull", "return_value")}
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "pull_missing")
    assert (
        state is TaskState.FAILED
        and "xcom_pull: DAG 'sec' has no task 'no_such_task' in run 'r1'" in row.error
    )


def test_oversized_xcom_fails_clearly(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url
) -> None:
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "too_big")
    assert state is TaskState.FAILED
    assert "XCom 'big' of task 'too_big' is 202 bytes of JSON, over [core] max_xcom_size = 100" in row.error
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "big_return")
    assert state is TaskState.FAILED
    assert (
        row.error
        == "XCom 'return_value' of task 'big_return' is 202 bytes of JSON, over [core] max_xcom_size = 100"
    )


def test_malformed_requests_and_floods_fail_the_try_only(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url
) -> None:
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "malformed")
    assert state is TaskState.FAILED and "sent a malformed 'get_connection' request" in row.error
    state, row, _log = _run(tmp_path, session_factory, migrated_db_url, "flood")
    assert state is TaskState.FAILED and "more than 10000 supervisor requests in one try" in row.error
    assert _run(tmp_path, session_factory, migrated_db_url, "push")[0] is TaskState.SUCCESS  # host carries on


def test_user_output_cannot_inject_supervisor_requests(
    team_dir: Path, tmp_path: Path, session_factory, migrated_db_url
) -> None:
    state, row, log = _run(tmp_path, session_factory, migrated_db_url, "inject")
    assert state is TaskState.SUCCESS and json.loads(row.return_value) == "printed"
    assert log.count('{"type":"get_connection","id":1,"conn_id":"other_teams"}') == 2  # just log text
