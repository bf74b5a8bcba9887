"""Two teams' DAGs, runs, a try log and users, written straight into a real DB for the API tests.

team_x owns ``x_etl`` (two versions: ``extract >> load``, then ``extract >> [load, report]``) and
team_y owns ``y_report``; each user gets an API token. The processor and scheduler are not needed:
the API only reads what they would have written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dagseal.api.auth import create_token, create_user
from dagseal.db.models import (
    DagCodeModel,
    DagModel,
    DagRunModel,
    DeploymentModel,
    ImportErrorModel,
    SerializedDagModel,
    TaskInstanceModel,
)
from dagseal.db.session import session_scope
from dagseal.sdk import DAG, BashOperator, EmptyOperator
from dagseal.serialization import canonical_json, dag_envelope, serialize_dag, sha256_hex

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PASSWORD = "correct horse battery"
ROOT = "/srv/dag_repos"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


@dataclass
class Seeded:
    tokens: dict[str, str] = field(default_factory=dict)
    versions: dict[str, list[str]] = field(default_factory=dict)
    log_path: Path | None = None


def add_version(session: Session, dag: DAG, team: str, source: str) -> str:
    """A parsed version of ``dag`` in ``team``'s directory, made the DAG's latest; its dag_hash."""
    digest = sha256_hex(source)
    serialized = serialize_dag(dag, fileloc=f"{dag.dag_id}.py", source_digest=digest)
    return add_envelope(session, dag.dag_id, dag_envelope(serialized), team, source)


def add_envelope(session: Session, dag_id: str, envelope: dict[str, Any], team: str, source: str) -> str:
    """A serialized DAG as stored JSON (any shape, e.g. a later schema's), made the DAG's latest."""
    digest = sha256_hex(source)
    data = canonical_json(envelope)
    version = sha256_hex(data)
    session.merge(DagCodeModel(source_digest=digest, relative_fileloc=f"{dag_id}.py", source=source))
    session.merge(
        SerializedDagModel(
            dag_hash=version,
            dag_id=dag_id,
            processor_subdir=f"{ROOT}/{team}",
            data=data,
            source_digest=digest,
            created_at=T0 + timedelta(minutes=len(source)),
        )
    )
    session.merge(
        DagModel(
            dag_id=dag_id,
            fileloc=f"{ROOT}/{team}/{dag_id}.py",
            relative_fileloc=f"{dag_id}.py",
            processor_subdir=f"{ROOT}/{team}",
            is_active=True,
            is_paused=False,
            last_parsed_time=T0,
            latest_dag_hash=version,
            tags=[],
            schedule_description="None",
        )
    )
    session.flush()
    return version


def _x_versions() -> list[tuple[DAG, str]]:
    first = DAG("x_etl", params={"rows": 10, "label": "nightly"})
    with first:
        EmptyOperator(task_id="extract") >> BashOperator(task_id="load", bash_command="echo load")
    second = DAG("x_etl", params={"rows": 10, "label": "nightly"})
    with second:
        extract = EmptyOperator(task_id="extract")
        extract >> BashOperator(task_id="load", bash_command="echo load v2")
        extract >> EmptyOperator(task_id="report")
    return [(first, "# x_etl v1\n"), (second, "# x_etl v2\n# with a report task\n")]


def _run(
    session: Session, dag_id: str, run_id: str, version: str, state: str, digest: str | None, **ti_states: str
) -> DagRunModel:
    run = DagRunModel(
        dag_id=dag_id,
        run_id=run_id,
        run_type="manual",
        logical_date=T0,
        data_interval_start=T0,
        data_interval_end=T0,
        state=state,
        dag_hash=version,
        image_digest=digest,
        conf={"rows": 5},
        created_at=T0,
        start_date=T0,
    )
    session.add(run)
    session.flush()
    for task_id, ti_state in ti_states.items():
        session.add(
            TaskInstanceModel(
                dag_run_id=run.id,
                dag_id=dag_id,
                run_id=run_id,
                task_id=task_id,
                state=None if ti_state == "none" else ti_state,
                try_number=1 if ti_state in ("running", "success", "failed") else 0,
                max_tries=0,
                image_digest=digest,
                exit_code=1 if ti_state == "failed" else None,
            )
        )
    return run


def seed(factory: sessionmaker[Session], log_folder: Path) -> Seeded:
    seeded = Seeded()
    with session_scope(factory) as session:
        seeded.versions["x_etl"] = [add_version(session, dag, "team_x", src) for dag, src in _x_versions()]
        y_dag = DAG("y_report")
        with y_dag:
            EmptyOperator(task_id="collect")
        seeded.versions["y_report"] = [add_version(session, y_dag, "team_y", "# y_report\n")]
        old, new = seeded.versions["x_etl"]
        _run(session, "x_etl", "run_old", old, "success", DIGEST_A, extract="success", load="success")
        _run(
            session,
            "x_etl",
            "run_new",
            new,
            "running",
            DIGEST_B,
            extract="success",
            load="running",
            report="none",
        )
        _run(session, "y_report", "run_y", seeded.versions["y_report"][0], "failed", None, collect="failed")
        session.add(
            ImportErrorModel(
                filename=f"{ROOT}/team_y/broken.py",
                processor_subdir=f"{ROOT}/team_y",
                stacktrace="SyntaxError: y",
            )
        )
        session.add(
            ImportErrorModel(
                filename=f"{ROOT}/team_x/bad.py",
                processor_subdir=f"{ROOT}/team_x",
                stacktrace="SyntaxError: x",
            )
        )
        session.add(DeploymentModel(digest_map=_digest_map(DIGEST_A), created_by="ci", is_current=False))
        session.add(DeploymentModel(digest_map=_digest_map(DIGEST_B), created_by="ci", is_current=True))
        for name, role, team in [
            ("admin", "admin", None),
            ("x_op", "op", "team_x"),
            ("y_op", "op", "team_y"),
            ("x_viewer", "viewer", "team_x"),
        ]:
            create_user(session, name, PASSWORD, role, team)
            seeded.tokens[name] = create_token(session, name)
    seeded.log_path = log_folder / "x_etl" / "run_new" / "load" / "1.log"
    seeded.log_path.parent.mkdir(parents=True)
    seeded.log_path.write_text("line 1\nline 2\n")
    return seeded


def _digest_map(digest: str) -> dict[str, object]:
    repos = {}
    for team in ("team_x", "team_y"):
        repos[f"dag_repos/{team}"] = {
            "dag_dir": f"dag_repos/{team}",
            "container_dag_dir": f"/opt/dagseal/dags/{team}",
            "image": f"dagseal/{team}:latest",
            "bazel_target": f"//dag_repos/{team}:image",
            "image_id": "sha256:" + "c" * 64,
            "manifest_digest": digest,
            "registry_ref": f"127.0.0.1:5000/dagseal/{team}@{digest}",
            "layers": [],
            "sandbox_protocol": 2,
            "runtime": "python311",
            "files": {},
        }
    return {"schema_version": 1, "repos": repos}
