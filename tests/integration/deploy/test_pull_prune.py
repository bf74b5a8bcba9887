"""Hosts pull by digest on first use; prune drops local images no recent deployment references."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import docker
import docker.errors
import pytest
from deploy_images import build_layout, digest_map
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import session_scope
from dagseal.deploy import ImageMissing, ImageReference, RegistryAddress, RegistryUnreachable
from dagseal.deploy.deployments import record_deployment
from dagseal.deploy.prune import PrunePlan, apply_prune, plan_prune
from dagseal.deploy.publish import bazel_layout, publish_map
from dagseal.deploy.pull import ensure_image
from dagseal.timeutil import utcnow

pytestmark = pytest.mark.docker


@pytest.fixture
def engine(namespace: str) -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    for image in client.images.list(filters={"label": "io.dagseal.test"}):
        if any(namespace in ref for ref in image.attrs.get("RepoDigests") or ()):
            client.images.remove(image.id, force=True)
    client.close()


def _published(root: Path, namespace: str, registry: str, source: str) -> dict:
    document = digest_map(build_layout(root, "team_x", f"{namespace}/team_x", source))
    published, _ = publish_map(document, RegistryAddress.parse(registry), bazel_layout(root))
    return published


def _ref(document: dict) -> ImageReference:
    return ImageReference.parse(document["repos"]["dag_repos/team_x"]["registry_ref"])


def test_first_use_pulls_by_digest_and_later_uses_the_local_image(
    registry: str, namespace: str, tmp_path: Path, engine: docker.DockerClient
) -> None:
    document = _published(tmp_path, namespace, registry, "print(1)")
    ref = _ref(document)
    image_id = ensure_image(engine, ref)
    assert image_id == document["repos"]["dag_repos/team_x"]["image_id"]
    assert str(ref) in engine.images.get(image_id).attrs["RepoDigests"]
    assert engine.images.get(image_id).tags == []  # pulled by digest, never by tag
    assert ensure_image(engine, str(ref)) == image_id


def test_pull_errors_say_whether_the_registry_is_down_or_the_digest_missing(
    throwaway_registry, namespace: str, tmp_path: Path, engine: docker.DockerClient
) -> None:
    address = throwaway_registry.address
    ref = _ref(_published(tmp_path, namespace, address, "print(1)"))
    missing = ImageReference(address, ref.name, "sha256:" + "0" * 64)
    with pytest.raises(ImageMissing, match=f"registry {address} has no manifest sha256:0+ for {ref.name}"):
        ensure_image(engine, missing)
    throwaway_registry.stop()
    with pytest.raises(RegistryUnreachable, match=f"registry {address} is unreachable"):
        ensure_image(engine, ref)


def test_prune_keeps_recent_and_current_deployments_and_removes_the_rest(
    registry: str,
    namespace: str,
    tmp_path: Path,
    engine: docker.DockerClient,
    session_factory: sessionmaker[Session],
) -> None:
    old = _published(tmp_path / "old", namespace, registry, "print('old')")
    new = _published(tmp_path / "new", namespace, registry, "print('new')")
    old_id, new_id = ensure_image(engine, _ref(old)), ensure_image(engine, _ref(new))
    with session_scope(session_factory) as session:
        record_deployment(session, old, "ci", "test")
        record_deployment(session, new, "ci", "test")
        within = plan_prune(session, engine, retention_days=7, now=utcnow())
        later = plan_prune(session, engine, retention_days=7, now=utcnow() + timedelta(days=30))
    assert {old_id, new_id} <= {image.image_id for image in within.keep}
    assert new_id in {image.image_id for image in later.keep}  # current, however old
    mine = [image for image in later.remove if image.image_id in (old_id, new_id)]
    assert [image.image_id for image in mine] == [old_id]
    outcomes = apply_prune(engine, PrunePlan(cutoff=later.cutoff, remove=mine, keep=[]))
    assert [(image.image_id, error) for image, error in outcomes] == [(old_id, None)]
    with pytest.raises(docker.errors.ImageNotFound):
        engine.images.get(old_id)
    assert engine.images.get(new_id).id == new_id
