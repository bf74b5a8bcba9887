"""The supervisor fork server: the warm process the LocalExecutor's supervisors are forked from.

A supervisor is host code on the hot path of every try: a fresh interpreter costs hundreds of ms
of imports, and even a forked one used to spend ~20 ms compiling the same dozen SQL statements
into an empty SQLAlchemy cache (and multiprocessing's fork server re-ran the parent's ``__main__``
in every child). So the server, started once per executor with the ``SupervisorSettings`` as the
first line on its stdin, imports the supervisor, builds its one ``Placement`` and the engine and runs a
try's statements once against no row in a rolled-back transaction (``try_record.rehearse``):
the compiled-statement cache and the dialect's first-connect setup are then inherited by every
child. It closes its connections before it prints ``ready``: no connection ever crosses a fork;
each child drops the inherited (empty) pool and connects itself.

Per connection on its Unix socket (private 0700 directory) the executor sends one line
``{"ti_id": N}``. The server hands it to an idle supervisor (over their control socketpair, with the
connection's descriptor) or forks a new one, which becomes its own session. Per try a supervisor
writes ``pid <n>``, then a ``callback`` line (no payload) for a callback request its try's record
committed, runs ``supervise``, closes its copy of the connection and says ``ended`` on its control
socket; the server then writes ``exit 0`` and the supervisor waits for its next try. A supervisor
that dies during a try (or exits 1 because ``supervise`` raised) is reaped and the server writes
``exit <code>`` (negative: killed by that signal), so the executor learns how every try's
supervisor ended. Reuse saves the fork, the new database connection (for PostgreSQL its
authentication and a new backend's catalog cache) and the copy-on-write faults: about half of a
no-op try's host CPU. A supervisor runs no user code, and each try still gets its own job, heartbeat,
log and sandbox. Supervisors write only during a try and the server only at its end, so lines never
interleave. When its stdin closes the server stops accepting, retires its idle supervisors and
exits after its last child, so supervisors outliving the executor still run to the end; it then
removes its socket and directory itself (also when the executor was killed and could not).
"""

from __future__ import annotations

import functools
import json
import os
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import attrs
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import dagseal.runtime.process  # noqa: F401  (Placement imports it lazily; the import is the point)
from dagseal.db.session import create_engine_from_conn, session_factory
from dagseal.errors import DagsealError
from dagseal.executor.settings import SupervisorSettings
from dagseal.executor.supervisor import supervise
from dagseal.lifecycle.try_record import rehearse
from dagseal.placement import Placement
from dagseal.sandbox.fork_loop import ForkLoop, tell
from dagseal.sandbox.protocol import warm_codecs
from dagseal.sdk import DAG, EmptyOperator
from dagseal.serialization import (
    dag_envelope,
    dag_from_envelope,
    serialize_dag,
)

START_TIMEOUT_SECONDS = 60.0
#: A supervisor serves this many tries, then exits (what its heap gathered goes back).
MAX_TRIES_PER_SUPERVISOR = 200
#: A supervisor with no try for this long exits: an idle executor keeps no supervisors around.
IDLE_SUPERVISOR_SECONDS = 30.0


class ForkServerUnavailable(DagsealError):
    """The supervisor fork server did not start, or stopped answering."""


def _warm_converters() -> None:
    """cattrs generates its hooks for the pinned DAG and the protocol messages on first use."""
    with DAG("fork-server-warm-up", schedule=None) as dag:
        EmptyOperator(task_id="noop")
    envelope = json.loads(json.dumps(dag_envelope(serialize_dag(dag, fileloc="warm.py", source_digest="0"))))
    dag_from_envelope(envelope)
    warm_codecs()


@attrs.define
class _Supervisor:
    """A forked supervisor as the server sees it: its end of their control socket, its pidfd, and
    since when it has waited for a try (None: running one)."""

    control: socket.socket
    pidfd: int = -1
    idle_since: float | None = None


