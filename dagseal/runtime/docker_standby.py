"""A task container started ahead: the next try's container, started while the current try runs.

Why: a container try's wall time is mostly the engine's start and the sandbox's imports (about
0.3 s of 0.4 s). In a chain of tasks the next try cannot start before its upstream ends, so each
task paid them in sequence. Now the supervisor that starts a try may start one more container in
the background; it connects, imports and says hello, then waits. The supervisor's next try takes
it if it is the try and spec (same image, DAG folder, volumes, network, limits, user, environment
and labels) the container was started for, and sends its request at once; any other try or spec,
a container that died or one that never came up is removed, and the try starts its own container
as before. Nothing else changes: still one fresh container per try (one started ahead serves
exactly one), with init, read-only root, no capabilities, limits and the spec's network; no user
code runs in it before its try's request, and secrets reach it only through that try's supervisor
requests.

Two kinds:
- **the successor** (``[docker_runtime] successor_task_containers``, on by default): the try the
  claim found comes next, the only downstream task of a chain link (``lifecycle/successor.py``),
  named and labelled as its own start would name it, plus its owner process (``io.dagseal.owner``:
  pid and start time). Removed when the current try does not succeed, when the supervisor's next
  try is another, or with the supervisor (idle for 30 s, or gone: the orphan sweep removes a
  container whose owner process is gone).
- **a standby** (``standby_task_containers = True``, off by default): one for whatever try of the
  same spec comes next, so it cannot name its try: ``dagseal-standby-…``, role ``standby``, this
  host and its owner; the try's log names it. It keeps one idle container per supervisor (about
  25 MB), and tooling that finds a try's container by its labels does not find it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from dagseal.errors import DagsealError
from dagseal.runtime.base import SandboxError, SandboxSpec, TryIdentity

if TYPE_CHECKING:
    from dagseal.runtime.docker import ContainerChannel

__all__ = ["OWNER_LABEL", "Standby", "owner", "owner_alive", "standby_key"]

OWNER_LABEL = "io.dagseal.owner"
_EARLY_OUTPUT_LIMIT = 64 * 1024
log = logging.getLogger(__name__)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner(pid: int | None = None) -> str:
    """A process (this one by default) as a standby's owner: ``<pid>-<start time>``, so a reused
    pid is another owner."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{_start_time(pid)}"


def owner_alive(value: str) -> bool:
    """Whether the process an ``io.dagseal.owner`` label names still runs (on this host)."""
    pid, _, started = value.partition("-")
    return pid.isdigit() and _start_time(int(pid)) == started


def standby_key(spec: SandboxSpec) -> SandboxSpec:
    """What a standby must share with a try to serve it: the spec without its timeouts."""
    default_parse_timeout = attrs.fields(SandboxSpec).parse_timeout.default
    return attrs.evolve(spec, parse_timeout=default_parse_timeout, task_timeout=None)


class _Output:
    """The container's output: kept (bounded) until a try takes the container, then its log's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._early = bytearray()
        self._sink: Callable[[bytes], Any] | None = None

    def __call__(self, chunk: bytes) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink(chunk)
            elif len(self._early) < _EARLY_OUTPUT_LIMIT:
                self._early += chunk[: _EARLY_OUTPUT_LIMIT - len(self._early)]

    def hand_to(self, sink: Callable[[bytes], Any]) -> None:
        with self._lock:
            if self._early:
                sink(bytes(self._early))
            self._sink = sink


class Standby:
    """One container being started (in a thread) for the next try of `key`'s spec: `identity`'s
    try, or any (None).

    `start(output)` creates and starts the container and returns its channel (a ContainerChannel);
    the hello is read here too, so a taken standby is ready for its request.
    """

    def __init__(
        self,
        key: SandboxSpec,
        identity: TryIdentity | None,
        start: Callable[[Callable[[bytes], Any]], ContainerChannel],
    ) -> None:
        self.key = key
        self.identity = identity
        self.output = _Output()
        self._channel: ContainerChannel | None = None
        self._thread = threading.Thread(target=self._start, args=(start,), name="dagseal-standby")
        self._thread.daemon = True
        self._thread.start()

    def _start(self, start: Callable[[Callable[[bytes], Any]], ContainerChannel]) -> None:
        try:
            channel = start(self.output)
        except DagsealError as exc:
            log.warning("no standby task container: %s", exc)
            return
        try:
            channel.check_hello(self.key.parse_timeout)
        except SandboxError as exc:
            log.warning("standby task container %s did not come up: %s", channel.handle.name, exc)
            _close(channel)
            return
        self._channel = channel

    def take(self, sink: Callable[[bytes], Any]) -> ContainerChannel | None:
        """The started channel, its output now going to `sink`; None (and removed) if it did not
        come up or has ended since. Waits for a start still under way (it is further along than a
        new container would be)."""
        self._thread.join()
        channel = self._channel
        if channel is None:
            return None
        if channel.exited():
            _close(channel)
            return None
        self.output.hand_to(sink)
        return channel

    def discard(self) -> None:
        """Remove the container once its start is over (blocks until then)."""
        self._thread.join()
        if self._channel is not None:
            _close(self._channel)


def _close(channel: ContainerChannel) -> None:
    try:
        channel.close()
    except DagsealError as exc:  # the engine went away; the orphan sweep removes it later
        log.warning("could not remove standby container %s: %s", channel.handle.name, exc)
