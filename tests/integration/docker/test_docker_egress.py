"""Egress and secrets with the real engine: a team_x task reaches the stand-in warehouse on an
``--internal`` network by name, with credentials from a Connection it fetched over the protocol;
the metadata DB, the registry and the host stay unreachable; ``network: none`` reaches nothing;
the password appears in no try log, no DB file, no image layer and no other team's output."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from cryptography.fernet import Fernet
from docker_helpers import SOCKET, write_dag
from sqlalchemy.orm import Session, sessionmaker
from warehouse import PORT, Warehouse, running_warehouse, warehouse_log

from dagseal.config import Config, load_config
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.runtime.base import SandboxSpec, TaskOutcome
from dagseal.runtime.docker import DockerRuntime
from dagseal.sandbox.protocol import RunTaskRequest
from dagseal.sdk.connection import Connection
from dagseal.secrets import Cipher, SecretsSettings
from dagseal.secrets.answers import SupervisorAnswers, TryIdentity
from dagseal.secrets.store import add_connection

KEY = Fernet.generate_key().decode()
ETL = """
import base64, json, socket, urllib.request
from dagseal import DAG, Connection, task

TARGETS = {targets}

with DAG("etl", schedule=None) as dag:
    @task
    def load() -> dict:
        conn = Connection.get("warehouse")
        print("connecting with", conn.password, "as", conn.get_uri())
        auth = base64.b64encode(f"{{conn.login}}:{{conn.password}}".encode()).decode()
        request = urllib.request.Request(
            f"http://{{conn.host}}:{{conn.port}}/tables/{{conn.schema}}/rows",
            data=json.dumps([{{"id": 1}}, {{"id": 2}}]).encode(),
            method="POST",
            headers={{"Authorization": "Basic " + auth, "Content-Type": "application/json"}},
        )
        return json.load(urllib.request.urlopen(request, timeout=5))

    @task
    def probe() -> dict:
        results = {{}}
        for name, (host, port) in TARGETS.items():
            s = socket.socket()
            s.settimeout(2)
            try:
                results[name] = s.connect_ex((host, port))
            except OSError as exc:
                results[name] = type(exc).__name__
            finally:
                s.close()
        return results

    @task
    def steal() -> str:
        try:
            return Connection.get("warehouse").password
        except Exception as exc:
            return f"refused: {{exc}}"

    load(), probe(), steal()
