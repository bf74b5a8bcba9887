"""The host's end of the JSON-lines sandbox protocol, shared by every backend.

Why one module: a subprocess and a container differ in how bytes reach the sandbox (a pipe
pair, an attach socket) and in how it dies (a process group, a container), not in the protocol.
A backend implements :class:`ProtocolChannel`'s byte-level methods; framing, reply validation,
the hello check, request ids and the warm sandbox's life cycle (:class:`ProtocolSandbox`) live here
once, so both runtimes raise the same errors for the same sandbox behaviour.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from itertools import count
from typing import Any, BinaryIO

from dagseal.runtime.base import (
    SandboxCrashed,
    SandboxError,
    SandboxProtocolError,
    SandboxRequestError,
    SandboxTimeout,
    WarmSandbox,
)
from dagseal.sandbox.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, encode
from dagseal.sandbox.supervisor_protocol import SUPERVISOR_REQUEST_TYPES

__all__ = [
    "Answerer",
    "ChannelClosed",
    "OutputTail",
    "ProtocolChannel",
    "ProtocolSandbox",
    "RunningTry",
    "last_line",
    "task_outcome_fields",
]

STDERR_TAIL_BYTES = 8192

FOLDER_REQUESTS = frozenset({"parse", "run_task", "run_callbacks"})

# Answers one supervisor request (a decoded JSON object) with one reply object; raises
# SandboxProtocolError for a request that must fail the try (malformed, a flood).
Answerer = Callable[[dict[str, Any]], dict[str, Any]]


class ChannelClosed(Exception):
    """The sandbox's protocol stream ended: it exited or crashed (a transport fact, not yet an error)."""


def last_line(text: str) -> str:
    """The last non-empty line of a sandbox's stderr: what a one-line error message quotes."""
    return (text.strip().splitlines() or ["no output"])[-1]


class OutputTail:
    """The last few KiB a sandbox wrote, kept (thread-safely) by its output reader for error messages."""

    def __init__(self) -> None:
        self._tail = bytearray()
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self._tail += chunk
            del self._tail[:-STDERR_TAIL_BYTES]

    def reset(self) -> None:
        """Start a new tail (per request), so an error quotes only that request's output."""
        with self._lock:
            self._tail.clear()

    def text(self) -> str:
        with self._lock:
            return self._tail.decode("utf-8", "replace")


class RunningTry:
    """A task try in ``run_task``: when it started, what is left of its ``timeout`` (None: no limit)
    for each step, and its log, written chunk by chunk and flushed so readers follow it live."""

    def __init__(self, timeout: float | None, log: BinaryIO) -> None:
        self.started = time.monotonic()
        self._deadline = None if timeout is None else self.started + timeout
        self._log = log

    def remaining(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def write_log(self, chunk: bytes) -> None:
        self._log.write(chunk)
        self._log.flush()


class ProtocolChannel(ABC):
    """One sandbox's protocol stream: subclasses move bytes and kill, this class speaks the protocol."""

    #: the version the sandbox's hello named (set by :meth:`check_hello`)
    protocol_version: int = PROTOCOL_VERSION
    hello_seen = False  # check_hello passed (a standby container said hello before its try)

    @property
    @abstractmethod
    def name(self) -> str:
        """How messages name the sandbox (``sandbox pid 42``, ``sandbox container dagseal-parse-…``)."""

    @abstractmethod
    def write_line(self, data: bytes) -> None:
        """Write one encoded line to the sandbox's stdin; raise ChannelClosed when it is gone."""

    @abstractmethod
    def read_line(self, timeout: float | None) -> bytes:
        """The next stdout line; TimeoutError after ``timeout`` seconds, ChannelClosed at EOF."""

    @abstractmethod
    def crashed(self) -> SandboxCrashed:
        """After EOF: wait for the sandbox to exit and describe how (exit code, cause)."""

    @abstractmethod
    def kill(self) -> None:
        """Kill the sandbox and everything it started."""

    @abstractmethod
    def exited(self) -> bool:
        """True once the sandbox is known to have ended; cheap (called on every lease)."""

    @abstractmethod
    def stderr_tail(self) -> str:
        """The last few KiB the sandbox wrote to stderr since :meth:`reset_tail`."""

    @abstractmethod
    def reset_tail(self) -> None:
        """Start a new stderr tail, so an error message quotes only the current request's output."""

    def send(self, message: Any) -> None:
        try:
            self.write_line(encode(message, self.protocol_version))
        except ChannelClosed:
            raise self.crashed() from None

    def receive(self, timeout: float | None) -> dict[str, Any]:
        """The next protocol message; a timeout kills the sandbox, a non-protocol line too."""
        try:
            line = self.read_line(timeout)
        except TimeoutError:
            self.kill()
            raise SandboxTimeout(
                f"{self.name} gave no reply within {timeout:g}s and was killed",
                timeout or 0.0,
                self.stderr_tail(),
            ) from None
        except ChannelClosed:
            raise self.crashed() from None
        try:
            reply = json.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("type"), str):
            self.kill()
            raise SandboxProtocolError(f"{self.name} wrote a non-protocol line: {line[:200]!r}")
        return reply

    def check_hello(self, timeout: float | None) -> int:
        """The first line must be a hello of a protocol version this host runs; returns that version."""
        hello = self.receive(timeout)
        version = hello.get("protocol_version")
        if hello.get("type") != "hello" or version not in range(MIN_PROTOCOL_VERSION, PROTOCOL_VERSION + 1):
            self.kill()
            raise SandboxProtocolError(
                f"{self.name} speaks {hello.get('type')!r} protocol {version!r}, "
                f"host runs protocols {MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
            )
        self.protocol_version = version
        self.hello_seen = True
        return version

    def receive_answering(
        self, remaining: Callable[[], float | None], answer: Answerer | None
    ) -> dict[str, Any]:
        """The reply to the request in flight; supervisor requests sent before it go to ``answer``.

        Without ``answer`` (a parse, ``tasks test``) a supervisor request is a protocol error. Either way a
        protocol error kills the sandbox: the request fails, the host carries on.
        """
        while True:
            message = self.receive(remaining())
            if message["type"] not in SUPERVISOR_REQUEST_TYPES:
                return message
            if answer is None:
                self.kill()
                raise SandboxProtocolError(
                    f"{self.name} sent a {message['type']!r} request, which nothing answers here "
                    "(a parse, or `tasks test`: only supervised tries and callbacks get answers)"
                )
            try:
                reply = answer(message)
            except SandboxProtocolError:
                self.kill()
                raise
            self.send(reply)


