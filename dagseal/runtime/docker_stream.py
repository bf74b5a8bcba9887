"""A container's output: one attach socket (stdout and stderr), demultiplexed and drained continuously.

Why a reader thread: with `tty=False` the engine frames stdout and stderr on one socket (8-byte
headers). If nobody read it while the host waits for a reply on the protocol socket, a chatty
import would fill the engine's buffer and stall the sandbox, so one thread drains the socket
continuously into a sink (a task's log file) and keeps a bounded tail for error messages. The
sandbox points its fd 1 at fd 2, so both streams are user output, or the interpreter's own
complaints before the sandbox connected (how a crash at start is explained).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from docker.utils.socket import frames_iter

from dagseal.runtime.channel import OutputTail

__all__ = ["AttachedOutput"]


class AttachedOutput:
    """Drains an attach socket into `on_output`, keeping the last few KiB; `ended` at EOF."""

    def __init__(self, sock: socket.socket, on_output: Callable[[bytes], None] | None = None) -> None:
        self._sock = sock
        self._on_output = on_output
        self._tail = OutputTail()
        self._reader = threading.Thread(target=self._read, name="dagseal-attach-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):  # closed under us (close(), or the engine went away): EOF
            for _stream, chunk in frames_iter(self._sock, tty=False):
                self._tail.add(chunk)
                if self._on_output is not None:
                    self._on_output(chunk)

    def stderr_tail(self) -> str:
        """The last few KiB the container wrote, for an error message."""
        return self._tail.text()

    def reset_tail(self) -> None:
        """Start a new tail (per request), so a parse error quotes only that parse's output."""
        self._tail.reset()

    @property
    def ended(self) -> bool:
        """True once the container's output reached EOF (it exited, or the socket was closed)."""
        return not self._reader.is_alive()

    def close(self, join_timeout: float = 5.0) -> None:
        """Close the socket and wait (briefly) for the reader to flush the last bytes."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(join_timeout)

    def drain(self, timeout: float) -> None:
        """Wait for the container's output to end on its own (after it exits or was killed)."""
        self._reader.join(timeout)
