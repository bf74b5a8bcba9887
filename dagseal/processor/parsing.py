"""Parse one DAG file in a warm sandbox and check its reply before anything reaches the DB.

The reply comes from untrusted code, so it is validated here: the protocol message, every DAG
envelope (strict converter, schema version, ``fileloc``) and the hash, which the host recomputes
from the canonical JSON it will store. Every failure becomes a one-line import error for the
file; nothing raises out of :func:`parse_file` except a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import (
    SandboxCrashed,
    SandboxError,
    SandboxRequestError,
    SandboxSpec,
    SandboxTimeout,
)
from dagseal.sandbox.protocol import ParseResult
from dagseal.serialization import (
    SerializationError,
    canonical_json,
    dag_envelope,
    dag_from_envelope,
)
from dagseal.serialization.canonical import sha256_hex
from dagseal.serialization.converter import structure


@dataclass(frozen=True)
class ParsedDag:
    """One validated DAG: ``data`` is the canonical envelope JSON whose sha256 is ``dag_hash``."""

    dag_id: str
    dag_hash: str
    data: str
    dag: dict[str, Any]  # the envelope's "dag" object, for the policy view and the dag row


@dataclass(frozen=True)
class FileOutcome:
    """What one parse of one file produced.

    ``errors`` holds one text per import error (last line: the one-line message, after any
    traceback or sandbox output, as ``import-errors list`` shows the last line). ``retry`` is
    True when the file could not be parsed for a reason outside it (no sandbox could be started).
    """

    relative_fileloc: str
    dags: tuple[ParsedDag, ...] = ()
    errors: tuple[str, ...] = ()
    source_digest: str | None = None
    source: str | None = None
    retry: bool = False

    @classmethod
    def failed(cls, rel: str, message: str, detail: str = "", *, retry: bool = False) -> FileOutcome:
        return cls(rel, errors=(_error_text(message, detail),), retry=retry)


def _error_text(message: str, detail: str) -> str:
    detail = detail.strip()
    if not detail or detail == message.strip():
        return message
    return f"{detail}\n\n{message}"


def parse_file(pool: SandboxPool, spec: SandboxSpec, rel: str) -> FileOutcome:
    """Ask a warm sandbox for spec to parse ``rel`` within ``spec.parse_timeout`` (``[scheduler]
    parse_timeout``, or the file's runtime.yaml); crashes and timeouts restart that sandbox."""
    timeout = spec.parse_timeout
    started = False
    try:
        with pool.lease(spec) as sandbox:
            started = True
            try:
                reply = sandbox.request({"type": "parse", "file": rel}, timeout=timeout)
            except SandboxRequestError as exc:
                return FileOutcome.failed(rel, f"{rel}: the sandbox refused the parse request: {exc}")
    except SandboxError as exc:
        return _sandbox_failure(rel, exc, started, timeout)
    return outcome_from_reply(rel, reply)


def _sandbox_failure(rel: str, exc: SandboxError, started: bool, timeout: float) -> FileOutcome:
    """The import error for a sandbox that failed to start (retried later) or died on this file."""
    if not started:
        return FileOutcome.failed(rel, f"{rel}: sandbox did not start: {exc}", exc.stderr_tail, retry=True)
    if isinstance(exc, SandboxTimeout):
        message = (
            f"{rel}: parsing took longer than parse_timeout ({timeout:g}s); "
            "the sandbox was killed and restarted"
        )
    elif isinstance(exc, SandboxCrashed):
        code = "" if exc.exit_code is None else f" with exit code {exc.exit_code}"
        message = f"{rel}: the sandbox died{code} while importing the file (os._exit or a crash)"
    else:
        message = f"{rel}: the sandbox broke the protocol while parsing: {exc}"
    return FileOutcome.failed(rel, message, exc.stderr_tail)


def outcome_from_reply(rel: str, reply: dict[str, Any]) -> FileOutcome:
    """Validate a ``parse_result`` reply for ``rel``; anything malformed is an import error."""
    try:
        result = structure(reply, ParseResult)
    except SerializationError as exc:
        return FileOutcome.failed(rel, f"{rel}: the sandbox sent an invalid parse result: {exc}")
    if result.file != rel:
        return FileOutcome.failed(rel, f"{rel}: the sandbox answered for another file ({result.file!r})")
    errors = [_error_text(error.message, error.stacktrace) for error in result.import_errors]
    dags: list[ParsedDag] = []
    if result.dags and (result.source is None or result.source_digest is None):
        errors.append(f"{rel}: the sandbox sent DAGs without their source; none stored")
    else:
        for envelope in result.dags:
            try:
                dags.append(_parsed_dag(rel, envelope, result.source_digest))
            except SerializationError as exc:
                errors.append(f"{rel}: the sandbox sent an invalid DAG: {exc}")
    return FileOutcome(
        rel,
        dags=tuple(dags),
        errors=tuple(errors),
        source_digest=result.source_digest,
        source=result.source,
    )


def _parsed_dag(rel: str, envelope: Any, source_digest: str | None) -> ParsedDag:
    serialized = dag_from_envelope(envelope)
    if serialized.fileloc != rel:
        raise SerializationError(f"DAG {serialized.dag_id!r} claims fileloc {serialized.fileloc!r}")
    if serialized.source_digest != source_digest:
        raise SerializationError(f"DAG {serialized.dag_id!r} was not serialized from the parsed source")
    canonical = dag_envelope(serialized)
    data = canonical_json(canonical)  # hashed once: dag_hash() would build both again
    return ParsedDag(dag_id=serialized.dag_id, dag_hash=sha256_hex(data), data=data, dag=canonical["dag"])
