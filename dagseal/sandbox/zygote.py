"""``python3 -m dagseal.sandbox --zygote SOCKET``: fork a fresh sandbox per task try from a warm interpreter.

Starting ``python3 -m dagseal.sandbox`` costs ~100 ms of CPU, nearly all of it importing the SDK,
attrs and cattrs; a task try on a 2-core host cannot afford that. The zygote is started once (by
the LocalExecutor, with the same scrubbed environment a sandbox gets), imports those modules, and
never runs user code itself. For each connection on its Unix socket it forks a child that
becomes its own session and process group, takes the three descriptors the host sent as its
stdin/stdout/stderr, closes every other descriptor, takes the requested directory and
environment, and serves the sandbox protocol exactly like a fresh ``python3 -m dagseal.sandbox``.

Wire format on a connection: the host sends one JSON line ``{"cwd": "<dir>", "env": {...}}`` (the
already scrubbed environment; variables read at interpreter start, ``PYTHON*``, cannot change and
must equal the zygote's) with the three descriptors attached (SCM_RIGHTS); the zygote answers
``pid <n>`` once the child's process group exists, then ``exit <code>`` when it reaped the child
(negative: killed by that signal).
What children share with each other, unlike separate interpreters: the hash seed (``str`` hash
randomization); ``random`` is reseeded at fork. When its stdin closes (the executor is done or
gone) the zygote stops accepting and exits once its last child was reaped, so supervisors that
outlive the executor still learn how their sandbox ended; it then removes its socket and the
private directory holding it (also when the executor was killed and could not).
"""

import json
import os
import socket
import sys
import traceback

from dagseal.sandbox.fork_loop import ForkLoop, tell
from dagseal.sandbox.server import preload, serve_stdio

_MAX_FD = os.sysconf("SC_OPEN_MAX")
_CRASHED = 70  # EX_SOFTWARE: the child failed before serving (it printed why on its stderr)


def _child(fds: list[int], cwd: str, env: dict[str, str], group_ready: int) -> None:
    """In the forked child: own process group, the try's pipes as 0/1/2, nothing else open. Never returns."""
    code = _CRASHED
    try:
        os.setsid()
        os.close(group_ready)  # the zygote reports our pid only now, so killpg can always reach us
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(3, _MAX_FD)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.argv = sys.argv[:1]
        code = serve_stdio()
    except BaseException:  # whatever happened, the child must not return into the zygote loop
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


class Zygote(ForkLoop):
    """Forks one sandbox per connection (``ForkLoop``); answers ``pid`` once its group exists."""

    name = "dagseal zygote"

    def read_request(self, conn: socket.socket) -> tuple[list[int], str, dict[str, str]]:
        message, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
        if len(fds) != 3 or not message.endswith(b"\n"):
            raise ValueError("expected one JSON line and three descriptors")
        request = json.loads(message)
        return fds, request["cwd"], request["env"]

    def fork(self, conn: socket.socket, request: tuple[list[int], str, dict[str, str]]) -> int:
        fds, cwd, env = request
        group_ready, group_ready_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(group_ready)
            _child(fds, cwd, env, group_ready_w)
        os.close(group_ready_w)
        for fd in fds:
            os.close(fd)
        os.read(group_ready, 1)  # EOF once the child called setsid (or died)
        os.close(group_ready)
        tell(conn, f"pid {pid}\n")
        return pid


def serve_zygote(socket_path: str) -> int:
    preload()
    Zygote(socket_path).serve()
    return 0