"""


@pytest.fixture(scope="module")
def warehouse(test_image: str) -> Iterator[Warehouse]:
    client = docker.APIClient(base_url=SOCKET, version="auto")
    with running_warehouse(client, test_image) as running:
        yield running


@pytest.fixture
def teams(warehouse: Warehouse) -> Iterator[dict[str, Path]]:
    """team_x (on the warehouse network), team_y (network none): world-readable for uid 1000."""
    root = Path(tempfile.mkdtemp(prefix="dagseal-egress-it-"))
    root.chmod(0o755)
    targets = {
        "metadata_db_loopback": ("127.0.0.1", 54329),
        "registry_loopback": ("127.0.0.1", 5000),
        "metadata_db_via_gateway": (warehouse.gateway, 54329),
        "registry_via_gateway": (warehouse.gateway, 5000),
        "warehouse": (warehouse.host, PORT),
    }
    folders = {}
    for team, network in (("team_x", warehouse.network), ("team_y", "none")):
        folder = root / team
        folder.mkdir()
        folder.chmod(0o755)
        write_dag(folder, "etl.py", ETL.format(targets=repr(targets)))
        write_dag(folder, "runtime.yaml", f"network: {network}\n")
        folders[team] = folder
    yield folders
    shutil.rmtree(root, ignore_errors=True)


def _config(warehouse: Warehouse) -> Config:
    return load_config(
        environ={
            "DAGSEAL__CORE__FERNET_KEY": KEY,
            "DAGSEAL__DOCKER_RUNTIME__ALLOWED_NETWORKS": warehouse.network,
            "DAGSEAL__DOCKER_RUNTIME__LABELS": "io.dagseal.test=1",
            "DAGSEAL__DOCKER_RUNTIME__SOCKET_PATH": SOCKET,
            "DAGSEAL__CORE__TASK_EXECUTION_RUNTIME": "docker",
        }
    )


def _run(
    runtime: DockerRuntime,
    config: Config,
    factory: sessionmaker[Session],
    folder: Path,
    image: str,
    task_id: str,
) -> tuple[TaskOutcome, str, SandboxSpec]:
    spec = Placement(PlacementSettings.from_config(config)).task_sandbox(str(folder), "etl.py", image, None)
    request = RunTaskRequest(
        id=1,
        dag_folder=str(folder),
        file="etl.py",
        source=(folder / "etl.py").read_text(),
        dag_id="etl",
        task_id=task_id,
        run_id="r1",
    )
    identity = TryIdentity(team=folder.name, dag_id="etl", run_id="r1", task_id=task_id)
    answers = SupervisorAnswers.from_settings(identity, factory, SecretsSettings.from_config(config))
    log = io.BytesIO()
    masked = answers.masker.wrap(log)
    outcome = runtime.run_task(spec, request, masked, 60.0, lambda _handle: None, answers)
    masked.finish()
    return outcome, log.getvalue().decode(), spec


def _store_connection(factory: sessionmaker[Session], warehouse: Warehouse) -> None:
    connection = Connection(
        conn_id="warehouse",
        conn_type="http",
        host=warehouse.host,
        port=PORT,
        schema="sales",
        login=warehouse.login,
        password=warehouse.password,
    )
    with session_scope(factory) as session:
        add_connection(session, connection, "team_x", Cipher([KEY]))


def test_team_x_loads_rows_into_the_warehouse_and_reaches_nothing_else(
    runtime: DockerRuntime,
    test_image: str,
    warehouse: Warehouse,
    teams: dict[str, Path],
    session_factory: sessionmaker[Session],
) -> None:
    _store_connection(session_factory, warehouse)
    config = _config(warehouse)
    outcome, log, spec = _run(runtime, config, session_factory, teams["team_x"], test_image, "load")
    assert spec.network == warehouse.network
    assert outcome.state == "success", log
    assert outcome.return_value == {"inserted": 2}
    assert "connecting with *** as http://loader:***@" in log and warehouse.password not in log
    assert "POST /tables/sales/rows -> 200" in warehouse_log(docker.APIClient(base_url=SOCKET), warehouse)

    outcome, log, _spec = _run(runtime, config, session_factory, teams["team_x"], test_image, "probe")
    assert outcome.state == "success", log
    reached = outcome.return_value
    assert reached.pop("warehouse") == 0
    assert all(result != 0 for result in reached.values()), reached

    outcome, log, spec = _run(runtime, config, session_factory, teams["team_y"], test_image, "probe")
    assert spec.network == "none" and outcome.state == "success", log
    assert all(result != 0 for result in outcome.return_value.values()), outcome.return_value


def test_the_password_is_nowhere_but_where_it_belongs(
    runtime: DockerRuntime,
    test_image: str,
    warehouse: Warehouse,
    teams: dict[str, Path],
    session_factory: sessionmaker[Session],
    migrated_db_url: str,
) -> None:
    _store_connection(session_factory, warehouse)
    config = _config(warehouse)
    secret = warehouse.password.encode()
    outputs = []
    for team, task_id in (("team_x", "load"), ("team_y", "steal"), ("team_y", "load")):
        outcome, log, _spec = _run(runtime, config, session_factory, teams[team], test_image, task_id)
        outputs += [log, json.dumps(outcome.return_value), outcome.error or ""]
    assert "refused: connection 'warehouse' is not defined for team_y" in outputs[4]
    assert not [text for text in outputs if warehouse.password in text]
    if migrated_db_url.startswith("sqlite:///"):
        db_file = Path(migrated_db_url.removeprefix("sqlite:///"))
        for path in db_file.parent.glob(db_file.name + "*"):  # the file and its WAL
            assert secret not in path.read_bytes(), path
    client = docker.APIClient(base_url=SOCKET, version="auto")
    with tarfile.open(fileobj=io.BytesIO(b"".join(client.get_image(test_image))), mode="r|") as saved:
        for member in saved:
            data = saved.extractfile(member)
            if data is not None:
                assert secret not in data.read(), member.name
