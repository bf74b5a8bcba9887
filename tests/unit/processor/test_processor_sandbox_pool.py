"""SandboxPool: reuse per spec, a cap per spec, and a failed session never handed out again."""

from __future__ import annotations

import threading
from typing import Any, BinaryIO

import pytest

from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import SandboxCrashed, SandboxRuntime, SandboxSpec, WarmSandbox


class CountingSession(WarmSandbox):
    def __init__(self, spec: SandboxSpec) -> None:
        self.spec = spec
        self.closed = False

    @property
    def sandbox_dag_folder(self) -> str:
        return self.spec.dag_folder

    def request(self, message: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        return {"type": "ok"}

    def close(self) -> None:
        self.closed = True

    def alive(self) -> bool:
        return not self.closed


class CountingRuntime(SandboxRuntime):
    """Starts in-memory sessions and remembers them (the pool logic is what is under test)."""

    def __init__(self) -> None:
        self.started: list[CountingSession] = []

    def start_warm_sandbox(self, spec: SandboxSpec) -> CountingSession:
        session = CountingSession(spec)
        self.started.append(session)
        return session

    def run_task(self, spec: SandboxSpec, request: Any, log: BinaryIO, timeout: Any, on_start: Any) -> Any:
        raise NotImplementedError("the session pool never runs tasks")


A, B = SandboxSpec(dag_folder="/a"), SandboxSpec(dag_folder="/b", image="sha256:" + "0" * 64)


def test_sessions_are_reused_per_spec() -> None:
    runtime = CountingRuntime()
    pool = SandboxPool(runtime, size=2)
    with pool.lease(A) as first:
        pass
    with pool.lease(A) as again:
        assert again is first
    with pool.lease(B) as other:
        assert other is not first and other.spec == B
    pool.close()
    assert all(session.closed for session in runtime.started)


def test_a_failed_session_is_closed_and_replaced() -> None:
    runtime = CountingRuntime()
    pool = SandboxPool(runtime, size=1)
    with pytest.raises(SandboxCrashed), pool.lease(A) as broken:
        raise SandboxCrashed("gone", exit_code=9)
    assert broken.closed
    with pool.lease(A) as fresh:
        assert fresh is not broken


def test_lease_waits_for_a_free_session_when_the_spec_is_at_its_cap() -> None:
    runtime = CountingRuntime()
    pool = SandboxPool(runtime, size=1)
    got_second = threading.Event()
    with pool.lease(A):
        waiter = threading.Thread(target=lambda: pool.lease(A).__enter__() and got_second.set())
        waiter.start()
        assert not got_second.wait(0.2)
    waiter.join(5)
    assert got_second.is_set()
    assert len(runtime.started) == 1


def test_retain_closes_idle_sessions_of_specs_nothing_uses_any_more() -> None:
    runtime = CountingRuntime()
    pool = SandboxPool(runtime, size=2)
    with pool.lease(A):
        pass
    with pool.lease(B) as old_image:
        pass
    assert pool.retain({A}) == 0  # B was leased during this loop: kept for now
    assert pool.retain({A}) == 1  # a loop without B: its warm session goes
    assert old_image.closed and not runtime.started[0].closed
    with pool.lease(B) as fresh:
        assert fresh is not old_image  # the count was given back: a new one starts
    pool.close()
