"""Run callback requests in the sandbox, on the exact DAG source their run was pinned to.

The processor's callbacks are this directory's ``callback_request`` rows (AIP-43), claimed by
:class:`DatabaseCallbackSource`, whether the processor runs apart or embedded in the scheduler: the
rows are written in the same transaction as the state change that caused them.

Each callback is its own ``run_callbacks`` request, so a crash or timeout is charged to exactly
one callback and no other callback runs twice. A callback is *done* (its row deleted) once it ran,
whatever its outcome (the user function raising is an outcome, logged). It is released for a
later loop, not done, when no sandbox could be started for it. It is dropped, with an error
logged, when it can never run: undecodable data or no stored code for its DAG.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.claims import claim_callbacks, complete_callback, release_callback
from dagseal.db.models import DagCodeModel, DagModel, DagRunModel, SerializedDagModel
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement.parse_sandboxes import SandboxChoice
from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import SandboxError
from dagseal.runtime.channel import Answerer
from dagseal.sandbox.protocol import CallbacksResult
from dagseal.serialization import CallbackRequest, SerializationError
from dagseal.serialization.converter import structure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingCallback:
    """A callback this processor owns until it reports it done or released."""

    callback_id: int
    request: CallbackRequest | None
    decode_error: str | None = None


class DatabaseCallbackSource:
    """Claims this directory's ``callback_request`` rows for one job (see ``dagseal.callbacks.claims``)."""

    def __init__(
        self, session_factory: sessionmaker[Session], processor_subdir: str, job_id: int, claim_timeout: float
    ) -> None:
        self._session_factory = session_factory
        self._subdir = processor_subdir
        self._job_id = job_id
        self._claim_timeout = claim_timeout

    def fetch(self, limit: int) -> list[PendingCallback]:
        claimed = claim_callbacks(
            self._session_factory, self._subdir, self._job_id, limit, self._claim_timeout
        )
        pending = []
        for row in claimed:
            try:
                pending.append(PendingCallback(row.callback_id, row.request()))
            except SerializationError as exc:
                pending.append(PendingCallback(row.callback_id, None, str(exc)))
        return pending

    def done(self, callback: PendingCallback) -> None:
        complete_callback(self._session_factory, callback.callback_id)

    def release(self, callback: PendingCallback) -> None:
        release_callback(self._session_factory, callback.callback_id, self._job_id)


@dataclass(frozen=True)
class PinnedCode:
    """The DAG file text a callback must run on, and the image (and deployment) its run was pinned to."""

    relative_fileloc: str
    source: str
    image_digest: str | None
    deployment_id: int | None = None


def pinned_code(session: Session, dag_id: str, run_id: str | None) -> PinnedCode | None:
    """The source of the run's ``dag_hash``; the DAG's latest version when the run has none."""
    run = None
    if run_id is not None:
        run = session.execute(
            select(DagRunModel).where(DagRunModel.dag_id == dag_id, DagRunModel.run_id == run_id)
        ).scalar_one_or_none()
    dag_hash = run.dag_hash if run is not None else None
    if dag_hash is None:
        dag = session.get(DagModel, dag_id)
        dag_hash = dag.latest_dag_hash if dag is not None else None
    version = session.get(SerializedDagModel, dag_hash) if dag_hash else None
    code = session.get(DagCodeModel, version.source_digest) if version is not None else None
    if version is None or code is None:
        return None
    relative_fileloc = json.loads(version.data)["dag"]["fileloc"]
    if run is None:
        return PinnedCode(relative_fileloc, code.source, None)
    return PinnedCode(relative_fileloc, code.source, run.image_digest, run.deployment_id)


@dataclass(frozen=True)
class CallbackResult:
    """How one callback attempt ended: ``ran`` decides between done and released."""

    callback: PendingCallback
    ran: bool
    error: str | None = None


class CallbackRunner:
    """Runs one callback at a time per call; thread-safe (each call leases its own warm sandbox)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        pool: SandboxPool,
        sandboxes: SandboxChoice,
        answers: Callable[[CallbackRequest], Answerer] | None = None,
    ) -> None:
        """``answers``: the answerer of a callback's supervisor requests (connections, variables, XCom)."""
        self._session_factory = session_factory
        self._pool = pool
        self._sandboxes = sandboxes
        self._answers = answers

    def prepare(self, callback: PendingCallback) -> PinnedCode | str:
        """The pinned code to run ``callback`` on, or why it can never run."""
        request = callback.request
        if request is None:
            return f"callback {callback.callback_id} has undecodable data: {callback.decode_error}"
        with session_scope(self._session_factory) as session:
            code = pinned_code(session, request.dag_id, request.run_id)
        if code is None:
            return f"callback {callback.callback_id}: no stored code for DAG {request.dag_id!r}"
        return code

    def run(self, callback: PendingCallback, code: PinnedCode) -> CallbackResult:
        """Run ``callback`` in a sandbox for its pinned image; ``ran=False`` when none could start."""
        assert callback.request is not None, "prepare() refuses undecodable callbacks"
        try:
            spec = self._sandboxes.for_callback(code.relative_fileloc, code.image_digest, code.deployment_id)
        except DagsealError as exc:  # bad runtime.yaml, refused image, failed pull: maybe fixed later
            return CallbackResult(callback, ran=False, error=f"no sandbox to run it in: {exc}")
        message = {
            "type": "run_callbacks",
            "file": code.relative_fileloc,
            "source": code.source,
            "callbacks": [callback.request.to_sandbox_callback(callback.callback_id)],
        }
        started = False
        try:
            with self._pool.lease(spec) as sandbox:
                started = True
                answer = None if self._answers is None else self._answers(callback.request)
                reply = sandbox.request(message, timeout=spec.parse_timeout, answer=answer)
        except SandboxError as exc:
            return CallbackResult(callback, ran=started, error=f"sandbox failed running the callback: {exc}")
        try:
            outcomes = structure(reply, CallbacksResult).outcomes
        except SerializationError as exc:
            return CallbackResult(callback, ran=True, error=f"invalid callbacks_result: {exc}")
        mine = [outcome for outcome in outcomes if outcome.callback_id == callback.callback_id]
        if not mine:
            return CallbackResult(callback, ran=True, error="the sandbox reported no outcome for it")
        return CallbackResult(callback, ran=True, error=None if mine[0].ok else mine[0].error)
