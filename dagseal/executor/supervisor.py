"""The task supervisor (``dagseal tasks run DAG TASK RUN --local``): one try, host side.

It registers a ``LocalTaskJob`` and heartbeats it, claims the queued try, writes the try's log to
``<base_log_folder>/<dag>/<run>/<task>/<try>.log``, asks the task runtime to run the sandbox
``run_task`` request (the ``--raw`` part: scrubbed environment, no DB access), and records state,
duration, exit code, host, return value and the image the try ran in. The process's one
``Placement`` says which sandbox runs the try. With the Docker runtime the try runs in the image
pinned on its DagRun: a deployed run's image is pulled by digest (its reference comes with the
claim) on first use, and nothing re-resolves it from disk; an image that cannot be had fails the
try with one line naming the cause. The runtime
enforces ``execution_timeout`` by killing the try's process group or container. If the row is
taken away (cleared, run timed out, declared a zombie), the heartbeat notices and kills the try.
SIGTERM kills the try and records it as failed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from types import FrameType

import attrs
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.jobs import add_job, close_job, end_job, heartbeat
from dagseal.db.models import JobState, JobType
from dagseal.db.outage import retry_until_back, survived
from dagseal.db.session import session_scope
from dagseal.deploy.errors import DeployError
from dagseal.errors import DagsealError
from dagseal.executor.capped_log import CappedLog
from dagseal.executor.settings import SupervisorSettings
from dagseal.lifecycle.commit_points import committed
from dagseal.lifecycle.states import TaskState
from dagseal.lifecycle.try_claim import ClaimedTry, claim_try, still_owned
from dagseal.lifecycle.try_record import record_outcome
from dagseal.placement import Placement
from dagseal.runtime.base import SandboxRuntime, SandboxSpec, TaskHandle, TaskOutcome, TryIdentity
from dagseal.secrets.try_access import TryAccess
from dagseal.timeutil import utcnow

log = logging.getLogger(__name__)


class Terminated(BaseException):
    """SIGTERM reached the supervisor: stop the try and record it (BaseException: user-agnostic)."""


def _kill(runtime: SandboxRuntime, handle: TaskHandle | None) -> None:
    """Kill the try's process group or container; an engine that is down is logged, not raised
    (the try's own wait then ends with the engine's error)."""
    if handle is None:
        return
    try:
        runtime.kill(handle)
    except DagsealError as exc:
        log.warning("could not kill the try: %s", exc)


class _Heartbeat(threading.Thread):
    """Beats the job row; kills the try once the task instance is no longer ours."""

    def __init__(
        self, factory: sessionmaker[Session], claimed: ClaimedTry, interval: float, runtime: SandboxRuntime
    ) -> None:
        super().__init__(name="dagseal-supervisor-heartbeat", daemon=True)
        self._factory = factory
        self._runtime = runtime
        self._claimed = claimed
        self._interval = interval
        self._halt = threading.Event()
        self.handle: TaskHandle | None = None
        self.taken_away = False

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            if not survived(lambda: heartbeat(self._factory, self._claimed.job_id), "supervisor heartbeat"):
                continue  # the database is away: beat again next time (zombie_threshold is the limit)
            if not still_owned(self._factory, self._claimed):
                self.taken_away = True
                _kill(self._runtime, self.handle)
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _sandbox(placement: Placement, claimed: ClaimedTry) -> tuple[SandboxSpec, str | None]:
    """The try's sandbox (its image pulled on first use), and the image digest to record for it
    (None: no container)."""
    file, timeout = claimed.request.file, claimed.execution_timeout
    if not placement.tasks_in_containers:
        return placement.task_sandbox(claimed.dag_folder, file, None, timeout), None
    if claimed.image_error is not None:  # a deployed run whose deployment lost its image
        raise DeployError(claimed.image_error)
    from dagseal.executor.orphan_containers import host_label  # the Docker SDK: container tries only

    pinned = placement.pinned_task_image(claimed.image_digest, claimed.deployment_id, claimed.image_ref)
    spec = placement.task_sandbox(claimed.dag_folder, file, pinned, timeout)
    # a worker that restarts finds (and removes) what its dead supervisors left
    spec = attrs.evolve(spec, labels=(*spec.labels, host_label()))
    return spec, claimed.image_digest or spec.image


def _run_try(
    settings: SupervisorSettings,
    placement: Placement,
    factory: sessionmaker[Session],
    claimed: ClaimedTry,
    successor: TryIdentity | None,
) -> tuple[TaskOutcome, datetime, str | None]:
    """Run the try; returns its outcome, when its sandbox was gone (start + measured duration) and
    the image digest it ran in. A container's removal may still be under way: the process's
    ``placement.close()`` waits for it. ``successor``: the try this process expects next."""
    path = claimed.log_path(settings.base_log_folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    r = claimed.request
    runtime = placement.task_runtime(settings.sandbox_zygote)
    # Beating from the claim on: pulling the run's image on first use may outlast zombie_threshold.
    beat = _Heartbeat(factory, claimed, settings.heartbeat_interval, runtime)
    with path.open("ab") as log_file:
        log_file.write(f"[dagseal] {r.dag_id}.{r.task_id} run {r.run_id} try {claimed.try_number}\n".encode())
        beat.start()
        try:
            spec, image_digest = _sandbox(placement, claimed)
            access = TryAccess.for_try(factory, settings.secrets, claimed.dag_folder, r)  # secrets, XCom
        except DagsealError as exc:  # engine or registry down, digest missing, image unresolvable
            beat.stop()
            outcome = TaskOutcome(state="failed", error=f"no sandbox for the try: {exc}")
            log_file.write(_summary(outcome).encode())
            return outcome, utcnow(), None
        if spec.image:
            log_file.write(f"[dagseal] image {spec.image}\n".encode())
        log_file.flush()

        def on_start(handle: TaskHandle) -> None:
            beat.handle = handle

        masked_log = access.log(CappedLog(log_file, settings.max_try_log_bytes))  # type: ignore[arg-type]
        started = utcnow()
        try:
            if beat.taken_away:  # during the pull: nothing was started
                outcome = TaskOutcome(state="failed")
            else:
                with _sigterm_raises():
                    outcome = runtime.run_task(
                        spec, r, masked_log, spec.task_timeout, on_start, access.answers, successor
                    )
        except Terminated:
            _kill(runtime, beat.handle)
            outcome = TaskOutcome(state="failed", error="supervisor received SIGTERM; try killed")
        finally:
            beat.stop()
        if beat.taken_away:
            outcome = TaskOutcome(
                state="failed", error="task instance was changed outside this try; try killed"
            )
        exited_at = started + timedelta(seconds=outcome.duration) if outcome.duration else utcnow()
        masked_log.finish()
        outcome = access.finish(outcome)
        log_file.write(access.mask(_summary(outcome)).encode())
    return outcome, exited_at, image_digest


def _summary(outcome: TaskOutcome) -> str:
    timed_out = " (timed out)" if outcome.timed_out else ""
    error = f": {outcome.error}" if outcome.error else ""
    return f"[dagseal] try ended: {outcome.state}, exit code {outcome.exit_code}{timed_out}{error}\n"


def _register_and_claim(factory: sessionmaker[Session], ti_id: int) -> tuple[int, ClaimedTry | None]:
    """Insert this supervisor's ``LocalTaskJob`` and claim the try in one commit; a try that is not
    queued any more ends the job in that same commit."""
    with session_scope(factory) as session:
        job_id = add_job(session, JobType.LOCAL_TASK)
        claimed = claim_try(session, ti_id, job_id, utcnow())
        if claimed is None:
            close_job(session, job_id, JobState.SUCCESS)
    if claimed is not None:
        committed("supervisor.claim")
    return job_id, claimed


def supervise(
    settings: SupervisorSettings,
    placement: Placement,
    factory: sessionmaker[Session],
    ti_id: int,
    on_callback: Callable[[], None] | None = None,
    next_tries: bool = False,
) -> TaskState | None:
    """Run the queued try of task instance ``ti_id``; returns the recorded state, or None if it was
    not ours to run (not queued any more). The task callback is a ``callback_request`` row written
    with the try's end; ``on_callback`` is then told (the fork server wakes an embedded processor).
    ``placement``: the process's one (the fork server builds it once for all its supervisors).
    ``next_tries``: this process goes on to other tries (a fork server's supervisor), so the
    try's successor in a chain may have its container started ahead (lifecycle/successor.py).
    A database that goes away is waited for until ``zombie_threshold`` (longer, and the scheduler
    has given the try up anyway)."""
    within = settings.zombie_threshold
    job_id, claimed = retry_until_back(lambda: _register_and_claim(factory, ti_id), within, "claim")
    if claimed is None:
        return None
    recorded = False
    try:
        successor = claimed.successor if next_tries else None
        outcome, exited_at, image_digest = _run_try(settings, placement, factory, claimed, successor)
        state, requested = retry_until_back(
            lambda: record_outcome(factory, claimed, outcome, exited_at, image_digest), within, "record"
        )
        recorded = True  # the record's commit ended the job too
        if requested and on_callback is not None:
            on_callback()
        return state
    finally:
        if not recorded:
            retry_until_back(lambda: end_job(factory, job_id, JobState.FAILED), within, "end job")
