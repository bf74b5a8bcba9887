"""The task's line to its supervisor: requests for connections, variables and XCom (protocol 3).

The sandbox installs a :class:`SupervisorComms` on its protocol streams while a ``run_task`` or
``run_callbacks`` request runs; SDK calls go through :func:`ask`. The host decides what the
answer is from the try's identity it already knows: nothing a request says about who is asking
is believed. Outside a task (parsing, a plain ``python`` run) there is no supervisor to ask.
"""

from __future__ import annotations

import _thread  # the documented low-level lock: threading costs a task container ~1 ms to import
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SupervisorComms", "SupervisorRequestError", "ask", "supervisor_comms"]


class SupervisorRequestError(RuntimeError):
    """The supervisor refused a request; the message is its one-line reason."""


class SupervisorComms:
    """Sends one request line and reads lines until its reply; a lock keeps user threads in turn."""

    def __init__(self, send: Callable[[dict[str, Any]], None], receive: Callable[[], dict[str, Any]]) -> None:
        self._send = send
        self._receive = receive
        self._lock = _thread.allocate_lock()
        self._next_id = 0

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            outgoing = {**message, "id": self._next_id}
            self._send(outgoing)
            reply = self._receive()
        if reply.get("id") != outgoing["id"]:
            raise SupervisorRequestError(
                f"supervisor answered id {reply.get('id')!r}, expected {outgoing['id']}"
            )
        if reply.get("type") == "request_failed":
            raise SupervisorRequestError(str(reply.get("message")))
        return reply


_comms: SupervisorComms | None = None


@contextmanager
def supervisor_comms(comms: SupervisorComms) -> Iterator[SupervisorComms]:
    """Make ``comms`` the channel SDK calls use while one request runs (the sandbox sets it)."""
    global _comms
    previous, _comms = _comms, comms
    try:
        yield comms
    finally:
        _comms = previous


def ask(message: dict[str, Any]) -> dict[str, Any]:
    """Send ``message`` to the supervisor and return its reply; outside a task this is an error."""
    if _comms is None:
        raise SupervisorRequestError(
            f"{message.get('type')} needs a running task: connections, variables and XCom come "
            "from the supervisor, which only answers during a task try or callback"
        )
    return _comms.ask(message)
