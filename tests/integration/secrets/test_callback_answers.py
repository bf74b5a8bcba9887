"""Callbacks run by the DAG processor ask for connections and variables too, scoped to its team."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import load_config
from dagseal.db.models import VariableModel
from dagseal.db.session import session_scope
from dagseal.processor.callback_runner import CallbackRunner, PendingCallback, PinnedCode
from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime
from dagseal.sdk.connection import Connection
from dagseal.secrets import Cipher, SecretsSettings
from dagseal.secrets.answers import CallbackAnswers
from dagseal.secrets.store import add_connection
from dagseal.serialization.callback_requests import DagCallbackRequest

KEY = Fernet.generate_key().decode()
SOURCE = """
from dagseal import DAG, Connection, Variable

def on_failure(context):
    Variable.set("seen_host", Connection.get("wh").host)
    Connection.get("team_y_only")

with DAG("cb", schedule=None, on_failure_callback=on_failure) as dag:
    pass
"""


class Folder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def for_callback(self, relative_fileloc: str, image_digest: str | None, deployment_id: int | None):
        return SandboxSpec(dag_folder=str(self.folder), parse_timeout=30.0)


def test_callback_gets_its_teams_connection_and_not_another_teams(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    folder = tmp_path / "team_x"
    folder.mkdir()
    (folder / "cb.py").write_text(SOURCE)
    cipher = Cipher([KEY])
    with session_scope(session_factory) as session:
        add_connection(session, Connection(conn_id="wh", conn_type="pg", host="wh-x"), "team_x", cipher)
        add_connection(session, Connection(conn_id="team_y_only", conn_type="pg"), "team_y", cipher)
    config = load_config(environ={"DAGSEAL__CORE__FERNET_KEY": KEY}, cwd=tmp_path)
    pool = SandboxPool(ProcessRuntime(), 1)
    answers = CallbackAnswers(session_factory, SecretsSettings.from_config(config), str(folder))
    runner = CallbackRunner(session_factory, pool, Folder(folder), answers)
    request = DagCallbackRequest(
        full_filepath=str(folder / "cb.py"),
        dag_id="cb",
        run_id="r",
        processor_subdir=str(folder),
    )
    try:
        result = runner.run(PendingCallback(1, request), PinnedCode("cb.py", SOURCE, None))
    finally:
        pool.close()
    assert result.ran
    assert result.error.endswith(
        "connection 'team_y_only' is not defined for team_x (looked in: environment, files, metastore)"
    )
    with session_scope(session_factory) as session:
        row = session.scalars(select(VariableModel).where(VariableModel.key == "seen_host")).one()
        assert row.team == "team_x" and cipher.decrypt(row.val, "v") == "wh-x"
