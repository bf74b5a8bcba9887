"""The thin engine layer: Docker Engine API calls, dicts in and dicts out, errors made explicit.

Why a layer of its own: everything above it (handles, warm sandboxes, the runtime) speaks in terms of
"create this container", "wait for that one", and must see exactly three kinds of failure the
rest of dagseal can act on — the engine is unreachable (retry later, keep the loop alive), the
image is missing (an import error / a failed task naming the image), or the engine refused a
call (a bug or a bad spec, reported in one line). The client is created lazily and dropped after
a connection failure, so a processor or supervisor recovers by itself when the engine returns.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import docker
import docker.errors
import requests.exceptions

from dagseal.errors import DagsealError, ImageMissing
from dagseal.runtime.base import Volume

__all__ = ["DockerEngine", "EngineError", "EngineUnavailable", "NameInUse"]

API_VERSION = "auto"
START_HINT = "start it with tooling/start_docker.sh"


class EngineError(DagsealError):
    """The engine refused a call; the message is one line naming the call and the cause."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached (down, socket missing, permission denied)."""


class NameInUse(EngineError):
    """A container of that name exists already (a leftover of an owner that died)."""


def _one_line(exc: BaseException) -> str:
    text = getattr(exc, "explanation", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def _bind(volume: Volume) -> str:
    """The engine API's spelling of a bind mount (written here, at the API boundary, only)."""
    return f"{volume.source}:{volume.target}:{'ro' if volume.read_only else 'rw'}"


class DockerEngine:
    """Engine calls for one socket. Thread-safe as far as the Docker SDK's APIClient is."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url
        self._timeout = timeout
        self._client: docker.APIClient | None = None

    @contextmanager
    def _call(self, what: str) -> Iterator[docker.APIClient]:
        try:
            if self._client is None:
                self._client = docker.APIClient(
                    base_url=self.base_url, version=API_VERSION, timeout=self._timeout
                )
            yield self._client
        except docker.errors.ImageNotFound as exc:
            raise ImageMissing(f"{what}: image not found in the Docker engine ({_one_line(exc)})") from exc
        except docker.errors.APIError as exc:
            raise EngineError(f"{what}: {_one_line(exc)}") from exc
        except (docker.errors.DockerException, requests.exceptions.ConnectionError, OSError) as exc:
            self._client = None
            raise EngineUnavailable(
                f"Docker engine unreachable at {self.base_url} ({_one_line(exc)}); {START_HINT}"
            ) from exc

    def ping(self) -> None:
        """Raise EngineUnavailable unless the engine answers."""
        with self._call("ping") as client:
            client.ping()

    def inspect_image(self, ref: str) -> dict[str, Any]:
        with self._call(f"inspect image {ref}") as client:
            return client.inspect_image(ref)

    def create(self, name: str, body: Mapping[str, Any]) -> str:
        """Create a stopped container from `body` (create_container kwargs plus a `host_config`
        dict of create_host_config kwargs, whose `binds` are `Volume`s); return its id."""
        kwargs = dict(body)
        host_kwargs = dict(kwargs.pop("host_config", {}))
        host_kwargs["binds"] = [_bind(volume) for volume in host_kwargs.get("binds", ())]
        with self._call(f"create container {name}") as client:
            host_config = client.create_host_config(**host_kwargs)
            try:
                return client.create_container(name=name, host_config=host_config, **kwargs)["Id"]
            except docker.errors.APIError as exc:
                if exc.status_code == 409:
                    raise NameInUse(f"create container {name}: {_one_line(exc)}") from exc
                raise

    def attach(self, container_id: str) -> socket.socket:
        """A raw, blocking socket carrying the container's stdout and stderr (multiplexed).

        Attach before start so not a byte of output is lost.
        """
        params = {"stdout": 1, "stderr": 1, "stream": 1}
        with self._call(f"attach to {container_id[:12]}") as client:
            raw = client.attach_socket(container_id, params=params)
        sock: socket.socket = getattr(raw, "_sock", raw)  # unix sockets come wrapped in SocketIO
        sock.settimeout(None)
        return sock

    def start(self, container_id: str) -> None:
        with self._call(f"start {container_id[:12]}") as client:
            client.start(container_id)

    def wait(self, container_id: str, timeout: float | None) -> int | None:
        """The exit code, or None if the container still runs after `timeout` seconds."""
        with self._call(f"wait for {container_id[:12]}") as client:
            try:
                return int(client.wait(container_id, timeout=timeout)["StatusCode"])
            except requests.exceptions.ReadTimeout:
                return None
            except requests.exceptions.ConnectionError as exc:
                if "timed out" in str(exc).lower():
                    return None
                raise

    def wait_removed(self, container: str, timeout: float) -> None:
        """Block until the container is gone (a removal under way has finished); gone is fine."""
        with self._call(f"wait for the removal of {container}") as client:
            try:
                client.wait(container, timeout=timeout, condition="removed")
            except docker.errors.NotFound:
                return
            except requests.exceptions.RequestException as exc:
                raise EngineError(f"wait for the removal of {container}: {_one_line(exc)}") from exc

    def inspect(self, container_id: str) -> dict[str, Any] | None:
        """The container's inspect document, or None when it no longer exists."""
        with self._call(f"inspect {container_id[:12]}") as client:
            try:
                return client.inspect_container(container_id)
            except docker.errors.NotFound:
                return None

    def kill(self, container_id: str) -> None:
        """SIGKILL the container; a container that already stopped or is gone is fine."""
        with self._call(f"kill {container_id[:12]}") as client:
            try:
                client.kill(container_id)
            except docker.errors.APIError as exc:
                if exc.status_code not in (404, 409):
                    raise

    def remove(self, container_id: str) -> None:
        """Force-remove the container (and its anonymous volumes); a gone container is fine."""
        with self._call(f"remove {container_id[:12]}") as client:
            try:
                client.remove_container(container_id, force=True, v=True)
            except docker.errors.APIError as exc:
                if exc.status_code not in (404, 409):  # 409: removal already in progress
                    raise

    def logs(self, container_id: str, tail: int | str = "all") -> bytes:
        """Both streams as the engine kept them (for a container we did not attach to)."""
        with self._call(f"logs of {container_id[:12]}") as client:
            return client.logs(container_id, stdout=True, stderr=True, tail=tail)

    def containers(self, labels: Mapping[str, str | None]) -> list[dict[str, Any]]:
        """All containers (running or not) carrying every one of `labels` (None: with any value)."""
        filters = {"label": [key if value is None else f"{key}={value}" for key, value in labels.items()]}
        with self._call("list containers") as client:
            return client.containers(all=True, filters=filters)
