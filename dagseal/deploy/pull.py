"""Hosts get images by pulling ``<registry>/<name>@sha256:…`` the first time they need them.

Only the digest reference is ever pulled, so a host can never run anything but the recorded
bytes; layers the host already has (base OS, wheels) are not fetched again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.session import session_scope
from dagseal.deploy.deployments import image_ref_for_run
from dagseal.deploy.errors import DeployError
from dagseal.deploy.reference import ImageReference
from dagseal.deploy.registry import RegistryClient
from dagseal.errors import ImageMissing

if TYPE_CHECKING:
    import docker

__all__ = ["ensure_image", "image_for_run", "pull_for_host"]


def ensure_image(client: docker.DockerClient, ref: ImageReference | str) -> str:
    """Return the local image id of ``ref``, pulling it by digest if this host lacks it.

    A failed pull is explained by asking the registry directly, so the error says whether the
    registry is down or the digest is missing rather than relaying the engine's message.
    """
    import docker.errors

    ref = ref if isinstance(ref, ImageReference) else ImageReference.parse(ref)
    try:
        return client.images.get(str(ref)).id
    except docker.errors.ImageNotFound:
        pass
    try:
        return client.images.pull(str(ref)).id
    except docker.errors.APIError as exc:
        registry = RegistryClient(ref.registry)
        registry.ping()
        if not registry.has_manifest(ref.name, ref.digest):
            raise ImageMissing(
                f"cannot pull {ref}: registry {ref.registry} has no manifest {ref.digest} for {ref.name}"
            ) from exc
        detail = (exc.explanation or str(exc)).splitlines()[0]
        raise DeployError(f"cannot pull {ref}: {detail}") from exc


def pull_for_host(socket_path: str, ref: ImageReference | str) -> str:
    """``ensure_image`` through a client of its own on the engine at ``socket_path``.

    For callers that only hold configuration (a task supervisor, a DAG processor): an engine
    that cannot be reached is a one-line ``DeployError`` like a registry that cannot.
    """
    import docker
    import docker.errors
    import requests.exceptions

    try:
        client = docker.DockerClient(base_url=socket_path, version="auto")
    except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
        raise DeployError(f"cannot pull {ref}: Docker engine unreachable at {socket_path} ({exc})") from exc
    try:
        return ensure_image(client, ref)
    except (docker.errors.DockerException, requests.exceptions.ConnectionError) as exc:
        detail = " ".join(str(exc).split())
        raise DeployError(f"cannot pull {ref}: Docker engine at {socket_path} failed ({detail})") from exc
    finally:
        client.close()


def image_for_run(
    factory: sessionmaker[Session], image_digest: str | None, deployment_id: int | None, socket_path: str
) -> str | None:
    """The local image a try or callback of a run pinned to ``(image_digest, deployment_id)`` runs in.

    A deployed run's image is pulled by digest from its own deployment's reference on first use
    (not the current deployment's: retries, re-runs and callbacks of an old run keep its image);
    a run stamped from the digest map runs its stamped image id as is.
    """
    if deployment_id is None:
        return image_digest
    with session_scope(factory) as session:
        ref = image_ref_for_run(session, image_digest, deployment_id)
    return None if ref is None else pull_for_host(socket_path, ref)