class ProtocolSandbox(WarmSandbox):
    """A warm sandbox behind a channel: request ids, the ``dag_folder`` default, reply checks.

    Any transport or protocol failure marks the warm sandbox dead (the pool then starts a new one);
    an ``error`` reply does not: the request was malformed, the sandbox is fine.
    """

    def __init__(self, channel: ProtocolChannel, hello_timeout: float | None) -> None:
        self._channel = channel
        self._ids = count(1)
        self._closed = False
        self._dead = False
        try:
            channel.check_hello(hello_timeout)
        except BaseException:
            self.close()
            raise

    @abstractmethod
    def _stop(self) -> None:
        """Stop the sandbox for good (called once, by :meth:`close`)."""

    def next_id(self) -> int:
        return next(self._ids)

    def request(
        self, message: dict[str, Any], timeout: float | None, answer: Answerer | None = None
    ) -> dict[str, Any]:
        if not self.alive():
            raise SandboxCrashed(f"{self._channel.name} is not running", None)
        outgoing = dict(message)
        outgoing.setdefault("id", self.next_id())
        if outgoing.get("type") in FOLDER_REQUESTS:
            outgoing.setdefault("dag_folder", self.sandbox_dag_folder)
        self._channel.reset_tail()
        try:
            self._channel.send(outgoing)
            reply = self._channel.receive_answering(_countdown(timeout, answer is not None), answer)
        except SandboxError:
            self._dead = True
            raise
        if reply.get("id") != outgoing["id"]:
            self._dead = True
            self._channel.kill()
            raise SandboxProtocolError(
                f"{self._channel.name} replied to id {reply.get('id')!r}, expected {outgoing['id']}"
            )
        if reply["type"] == "error":
            raise SandboxRequestError(
                f"sandbox refused request: {reply.get('message')}", self._channel.stderr_tail()
            )
        return reply

    def stderr_tail(self) -> str:
        """The last ~8 KiB the sandbox wrote to stderr during the latest request."""
        return self._channel.stderr_tail()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop()

    def alive(self) -> bool:
        return not self._closed and not self._dead and not self._channel.exited()


def _countdown(timeout: float | None, answering: bool) -> Callable[[], float | None]:
    """What is left of ``timeout`` at each wait; the whole of it when only one wait can happen."""
    if timeout is None or not answering:
        return lambda: timeout
    deadline = time.monotonic() + timeout
    return lambda: max(0.0, deadline - time.monotonic())


def task_outcome_fields(reply: dict[str, Any]) -> dict[str, Any]:
    """The TaskOutcome fields a ``run_task`` reply gives; anything but ``task_result`` is a failure."""
    if reply.get("type") != "task_result":
        return {"state": "failed", "error": f"sandbox answered {reply.get('type')!r}: {reply.get('message')}"}
    return {
        "state": reply["state"],
        "return_value": reply.get("return_value"),
        "error": reply.get("error"),
        "rendered_fields": reply.get("rendered_fields") or {},
        "skip_task_ids": reply.get("skip_task_ids") or [],
        "reschedule_date": reply.get("reschedule_date"),
        "retry": reply.get("retry", True),
    }
