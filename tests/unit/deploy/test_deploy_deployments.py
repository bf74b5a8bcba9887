"""Deployments in the DB (SQLite and PostgreSQL): current, history, rollback, run pinning, versions."""

from datetime import UTC, datetime, timedelta

import pytest
from deploy_maps import digest_map, repo
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, SerializedDagModel
from dagseal.db.session import session_scope
from dagseal.deploy import DeployError
from dagseal.deploy.deployments import (
    current_deployment,
    image_ref_for_run,
    list_deployments,
    make_current,
    pin_for_new_run,
    record_deployment,
    rollback_target,
)
from dagseal.deploy.versions import dag_versions

V1 = digest_map(repo("team_x", "v1"), repo("team_y", "v1"))
V2 = digest_map(repo("team_x", "v2"), repo("team_y", "v1"))


def _deploy(factory: sessionmaker[Session], document: dict) -> int:
    with session_scope(factory) as session:
        return record_deployment(session, document, "ci", "host:/ci/map.json").id


def _current_id(factory: sessionmaker[Session]) -> int | None:
    with session_scope(factory) as session:
        current = current_deployment(session)
        return current.id if current else None


def test_each_deploy_becomes_the_only_current_one(session_factory: sessionmaker[Session]) -> None:
    assert _current_id(session_factory) is None
    first = _deploy(session_factory, V1)
    second = _deploy(session_factory, V2)
    with session_scope(session_factory) as session:
        history = list_deployments(session)
        assert [(d.id, d.is_current) for d in history] == [(second, True), (first, False)]
        assert history[0].digest_map == V2
        assert (history[0].created_by, history[0].created_from) == ("ci", "host:/ci/map.json")


def test_rollback_defaults_to_the_previous_deployment_and_can_roll_forward(
    session_factory: sessionmaker[Session],
) -> None:
    first, second = _deploy(session_factory, V1), _deploy(session_factory, V2)
    with session_scope(session_factory) as session:
        assert rollback_target(session).id == first
        make_current(session, first)
    assert _current_id(session_factory) == first
    with session_scope(session_factory) as session:
        make_current(session, second)
    assert _current_id(session_factory) == second


def test_rollback_without_an_earlier_deployment_is_refused(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session, pytest.raises(DeployError, match="no current deployment"):
        rollback_target(session)
    first = _deploy(session_factory, V1)
    with session_scope(session_factory) as session:
        with pytest.raises(DeployError, match=f"deployment {first} is the first one"):
            rollback_target(session)
        with pytest.raises(DeployError, match="no deployment 99"):
            make_current(session, 99)


def _run(session: Session, run_id: str, dag_hash: str, pin, state: str = "success") -> DagRunModel:
    if session.get(SerializedDagModel, dag_hash) is None:
        session.add(SerializedDagModel(dag_hash=dag_hash, dag_id="etl", data="{}", source_digest="0" * 64))
        session.flush()
    run = DagRunModel(
        dag_id="etl",
        run_id=run_id,
        run_type="manual",
        state=state,
        dag_hash=dag_hash,
        image_digest=pin.image_digest if pin else None,
        deployment_id=pin.deployment_id if pin else None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=len(run_id)),
    )
    session.add(run)
    session.flush()
    return run


def test_new_runs_are_pinned_to_the_current_deployment_and_old_runs_keep_their_image(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        assert pin_for_new_run(session, "/srv/dag_repos/team_x") is None  # nothing deployed yet
    first = _deploy(session_factory, V1)
    with session_scope(session_factory) as session:
        pin1 = pin_for_new_run(session, "/srv/dag_repos/team_x/etl.py")
        assert pin1.deployment_id == first
        assert pin1.image_digest == V1["repos"]["dag_repos/team_x"]["manifest_digest"]
        assert pin1.image_ref == V1["repos"]["dag_repos/team_x"]["registry_ref"]
        assert pin_for_new_run(session, "/srv/dag_repos/team_unknown") is None
        old = _run(session, "r1", "a" * 64, pin1, state="running")
    _deploy(session_factory, V2)
    with session_scope(session_factory) as session:
        pin2 = pin_for_new_run(session, "dag_repos/team_x")
        assert pin2.image_digest != pin1.image_digest
        # a retry of the old run still resolves to the first image
        assert image_ref_for_run(session, old.image_digest, old.deployment_id) == pin1.image_ref
        assert image_ref_for_run(session, None, None) is None
        with pytest.raises(DeployError, match="has no image"):
            image_ref_for_run(session, pin2.image_digest, first)


def test_versions_group_runs_by_dag_hash_and_image(session_factory: sessionmaker[Session]) -> None:
    _deploy(session_factory, V1)
    with session_scope(session_factory) as session:
        pin1 = pin_for_new_run(session, "dag_repos/team_x")
        _run(session, "r1", "a" * 64, pin1)
        _run(session, "r22", "a" * 64, pin1)
    _deploy(session_factory, V2)
    with session_scope(session_factory) as session:
        pin2 = pin_for_new_run(session, "dag_repos/team_x")
        _run(session, "r333", "b" * 64, pin2)
        _run(session, "r4444", "a" * 64, pin1)  # after rollback: the first pair again
    with session_scope(session_factory) as session:
        versions = dag_versions(session, "etl")
    assert [(v.dag_hash[0], v.image_digest, [r.run_id for r in v.runs]) for v in versions] == [
        ("a", pin1.image_digest, ["r1", "r22", "r4444"]),
        ("b", pin2.image_digest, ["r333"]),
    ]
