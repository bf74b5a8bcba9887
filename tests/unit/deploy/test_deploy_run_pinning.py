"""New DAG runs (scheduled and triggered) are pinned to the current deployment's image digest,
or with nothing deployed (Docker task runtime) to the digest map's image."""

import json
from datetime import UTC, datetime
from pathlib import Path

from deploy_maps import digest_map, repo
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, DagRunModel, SerializedDagModel
from dagseal.db.session import session_scope
from dagseal.deploy.deployments import record_deployment
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.serialization import ScheduleSpec, SerializedDag, canonical_json, dag_envelope

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PLACEMENT = Placement(PlacementSettings())  # the process runtime


def _dag(factory: sessionmaker[Session], team: str) -> None:
    # A trigger reads the DAG's schedule for the run's data interval, so the envelope is a real one.
    envelope = dag_envelope(
        SerializedDag(
            dag_id="etl", fileloc="etl.py", source_digest="0" * 64, schedule=ScheduleSpec(kind="none")
        )
    )
    with session_scope(factory) as session:
        session.add(
            SerializedDagModel(
                dag_hash="a" * 64, dag_id="etl", data=canonical_json(envelope), source_digest="0" * 64
            )
        )
        session.flush()
        session.add(
            DagModel(
                dag_id="etl",
                fileloc=f"/srv/checkout/dag_repos/{team}/etl.py",
                relative_fileloc="etl.py",
                processor_subdir=f"/srv/checkout/dag_repos/{team}",
                latest_dag_hash="a" * 64,
            )
        )


def test_triggered_runs_take_the_current_deployment(session_factory: sessionmaker[Session]) -> None:
    _dag(session_factory, "team_x")
    with session_scope(session_factory) as session:
        unpinned = trigger_dag(session, "etl", {}, NOW, PLACEMENT, run_id="before_any_deploy")
        assert (unpinned.image_digest, unpinned.deployment_id) == (None, None)
    for version in ("v1", "v2"):
        document = digest_map(repo("team_x", version), repo("team_y", version))
        with session_scope(session_factory) as session:
            deployment = record_deployment(session, document, "ci", "test")
            run = trigger_dag(session, "etl", {}, NOW, PLACEMENT, run_id=f"after_{version}")
            assert run.deployment_id == deployment.id
            assert run.image_digest == document["repos"]["dag_repos/team_x"]["manifest_digest"]


def test_without_a_deployment_docker_runs_keep_the_digest_map_image(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Nothing deployed: a run is stamped with the map's image when created; a rebuilt map only
    affects later runs, though one Placement serves them all (with the process runtime nothing
    is stamped)."""
    _dag(session_factory, "team_x")
    map_path = tmp_path / "digest_map.json"
    map_path.write_text(json.dumps(digest_map(repo("team_x", "v0", registry=None))))
    process = Placement(PlacementSettings(digest_map=str(map_path)))
    with session_scope(session_factory) as session:
        assert trigger_dag(session, "etl", {}, NOW, process, run_id="process").image_digest is None
    docker = Placement(PlacementSettings(task_execution_runtime="docker", digest_map=str(map_path)))
    for version in ("v1", "v2"):
        document = digest_map(repo("team_x", version, registry=None))
        map_path.write_text(json.dumps(document))
        with session_scope(session_factory) as session:
            run = trigger_dag(session, "etl", {}, NOW, docker, run_id=version)
            assert (run.image_digest, run.deployment_id) == (
                document["repos"]["dag_repos/team_x"]["image_id"],
                None,
            )
    with session_scope(session_factory) as session:
        first = session.scalars(select(DagRunModel).where(DagRunModel.run_id == "v1")).one()
        assert first.image_digest == repo("team_x", "v1")["image_id"]