class _Server(ForkLoop):
    """Hands a request to an idle supervisor, or forks one (``ForkLoop``); the supervisor reports
    its own ``pid``."""

    name = "dagseal supervisor fork server"
    tick_seconds = 1.0  # idle supervisors expire
    request_errors = (OSError, ValueError, KeyError, TypeError)

    def __init__(self, socket_path: str, settings: SupervisorSettings) -> None:
        self.settings = settings
        self.placement = Placement(settings.placement)
        _warm_converters()
        self.engine: Engine = create_engine_from_conn(settings.sql_alchemy_conn)
        rehearse(session_factory(self.engine))
        self.engine.dispose()  # no connection may cross a fork
        super().__init__(socket_path)
        self.supervisors: dict[int, _Supervisor] = {}  # by pid

    def read_request(self, conn: socket.socket) -> int:
        with conn.makefile("rb") as reader:
            return int(json.loads(reader.readline())["ti_id"])

    def _idle(self) -> list[int]:
        """Pids of the supervisors waiting for a try, the longest waiting first."""
        waiting = [pid for pid, supervisor in self.supervisors.items() if supervisor.idle_since is not None]
        return sorted(waiting, key=lambda pid: self.supervisors[pid].idle_since or 0.0)

    def dispatch(self, conn: socket.socket, request: int) -> None:
        for pid in reversed(self._idle()):  # the latest idle first: its memory is the warmest
            supervisor = self.supervisors[pid]
            supervisor.idle_since = None
            try:
                socket.send_fds(supervisor.control, [f"{request}\n".encode()], [conn.fileno()])
            except OSError:  # it is exiting: its reap follows
                continue
            self.children[supervisor.pidfd] = conn
            return
        pid = self.fork(conn, request)
        self.supervisors[pid].pidfd = self.track(pid, conn)

    def fork(self, conn: socket.socket, request: int) -> int:
        ours, theirs = socket.socketpair()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            ours.close()
            self._child(conn, request, theirs)
        theirs.close()
        self.supervisors[pid] = _Supervisor(ours)
        self.selector.register(ours, selectors.EVENT_READ, lambda _key: self._try_ended(pid))
        return pid

    def _try_ended(self, pid: int) -> None:
        """The supervisor ended its try and waits for the next: the executor is told ``exit 0``, as
        by a supervisor that exited. End of file: it is exiting (its reap follows)."""
        supervisor = self.supervisors[pid]
        if not supervisor.control.recv(64):
            self._retire(pid)
            return
        conn = self.children[supervisor.pidfd]
        if conn is not None:
            tell(conn, "exit 0\n")
            conn.close()
        self.children[supervisor.pidfd] = None
        if not self.accepting:
            self._retire(pid)
            return
        supervisor.idle_since = time.monotonic()

    def _retire(self, pid: int) -> None:
        """Close the control socket: an idle supervisor exits when it reads the end."""
        supervisor = self.supervisors[pid]
        supervisor.idle_since = None
        if supervisor.control.fileno() >= 0:
            self.selector.unregister(supervisor.control)
            supervisor.control.close()

    def reaped(self, pid: int) -> None:
        self._retire(pid)
        del self.supervisors[pid]

    def stopping(self) -> None:
        for pid in self._idle():
            self._retire(pid)

    def tick(self) -> None:
        expired = time.monotonic() - IDLE_SUPERVISOR_SECONDS
        for pid in self._idle():
            if (self.supervisors[pid].idle_since or 0.0) < expired:
                self._retire(pid)

    def _child(self, conn: socket.socket, ti_id: int, control: socket.socket) -> None:
        """In the forked child: own session, then tries one after the other (the next arrives on
        ``control`` with its connection) until the server retires it. Never returns."""
        code = 1
        try:
            os.setsid()  # Ctrl-C on the terminal goes to the scheduler, which stops supervisors itself
            self.selector.close()
            if self.accepting:
                self.listener.close()
            for pidfd, other in self.children.items():
                os.close(pidfd)
                if other is not None:
                    other.close()
            for supervisor in self.supervisors.values():
                supervisor.control.close()
            self.engine.dispose(close=False)  # a fresh pool: this child opens its own connections
            factory = session_factory(self.engine)
            for served in range(1, MAX_TRIES_PER_SUPERVISOR + 1):
                self._supervise(conn, ti_id, factory)
                if served == MAX_TRIES_PER_SUPERVISOR:
                    break  # exits: the server tells the executor
                control.sendall(b"ended\n")
                message, fds, _flags, _address = socket.recv_fds(control, 64, 1)
                if not message:
                    break  # retired
                conn, ti_id = socket.socket(fileno=fds[0]), int(message)
            code = 0
        except BaseException:  # whatever happened, the child must not return into the server loop
            traceback.print_exc()
        finally:
            try:
                self.placement.close()  # a standby container goes with its supervisor
            except BaseException:
                traceback.print_exc()
            sys.stderr.flush()
            os._exit(code)

    def _supervise(self, conn: socket.socket, ti_id: int, factory: sessionmaker[Session]) -> None:
        """One try, reported on ``conn`` (then closed: the server's copy says how it ended)."""
        tell(conn, f"pid {os.getpid()}\n")  # even if the executor died: the try runs all the same
        notice = functools.partial(tell, conn, "callback\n")  # a callback request was committed
        supervise(self.settings, self.placement, factory, ti_id, notice, next_tries=True)
        conn.close()

    def announce_ready(self) -> None:
        super().announce_ready()
        os.dup2(2, 1)  # the executor reads our stdout only up to "ready"


