"""The accept / fork / reap loop shared by the sandbox zygote and the host's supervisor fork server.

Standard library only, so the image side (``dagseal.sandbox.zygote``) and the host side
(``dagseal.executor.fork_server``) both use it without either importing the other's dependencies.

Both serve one Unix socket (in a private directory) from a warm interpreter: per connection a
subclass reads one request and forks a child; the loop watches the child through a pidfd, reaps
it and writes ``exit <code>`` (negative: killed by that signal) on its connection. When stdin
closes the loop stops accepting and unlinks the socket, exits after its last child and then
removes the socket's directory (also when its starter was killed and could not).
"""

import contextlib
import gc
import os
import selectors
import socket
import sys
from abc import ABC, abstractmethod
from typing import Any


class ForkLoop(ABC):
    """Single-threaded (so forking is safe); subclasses read a request and fork a child for it."""

    #: Prefix of the one-line complaint about a malformed request.
    name = "dagseal fork loop"
    #: What ``read_request`` raises for a malformed request (logged; the loop goes on).
    request_errors: tuple[type[Exception], ...] = (OSError, ValueError, KeyError)
    #: How often ``tick`` runs with no events (None: only after events; the zygote needs no timer).
    tick_seconds: float | None = None

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        self.listener.listen(64)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, self._accept)
        self.selector.register(0, selectors.EVENT_READ, self._control)
        self.accepting = True
        # pidfd → the connection the child serves (None: between requests, for a subclass's reused child)
        self.children: dict[int, socket.socket | None] = {}

    @abstractmethod
    def read_request(self, conn: socket.socket) -> Any:
        """The request on a new connection; raises one of ``request_errors`` if it is malformed."""

    @abstractmethod
    def fork(self, conn: socket.socket, request: Any) -> int:
        """Fork the child serving ``request`` (it must never return into the loop); returns its pid."""

    def _control(self, _key: selectors.SelectorKey) -> None:
        if not os.read(0, 4096):
            self.selector.unregister(0)
            self.selector.unregister(self.listener)
            self.listener.close()
            os.unlink(self.socket_path)
            self.accepting = False
            self.stopping()

    def _accept(self, _key: selectors.SelectorKey) -> None:
        if not self.accepting:
            return  # stdin closed in the same round of events
        conn, _ = self.listener.accept()
        try:
            request = self.read_request(conn)
        except self.request_errors as exc:
            print(f"{self.name}: bad request: {exc}", file=sys.stderr)
            conn.close()
            return
        self.dispatch(conn, request)

    def dispatch(self, conn: socket.socket, request: Any) -> None:
        """Serve ``request`` in a new child (a subclass may hand it to one it already has)."""
        self.track(self.fork(conn, request), conn)

    def track(self, pid: int, conn: socket.socket) -> int:
        """Watch child ``pid``, serving ``conn``, until it exits; returns its pidfd."""
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = conn
        self.selector.register(pidfd, selectors.EVENT_READ, lambda _key: self._reap(pid, pidfd))
        return pidfd

    def _reap(self, pid: int, pidfd: int) -> None:
        self.selector.unregister(pidfd)
        os.close(pidfd)
        conn = self.children.pop(pidfd)
        _, status = os.waitpid(pid, 0)
        if conn is not None:
            tell(conn, f"exit {os.waitstatus_to_exitcode(status)}\n")
            conn.close()
        self.reaped(pid)

    def reaped(self, pid: int) -> None:  # noqa: B027  (a hook: nothing by default)
        """Called once child ``pid`` exited and its connection (if any) was told how."""

    def stopping(self) -> None:  # noqa: B027
        """Called once when stdin closed: no more requests will come."""

    def tick(self) -> None:  # noqa: B027
        """Called after each round of events, and every ``tick_seconds`` without any (a subclass's timers)."""

    def announce_ready(self) -> None:
        """Tell the starter (reading our stdout) that the socket accepts connections."""
        print("ready", flush=True)

    def serve(self) -> None:
        # What the server holds now (imports, warm-ups) lives as long as it does: frozen, no child's
        # garbage collection writes to those inherited objects and so copies the server's heap.
        gc.freeze()
        self.announce_ready()
        while self.accepting or self.children:
            for key, _events in self.selector.select(timeout=self.tick_seconds):
                key.data(key)
            self.tick()
        with contextlib.suppress(OSError):  # the starter may have removed it first
            os.rmdir(os.path.dirname(self.socket_path))


def tell(conn: socket.socket, line: str) -> None:
    """Write one line to a child's connection; whoever asked may be gone, which is fine."""
    with contextlib.suppress(OSError):  # nobody is left to tell
        conn.sendall(line.encode())
