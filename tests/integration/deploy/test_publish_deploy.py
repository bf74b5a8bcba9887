"""Publish → deploy against a real registry: measured uploads, verification, refusals, rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_images import build_layout, digest_map
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DeploymentModel
from dagseal.db.session import session_scope
from dagseal.deploy import (
    ImageMissing,
    IncompatibleImage,
    RegistryAddress,
    RegistryClient,
    RegistryUnreachable,
)
from dagseal.deploy.deployments import current_deployment
from dagseal.deploy.publish import bazel_layout, default_tag, publish_map
from dagseal.deploy.rollout import deploy, rollback


def _build(root: Path, namespace: str, source_x: str = "print('v1')") -> dict:
    return digest_map(
        build_layout(root, "team_x", f"{namespace}/team_x", source_x),
        build_layout(root, "team_y", f"{namespace}/team_y", "print('y')"),
    )


def _publish(document: dict, root: Path, registry: str) -> tuple[dict, dict]:
    published, results = publish_map(document, RegistryAddress.parse(registry), bazel_layout(root))
    return published, {r.dag_dir: r for r in results}


def test_publishing_uploads_each_blob_once_and_a_dag_edit_only_the_dag_layer(
    registry: str, namespace: str, tmp_path: Path
) -> None:
    v1 = _build(tmp_path / "v1", namespace)
    published, cold = _publish(v1, tmp_path / "v1", registry)
    x, y = cold["dag_repos/team_x"], cold["dag_repos/team_y"]
    assert (x.uploaded_blobs, x.uploaded_bytes, x.mounted_bytes) == (3, x.total_bytes, 0)
    # team_y shares the base layer: mounted from team_x's repository, not sent again
    assert y.uploaded_blobs == 2  # its config and its DAG layer
    assert y.mounted_bytes > 200_000
    assert y.uploaded_bytes + y.mounted_bytes == y.total_bytes
    client = RegistryClient(registry)
    for repo in published["repos"].values():
        ref = repo["registry_ref"]
        assert ref == f"{registry}/{repo['image']}@{repo['manifest_digest']}"
        tagged = client.manifest(repo["image"], default_tag(repo["manifest_digest"]))
        assert tagged.digest == repo["manifest_digest"]

    _, again = _publish(v1, tmp_path / "v1", registry)
    assert {dag_dir: r.uploaded_bytes for dag_dir, r in again.items()} == {
        "dag_repos/team_x": 0,
        "dag_repos/team_y": 0,
    }

    v2 = _build(tmp_path / "v2", namespace, source_x="print('v2')")
    _, edited = _publish(v2, tmp_path / "v2", registry)
    new_x = v2["repos"]["dag_repos/team_x"]
    dags_layer = next(layer for layer in new_x["layers"] if layer["role"] == "dags")
    config_size = len(client.blob(new_x["image"], new_x["image_id"]))
    assert edited["dag_repos/team_x"].uploaded_blobs == 2  # the DAG layer and the (tiny) config
    assert edited["dag_repos/team_x"].uploaded_bytes == dags_layer["size"] + config_size
    assert edited["dag_repos/team_y"].uploaded_bytes == 0


def _deployment_ids(factory: sessionmaker[Session]) -> tuple[list[int], int | None]:
    with session_scope(factory) as session:
        ids = list(session.scalars(select(DeploymentModel.id).order_by(DeploymentModel.id)))
        current = current_deployment(session)
        return ids, current.id if current else None


def test_deploy_records_a_verified_map_and_rollback_makes_an_older_one_current(
    registry: str, namespace: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    published_v1, _ = _publish(_build(tmp_path / "v1", namespace), tmp_path / "v1", registry)
    published_v2, _ = _publish(_build(tmp_path / "v2", namespace, "print(2)"), tmp_path / "v2", registry)
    first = deploy(session_factory, published_v1, "ci", "test:v1.json")
    second = deploy(session_factory, published_v2, "ci", "test:v2.json")
    assert _deployment_ids(session_factory) == ([first.id, second.id], second.id)
    assert rollback(session_factory).id == first.id
    assert _deployment_ids(session_factory) == ([first.id, second.id], first.id)
    assert rollback(session_factory, second.id).id == second.id


def test_deploy_is_refused_and_nothing_changes_when_the_registry_is_down(
    throwaway_registry, namespace: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    address = throwaway_registry.address
    published_v1, _ = _publish(_build(tmp_path / "v1", namespace), tmp_path / "v1", address)
    published_v2, _ = _publish(_build(tmp_path / "v2", namespace, "print(2)"), tmp_path / "v2", address)
    first = deploy(session_factory, published_v1, "ci", "test")
    before = _deployment_ids(session_factory)
    throwaway_registry.stop()
    with pytest.raises(RegistryUnreachable, match=f"registry {address} is unreachable"):
        deploy(session_factory, published_v2, "ci", "test")
    with pytest.raises(RegistryUnreachable):
        rollback(session_factory, first.id)
    assert _deployment_ids(session_factory) == before == ([first.id], first.id)


def test_deploy_names_the_repo_whose_digest_the_registry_lacks(
    registry: str, namespace: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    published, _ = _publish(_build(tmp_path / "v1", namespace), tmp_path / "v1", registry)
    # team_y's map entry names a build that was never pushed
    unpushed = build_layout(tmp_path / "v9", "team_y", f"{namespace}/team_y", "print('never pushed')")
    entry = published["repos"]["dag_repos/team_y"]
    entry.update(manifest_digest=unpushed["manifest_digest"], image_id=unpushed["image_id"])
    entry["registry_ref"] = f"{registry}/{namespace}/team_y@{unpushed['manifest_digest']}"
    with pytest.raises(ImageMissing, match=f"repo dag_repos/team_y: {entry['registry_ref']} is not in the"):
        deploy(session_factory, published, "ci", "test")
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DeploymentModel)) == 0


def test_deploy_refuses_an_image_speaking_another_sandbox_protocol(
    registry: str, namespace: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    document = digest_map(build_layout(tmp_path, "team_x", f"{namespace}/team_x", "x", protocol="999"))
    published, _ = _publish(document, tmp_path, registry)
    with pytest.raises(IncompatibleImage, match="speaks sandbox protocol 999"):
        deploy(session_factory, published, "ci", "test")
