"""The containers' protocol socket without an engine or a sandbox (tests/integration/runtime runs a
local sandbox against it)."""

from __future__ import annotations

import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxSpec, Volume
from dagseal.runtime.channel import ChannelClosed
from dagseal.runtime.docker_container import SANDBOX_ENTRYPOINT, container_body
from dagseal.runtime.docker_socket import CONTAINER_SOCKET, ProtocolSocket


def never_exited() -> bool:
    return False


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "sockets"  # short: AF_UNIX paths are limited to 107 bytes


@pytest.fixture
def protocol(root: Path) -> Iterator[ProtocolSocket]:
    opened = ProtocolSocket(root)
    yield opened
    opened.close()


def connect(protocol: ProtocolSocket) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(protocol.path))
    return client


def test_layout_is_private_to_the_host_and_reachable_for_the_container(
    root: Path, protocol: ProtocolSocket
) -> None:
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(protocol.directory.stat().st_mode) == 0o711
    assert stat.S_ISSOCK(protocol.path.stat().st_mode)
    assert stat.S_IMODE(protocol.path.stat().st_mode) == 0o666
    assert protocol.volume == Volume(str(protocol.directory), "/run/dagseal", read_only=True)


def test_lines_are_cut_across_chunks_and_kept_in_order(protocol: ProtocolSocket) -> None:
    client = connect(protocol)
    client.sendall(b'{"a":')
    client.sendall(b'1}\n{"b":2}\n{"c"')
    assert protocol.readline(5, never_exited) == b'{"a":1}'
    assert protocol.readline(5, never_exited) == b'{"b":2}'
    with pytest.raises(TimeoutError):
        protocol.readline(0.2, never_exited)
    client.sendall(b":3}\n")
    assert protocol.readline(5, never_exited) == b'{"c":3}'
    big = b'{"source":"' + b"x" * 600_000 + b'"}'  # a large parse reply: many recv chunks
    sender = threading.Thread(target=client.sendall, args=(big + b"\n",))
    sender.start()
    assert protocol.readline(5, never_exited) == big
    sender.join()
    client.close()
    with pytest.raises(ChannelClosed):
        protocol.readline(5, never_exited)


def test_waiting_for_the_sandbox_ends_at_the_timeout_or_when_the_container_exits(
    protocol: ProtocolSocket,
) -> None:
    with pytest.raises(TimeoutError):
        protocol.readline(0.2, never_exited)
    started = time.monotonic()
    with pytest.raises(ChannelClosed, match="exited before connecting"):
        protocol.readline(60, lambda: True)
    assert time.monotonic() - started < 30  # not the whole timeout


def test_writing_before_the_sandbox_connected_is_a_closed_channel(protocol: ProtocolSocket) -> None:
    with pytest.raises(ChannelClosed, match="has not connected"):
        protocol.send_line(b"{}\n")


def test_each_socket_has_its_own_directory_and_close_removes_only_its_own(root: Path) -> None:
    ahead = ProtocolSocket(root)  # for a container started ahead of its try
    own = ProtocolSocket(root)  # for the try's own container, of the same name
    assert ahead.directory != own.directory
    ahead.close()  # the one started ahead goes while the try's own sandbox connects
    assert not ahead.directory.exists()
    client = connect(own)
    client.sendall(b"{}\n")
    assert own.readline(5, never_exited) == b"{}"
    own.close()
    client.close()
    assert not own.directory.exists()


def test_a_root_others_can_enter_is_refused(root: Path) -> None:
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    with pytest.raises(DagsealError, match=r"must be a directory owned by uid \d+ with mode 0700"):
        ProtocolSocket(root)


def test_containers_connect_to_their_socket_mounted_read_only(
    protocol: ProtocolSocket, tmp_path: Path
) -> None:
    spec = SandboxSpec(dag_folder=str(tmp_path / "team"), image="sha256:" + "1" * 64)
    body = container_body(spec, {}, protocol)
    assert body["entrypoint"] == SANDBOX_ENTRYPOINT
    assert SANDBOX_ENTRYPOINT[-2:] == ["--connect", CONTAINER_SOCKET]
    assert body["host_config"]["binds"][-1] == protocol.volume
    assert "stdin_open" not in body  # nothing reaches the sandbox through the engine


@pytest.mark.parametrize("source", ["{root}", "{root}/dagseal-parse-other", "{parent}"])
def test_no_mount_may_show_a_container_other_containers_sockets(
    protocol: ProtocolSocket, root: Path, tmp_path: Path, source: str
) -> None:
    volume = Volume(source.format(root=root, parent=root.parent), "/peek")
    spec = SandboxSpec(dag_folder=str(tmp_path / "team"), image="sha256:" + "1" * 64, volumes=(volume,))
    with pytest.raises(DagsealError, match="holds the sandboxes' protocol sockets"):
        container_body(spec, {}, protocol)
