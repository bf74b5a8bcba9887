"""Warm sandboxes, kept per ``SandboxSpec`` and shared by the processor's worker threads.

A warm sandbox (a ``WarmSandbox``: one process or container answering protocol requests) is
slow to start, so it is reused across files and loops. Sandboxes are keyed by their spec: with
processes every file of a directory has the same spec; with Docker each resolved image gets its
own key, so the pool holds one set of warm sandboxes per image without the manager knowing about
images. A sandbox that crashed or timed out is closed instead of being returned, and the next
lease starts a fresh one; :meth:`retain` stops the sandboxes of specs nothing uses any more (an
image that changed).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from dagseal.runtime.base import SandboxRuntime, SandboxSpec, WarmSandbox


class SandboxPool:
    """At most ``size`` warm sandboxes per spec; ``lease`` blocks while all of a spec's are busy."""

    def __init__(self, runtime: SandboxRuntime, size: int) -> None:
        if size < 1:
            raise ValueError("a sandbox pool needs at least one sandbox per spec")
        self._runtime = runtime
        self._size = size
        self._idle: dict[SandboxSpec, list[WarmSandbox]] = {}
        self._count: dict[SandboxSpec, int] = {}
        self._used: set[SandboxSpec] = set()  # specs leased since the last retain()
        self._cond = threading.Condition()

    @contextmanager
    def lease(self, spec: SandboxSpec) -> Iterator[WarmSandbox]:
        """Borrow a warm sandbox for ``spec``; on any exception it is closed rather than reused."""
        sandbox = self._acquire(spec)
        try:
            yield sandbox
        except BaseException:
            self._discard(spec, sandbox)
            raise
        self._release(spec, sandbox)

    def retain(self, keep: Collection[SandboxSpec]) -> int:
        """Close idle sandboxes of specs neither in ``keep`` nor leased since the last call; how many.

        Why: when a file's image changes its spec changes, and the old spec's warm sandbox would
        otherwise live as long as the processor. Busy sandboxes are left alone (nothing leases
        them while the manager calls this between loops).
        """
        with self._cond:
            closing: list[WarmSandbox] = []
            for spec in [spec for spec in self._idle if spec not in keep and spec not in self._used]:
                idle = self._idle.pop(spec)
                self._count[spec] -= len(idle)
                closing += idle
            self._used.clear()
        for sandbox in closing:
            sandbox.close()
        return len(closing)

    def close(self) -> None:
        """Close every idle sandbox (call when no lease is outstanding)."""
        with self._cond:
            idle = [sandbox for sandboxes in self._idle.values() for sandbox in sandboxes]
            self._idle.clear()
            self._count.clear()
        for sandbox in idle:
            sandbox.close()

    def _acquire(self, spec: SandboxSpec) -> WarmSandbox:
        with self._cond:
            self._used.add(spec)
            while True:
                idle = self._idle.setdefault(spec, [])
                while idle:
                    sandbox = idle.pop()
                    if sandbox.alive():
                        return sandbox
                    self._count[spec] -= 1
                    sandbox.close()
                if self._count.get(spec, 0) < self._size:
                    self._count[spec] = self._count.get(spec, 0) + 1
                    break
                self._cond.wait()
        try:
            return self._runtime.start_warm_sandbox(spec)
        except BaseException:
            self._forget(spec)
            raise

    def _release(self, spec: SandboxSpec, sandbox: WarmSandbox) -> None:
        with self._cond:
            self._idle.setdefault(spec, []).append(sandbox)
            self._cond.notify()

    def _discard(self, spec: SandboxSpec, sandbox: WarmSandbox) -> None:
        try:
            sandbox.close()
        finally:
            self._forget(spec)

    def _forget(self, spec: SandboxSpec) -> None:
        with self._cond:
            self._count[spec] -= 1
            self._cond.notify()