class SupervisorHandle:
    """One forked supervisor, seen from the executor: ``sentinel`` is readable when it has news."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._buffer = b""
        self.pid: int | None = None
        self.exit_code: int | None = None  # negative: killed by that signal
        self.finished = False

    @property
    def sentinel(self) -> socket.socket:
        return self._conn

    def read(self, timeout: float | None = 0.0, until_pid: bool = False) -> int:
        """Take the lines that arrive within ``timeout`` (None: until it ended, or with ``until_pid``
        until its pid is known); returns how many callback requests it reported committed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        callbacks = 0
        while not self.finished and not (until_pid and self.pid is not None):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([self._conn], [], [], left)[0]:
                break
            chunk = self._conn.recv(65536)
            if not chunk:  # the server died before reporting: nobody can tell how the supervisor ended
                self.finished = True
                self.exit_code = -signal.SIGKILL
            *lines, self._buffer = (self._buffer + chunk).split(b"\n")
            for line in lines:
                kind, _, rest = line.decode().partition(" ")
                if kind == "pid":
                    self.pid = int(rest)
                elif kind == "callback":
                    callbacks += 1
                elif kind == "exit":
                    self.exit_code = int(rest)
                    self.finished = True
        if self.finished:
            self._conn.close()
        return callbacks


class SupervisorForkServer:
    """The executor's side: starts the server and asks it for one supervisor per try."""

    def __init__(self, settings: SupervisorSettings, python: str = sys.executable) -> None:
        self._settings = settings
        self._python = python
        self._dir = tempfile.mkdtemp(prefix="dagseal-supervisors-")  # 0700: only this user may connect
        self.socket_path = os.path.join(self._dir, "fork.sock")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server (in this process's cwd and environment, like a supervisor) and wait for it."""
        self._process = subprocess.Popen(
            [self._python, "-m", "dagseal.executor.fork_server", self.socket_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C goes to the scheduler, which stops us
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(self._settings.to_json().encode() + b"\n")
        self._process.stdin.flush()
        ready = select.select([self._process.stdout], [], [], START_TIMEOUT_SECONDS)[0]
        if not ready or self._process.stdout.readline() != b"ready\n":
            self.stop()
            raise ForkServerUnavailable("the supervisor fork server did not start; see its stderr above")

    def fork(self, ti_id: int) -> SupervisorHandle:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(self.socket_path)
            conn.sendall(json.dumps({"ti_id": ti_id}).encode() + b"\n")
        except OSError as exc:
            conn.close()
            raise ForkServerUnavailable(f"supervisor fork server at {self.socket_path}: {exc}") from exc
        return SupervisorHandle(conn)

    def stop(self) -> None:
        """Close its stdin (it stops accepting and exits after its last supervisor) and wait for it."""
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait()
            self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)


def main() -> None:
    settings = SupervisorSettings.from_json(sys.stdin.buffer.readline())
    _Server(sys.argv[1], settings).serve()


if __name__ == "__main__":
    main()
