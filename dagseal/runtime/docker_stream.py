"""The container end of the JSON-lines sandbox protocol: one attach socket, demultiplexed.

Why a reader thread: with `tty=False` the engine frames stdout and stderr on one socket (8-byte
headers). stdout carries the protocol; stderr carries whatever user code prints. If nobody read
stderr while the host waits for a reply, a chatty import would fill the engine's buffer and stall
the sandbox, so one thread drains the socket continuously: stdout bytes are cut into lines and
queued, stderr bytes go to a sink (a task's log file, or a bounded tail kept for diagnostics).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections import deque
from collections.abc import Callable

from docker.utils.socket import STDERR, STDOUT, frames_iter

from dagseal.runtime.session import ChannelClosed

__all__ = ["AttachedStreams"]

_EOF = None
STDERR_TAIL_BYTES = 8192


class AttachedStreams:
    """Demultiplexes an attach socket; `readline` gives protocol lines, stderr goes to `on_stderr`."""

    def __init__(self, sock: socket.socket, on_stderr: Callable[[bytes], None] | None = None) -> None:
        self._sock = sock
        self._on_stderr = on_stderr
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self._tail_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="dagseal-attach-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        partial = b""
        try:
            for stream, chunk in frames_iter(self._sock, tty=False):
                if stream == STDOUT:
                    partial += chunk
                    *lines, partial = partial.split(b"\n")
                    for line in lines:
                        self._lines.put(line)
                elif stream == STDERR:
                    self._keep_tail(chunk)
                    if self._on_stderr is not None:
                        self._on_stderr(chunk)
        except OSError:
            pass  # the socket was closed under us (close(), or the engine went away): that is EOF
        finally:
            if partial:
                self._lines.put(partial)
            self._lines.put(_EOF)

    def _keep_tail(self, chunk: bytes) -> None:
        with self._tail_lock:
            self._tail.append(chunk)
            self._tail_size += len(chunk)
            while self._tail_size > STDERR_TAIL_BYTES and len(self._tail) > 1:
                self._tail_size -= len(self._tail.popleft())

    def stderr_tail(self) -> str:
        """The last few KiB the container wrote to stderr, for a crash message."""
        with self._tail_lock:
            return b"".join(self._tail).decode("utf-8", "replace")[-STDERR_TAIL_BYTES:]

    def reset_tail(self) -> None:
        """Start a new tail (per request), so a parse error quotes only that parse's output."""
        with self._tail_lock:
            self._tail.clear()
            self._tail_size = 0

    @property
    def ended(self) -> bool:
        """True once the container's streams reached EOF (it exited, or the socket was closed)."""
        return not self._reader.is_alive()

    def send_line(self, data: bytes) -> None:
        """Write one protocol line to the container's stdin."""
        with self._send_lock:
            try:
                self._sock.sendall(data.rstrip(b"\n") + b"\n")
            except OSError as exc:
                raise ChannelClosed(f"cannot write to the container's stdin: {exc}") from exc

    def readline(self, timeout: float | None) -> bytes:
        """The next stdout line; TimeoutError after `timeout` s, ChannelClosed at EOF."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if line is _EOF:
            self._lines.put(_EOF)  # stay at EOF for every later reader
            raise ChannelClosed("the container closed its stdout")
        return line

    def close(self, join_timeout: float = 5.0) -> None:
        """Close the socket and wait (briefly) for the reader to flush the last stderr bytes."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(join_timeout)

    def drain(self, timeout: float) -> None:
        """Wait for the container's streams to end on their own (after it exits)."""
        self._reader.join(timeout)
