"""New DAG runs (scheduled and triggered) are pinned to the current deployment's image digest."""

from datetime import UTC, datetime

from deploy_maps import digest_map, repo
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagModel, SerializedDagModel
from dagseal.db.session import session_scope
from dagseal.deploy.deployments import record_deployment
from dagseal.scheduler.dagrun_creation import trigger_dag

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _dag(factory: sessionmaker[Session], team: str) -> None:
    with session_scope(factory) as session:
        session.add(SerializedDagModel(dag_hash="a" * 64, dag_id="etl", data="{}", source_digest="0" * 64))
        session.flush()
        session.add(DagModel(
            dag_id="etl", fileloc=f"/srv/checkout/dag_repos/{team}/etl.py", relative_fileloc="etl.py",
            processor_subdir=f"/srv/checkout/dag_repos/{team}", latest_dag_hash="a" * 64,
        ))


def test_triggered_runs_take_the_current_deployment(session_factory: sessionmaker[Session]) -> None:
    _dag(session_factory, "team_x")
    with session_scope(session_factory) as session:
        unpinned = trigger_dag(session, "etl", {}, NOW, run_id="before_any_deploy")
        assert (unpinned.image_digest, unpinned.deployment_id) == (None, None)
    for version in ("v1", "v2"):
        document = digest_map(repo("team_x", version), repo("team_y", version))
        with session_scope(session_factory) as session:
            deployment = record_deployment(session, document, "ci", "test")
            run = trigger_dag(session, "etl", {}, NOW, run_id=f"after_{version}")
            assert run.deployment_id == deployment.id
            assert run.image_digest == document["repos"]["dag_repos/team_x"]["manifest_digest"]
