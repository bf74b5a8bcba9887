"""The protocol's path into a container: a Unix socket the host listens on, in a per-container directory.

Why not the attach stream: every line written to a container's stdin and read from its stdout
travels through the engine (attach socket → dockerd → containerd-shim → pipe and back, framed),
which costs a parse request about a millisecond more than the same request to a local process.
A Unix socket bind-mounted into the container is a kernel buffer between the two processes.

Why it stays private: the host makes `<root>/<random>/` (root 0700 and owned by the host user, so
nobody else on the host can reach in; one new directory per socket, not per container name,
since a container started ahead of its try and that try's own container can share a name for a
moment: closing one never touches the other's), binds `protocol.sock` in it before the container
exists and mounts only that directory, read-only, at `/run/dagseal`; the container can connect
to the socket and do nothing else there. The host accepts exactly one connection — the sandbox's,
made before any user code runs — then closes the listener and unlinks the socket, so nothing
started later in the container can open a second channel; the hello check follows as before.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dagseal.errors import DagsealError
from dagseal.runtime.base import Volume
from dagseal.runtime.channel import ChannelClosed

__all__ = ["CONTAINER_SOCKET", "CONTAINER_SOCKET_DIR", "ProtocolSocket", "default_socket_root"]

CONTAINER_SOCKET_DIR = "/run/dagseal"
SOCKET_NAME = "protocol.sock"
CONTAINER_SOCKET = f"{CONTAINER_SOCKET_DIR}/{SOCKET_NAME}"
EXIT_CHECK_SECONDS = 0.05
RECV_BYTES = 1 << 16


def default_socket_root() -> Path:
    """`/run/dagseal/sockets` for root; otherwise under `$XDG_RUNTIME_DIR`, else the temp directory."""
    if os.geteuid() == 0:
        return Path("/run/dagseal/sockets")
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir:
        return Path(runtime_dir) / "dagseal" / "sockets"
    return Path(tempfile.gettempdir()) / f"dagseal-{os.geteuid()}" / "sockets"


def _private_root(root: Path) -> None:
    """Create `root` 0700; refuse one that someone else owns or that others may enter."""
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = root.lstat()
    except OSError as exc:
        raise DagsealError(f"cannot create protocol socket directory {root}: {exc}") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise DagsealError(
            f"refusing protocol socket directory {root}: it must be a directory owned by uid "
            f"{os.geteuid()} with mode 0700"
        )


class ProtocolSocket:
    """The host's end of one container's protocol socket: listen, accept the sandbox once, read lines."""

    def __init__(self, root: Path) -> None:
        _private_root(root)
        self.directory = root / secrets.token_hex(8)  # short: AF_UNIX paths end at 107 bytes
        self.path = self.directory / SOCKET_NAME
        self._listener: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._connection: socket.socket | None = None
        self._buffer = bytearray()
        try:
            self.directory.mkdir(mode=0o711)
            self.directory.chmod(0o711)  # whatever the umask: the container's user must reach the socket
            self._listener.bind(str(self.path))
            self.path.chmod(0o666)  # any container uid may connect; only this container sees the directory
            self._listener.listen(1)
        except OSError as exc:
            self.close()
            raise DagsealError(f"cannot listen on a protocol socket in {self.directory}: {exc}") from exc

    @property
    def volume(self) -> Volume:
        """The read-only mount that shows this directory, and nothing else of the host, to the container."""
        return Volume(str(self.directory), CONTAINER_SOCKET_DIR, read_only=True)

    def _accept(self, deadline: float | None, exited: Callable[[], bool]) -> socket.socket:
        """Wait for the sandbox's connection; a container that exits first is ChannelClosed at once."""
        assert self._listener is not None
        while True:
            wait = EXIT_CHECK_SECONDS
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
            if wait <= 0:
                raise TimeoutError
            self._listener.settimeout(wait)
            try:
                connection, _ = self._listener.accept()
                break
            except TimeoutError:
                if exited():
                    raise ChannelClosed("the container exited before connecting to its socket") from None
        self._listener.close()
        self._listener = None
        self.path.unlink()
        return connection

    def readline(self, timeout: float | None, exited: Callable[[], bool]) -> bytes:
        """The next line (the first call accepts the sandbox's connection within the same `timeout`);
        TimeoutError after `timeout` seconds, ChannelClosed at EOF. `exited` is only asked while
        no connection has come."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._connection is None:
            self._connection = self._accept(deadline, exited)
        searched = 0  # a reply of a few hundred KiB arrives in many chunks: scan each byte once
        while (end := self._buffer.find(b"\n", searched)) < 0:
            searched = len(self._buffer)
            self._connection.settimeout(None if deadline is None else max(deadline - time.monotonic(), 1e-6))
            try:
                chunk = self._connection.recv(RECV_BYTES)
            except TimeoutError:
                raise  # the caller's timeout, not a broken socket
            except OSError as exc:
                raise ChannelClosed(f"protocol socket broke: {exc}") from exc
            if not chunk:
                raise ChannelClosed("the sandbox closed its protocol socket")
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return line

    def send_line(self, data: bytes) -> None:
        """Write one line to the sandbox; ChannelClosed when it never connected or is gone."""
        if self._connection is None:
            raise ChannelClosed("the sandbox has not connected to its protocol socket")
        self._connection.settimeout(None)
        try:
            self._connection.sendall(data)
        except OSError as exc:
            raise ChannelClosed(f"cannot write to the protocol socket: {exc}") from exc

    def close(self) -> None:
        """Close both sockets and remove the directory (with the container it belonged to)."""
        for sock in (self._connection, self._listener):
            if sock is not None:
                sock.close()
        shutil.rmtree(self.directory, ignore_errors=True)
