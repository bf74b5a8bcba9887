"""The sandbox request loop: hello first, then one reply per request line, until shutdown or EOF."""

import gc
import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any, BinaryIO

from dagseal.sandbox.output import claim_protocol_streams, connect_protocol_streams
from dagseal.sandbox.protocol import (
    PROTOCOL_VERSION,
    ErrorReply,
    Hello,
    ParseRequest,
    RunCallbacksRequest,
    RunTaskRequest,
    ShutdownRequest,
    decode_request,
    encode,
)
from dagseal.sdk.supervisor_comms import SupervisorComms, SupervisorRequestError, supervisor_comms
from dagseal.serialization.canonical import loads
from dagseal.serialization.errors import SerializationError

# Imported on the first request of their kind: a task container serves one run_task request and
# would otherwise import the parser (DAG serialization and its schema) on its critical path.
HANDLERS: dict[type, tuple[str, str]] = {
    ParseRequest: ("dagseal.sandbox.parse", "parse_file"),
    RunTaskRequest: ("dagseal.sandbox.run_task", "run_task"),
    RunCallbacksRequest: ("dagseal.sandbox.run_callbacks", "run_callbacks"),
}


def handler(request_type: type) -> Callable[[Any], Any]:
    module, name = HANDLERS[request_type]
    return getattr(import_module(module), name)


def preload() -> None:
    """Import every handler and every SDK name now, for a process that forks sandboxes (the
    zygote): what its children import themselves costs each try."""
    import dagseal.sdk

    for request_type in HANDLERS:
        handler(request_type)
    for name in dagseal.sdk.__all__:
        getattr(dagseal.sdk, name)


class Server:
    """Reads requests from ``requests`` and writes replies to ``replies`` (the private protocol fds)."""

    def __init__(self, requests: BinaryIO, replies: BinaryIO) -> None:
        self.requests = requests
        self.replies = replies

    def send(self, message: Any) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.replies.write(encode(message))
        self.replies.flush()

    def serve(self) -> int:
        from dagseal import __version__

        self.send(
            Hello(
                protocol_version=PROTOCOL_VERSION,
                dagseal_version=__version__,
                python=".".join(map(str, sys.version_info[:3])),  # not platform: 2 ms of imports
            )
        )
        for line in self.requests:
            if not line.strip():
                continue
            try:
                request = decode_request(line)
            except SerializationError as exc:
                self.send(ErrorReply(id=_request_id(line), message=str(exc)))
                continue
            if isinstance(request, ShutdownRequest):
                return 0
            self.send(self._handle(request))
        return 0

    def _next_answer(self) -> dict[str, Any]:
        """The host's answer to a supervisor request: the next line on the request stream."""
        line = self.requests.readline()
        if not line:
            raise SupervisorRequestError("the host closed the protocol channel")
        answer = loads(line)
        if not isinstance(answer, dict):
            raise SupervisorRequestError("the host answered with a non-object line")
        return answer

    def _handle(self, request: Any) -> Any:
        try:
            if isinstance(request, ParseRequest):  # parsing has no try to speak for: no supervisor
                return handler(ParseRequest)(request)
            with supervisor_comms(SupervisorComms(self.send, self._next_answer)):
                return handler(type(request))(request)
        except Exception as exc:  # a sandbox bug must not kill a warm session; the host sees an error reply
            import traceback  # errors only: a task container that succeeds never formats one

            traceback.print_exc()
            return ErrorReply(
                id=request.id, message=f"sandbox failed on {request.type}: {type(exc).__name__}: {exc}"
            )


def serve_stdio() -> int:
    """Serve on this process's stdin/stdout, taken away from user code (a fresh or a forked sandbox)."""
    return _serve(*claim_protocol_streams())


def serve_socket(path: str) -> int:
    """Serve over a connection to the host's Unix socket at ``path`` (containers: the engine's attach
    stream adds a hop through the engine to every message)."""
    return _serve(*connect_protocol_streams(path))


def _serve(requests: BinaryIO, replies: BinaryIO) -> int:
    sys.dont_write_bytecode = True  # DAG folders may be read-only and must stay unchanged
    # The SDK's import-time objects live as long as the sandbox: keep them out of every collection
    # (a warm parse sandbox's full collections walked them again for each file).
    gc.freeze()
    return Server(requests, replies).serve()


def _request_id(line: bytes) -> int | None:
    try:
        data = loads(line)
    except SerializationError:
        return None
    request_id = data.get("id") if isinstance(data, dict) else None
    return request_id if isinstance(request_id, int) else None
