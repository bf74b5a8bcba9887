"""A registry others cannot write to: TLS from the tooling's own CA and htpasswd authentication.

CI publishes with push credentials, workers pull by digest with pull credentials, both from a
Docker client config (``DOCKER_CONFIG``); anonymous pushes and pulls are refused.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from conftest import REPO_ROOT
from deploy_images import build_layout, digest_map

from dagseal.deploy import DeployError, ImageReference, RegistryAddress, RegistryClient
from dagseal.deploy.publish import bazel_layout, publish_map
from dagseal.deploy.published import entries
from dagseal.deploy.pull import ensure_image
from dagseal.deploy.registry_auth import CERTS_D

pytestmark = [pytest.mark.integration, pytest.mark.docker]


class AuthRegistry:
    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.host = f"127.0.0.1:{probe.getsockname()[1]}"
        self.directory = directory
        env = {
            **os.environ,
            "DAGSEAL_REGISTRY_ADDR": self.host,
            "DAGSEAL_REGISTRY_DIR": str(directory),
            "DAGSEAL_REGISTRY_AUTH": "htpasswd",
        }
        done = subprocess.run(
            ["bash", str(REPO_ROOT / "tooling/start_registry.sh")], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.fail(f"tooling/start_registry.sh failed: {done.stderr.strip()}", pytrace=False)
        self.address = done.stdout.strip()

    def login(self, config_dir: Path, user: str, password: str) -> None:
        """What `docker login` writes: this host now holds these credentials."""
        config_dir.mkdir(parents=True, exist_ok=True)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        (config_dir / "config.json").write_text(json.dumps({"auths": {self.host: {"auth": token}}}))

    def stop(self) -> None:
        pid_file = self.directory / "registry.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        shutil.rmtree(CERTS_D / self.host, ignore_errors=True)


@pytest.fixture
def auth_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AuthRegistry]:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "anonymous"))  # no credentials at all
    registry = AuthRegistry(tmp_path / "registry")
    yield registry
    registry.stop()


def test_anonymous_push_is_refused_and_ci_pushes_with_its_credentials(
    auth_registry: AuthRegistry, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert auth_registry.address == f"https://{auth_registry.host}"
    registry = RegistryAddress.parse(auth_registry.address)
    document = digest_map(build_layout(tmp_path, "team_x", f"{namespace}/team_x", "print(1)"))
    (entry,) = entries(document)
    layout = bazel_layout(tmp_path)(entry)
    anonymous = subprocess.run(
        ["skopeo", "copy", "--quiet", f"--dest-cert-dir={CERTS_D / auth_registry.host}", f"oci:{layout}",
         f"docker://{auth_registry.host}/{namespace}/team_x:anon"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert anonymous.returncode != 0
    assert "authentication required" in anonymous.stderr or "unauthorized" in anonymous.stderr.lower()
    with pytest.raises(DeployError, match=r"answered 401 Unauthorized to GET the v2 API"):
        publish_map(document, registry, bazel_layout(tmp_path))

    auth_registry.login(tmp_path / "ci", "push", "dagseal-push")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "ci"))
    published, results = publish_map(document, registry, bazel_layout(tmp_path))
    ref = ImageReference.parse(published["repos"]["dag_repos/team_x"]["registry_ref"])
    assert ref.registry == auth_registry.host and results[0].uploaded_blobs >= 1
    assert RegistryClient(registry).has_manifest(ref.name, ref.digest)

    # A worker holds only its pull credentials; the engine pulls by digest over TLS with them.
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "worker-without-login"))
    engine = docker.from_env()
    try:
        with pytest.raises(DeployError, match=f"registry {auth_registry.host} answered 401 Unauthorized"):
            ensure_image(engine, ref)
    finally:
        engine.close()
    auth_registry.login(tmp_path / "worker", "pull", "dagseal-pull")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "worker"))
    engine = docker.from_env()
    try:
        image_id = ensure_image(engine, ref)
        assert image_id == document["repos"]["dag_repos/team_x"]["image_id"]
        assert str(ref) in engine.images.get(image_id).attrs["RepoDigests"]
    finally:
        engine.images.remove(image_id, force=True)
        engine.close()
