"""SchedulerJob: the scheduler loop. Reads serialized DAGs only; never imports user code.

Each pass: reap finished supervisors and refill their slots with tries already scheduled (before
the rest of the pass, so a freed slot does not wait for it), create and start DAG runs, decide
task instances, queue the tries that made ready, and time out runs; every
``zombie_detection_interval`` handle zombies and stranded queued tries; every
``stale_dag_cleanup_interval`` deactivate stale DAGs. Between passes it sleeps until a supervisor
exits or reports, or ``scheduler_heartbeat_sec`` passes.

A callback request is a ``callback_request`` row added to the transaction of the state change that
causes it (run end, run timeout, zombie); once that commits, ``wake_processors`` (processors
embedded in this process) is called. Each such commit is a named commit point (``committed``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from attrs import frozen
from sqlalchemy.orm import Session, sessionmaker

from dagseal.callbacks.outbox import callbacks_added
from dagseal.config import Config
from dagseal.db.jobs import end_job, heartbeat, start_job
from dagseal.db.models import JobState, JobType
from dagseal.db.outage import survived
from dagseal.db.session import session_scope
from dagseal.lifecycle.commit_points import committed
from dagseal.lifecycle.handoff import BaseExecutor
from dagseal.lifecycle.try_record import fail_unstarted
from dagseal.placement import Placement
from dagseal.scheduler.assets import create_asset_triggered_runs
from dagseal.scheduler.backfill_runs import complete_backfills
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.scheduler.dagrun_creation import create_scheduled_runs, start_queued_runs
from dagseal.scheduler.dagrun_timeouts import time_out_runs
from dagseal.scheduler.data_intervals import DEFAULT_DATA_INTERVALS, DataIntervalSettings
from dagseal.scheduler.host_tasks import NewRuns
from dagseal.scheduler.single_scheduler import check_single_scheduler
from dagseal.scheduler.stale_dags import deactivate_stale_dags
from dagseal.scheduler.task_scheduling import (
    MAX_DAGRUNS_PER_LOOP,
    queue_scheduled,
    schedule_running_runs,
)
from dagseal.scheduler.zombies import handle_zombies, requeue_stranded
from dagseal.timeutil import utcnow

log = logging.getLogger(__name__)


@frozen(kw_only=True)
class SchedulerSettings:
    loop_sleep: float
    zombie_detection_interval: float
    zombie_threshold: float
    stale_dag_threshold: float
    stale_dag_cleanup_interval: float
    task_queued_timeout: float
    max_map_length: int = 1024  # [core] max_map_length
    max_dagruns_per_loop_to_schedule: int = MAX_DAGRUNS_PER_LOOP  # runs decided per pass
    data_intervals: DataIntervalSettings = DEFAULT_DATA_INTERVALS

    @classmethod
    def from_config(cls, config: Config) -> SchedulerSettings:
        get = config.getfloat
        return cls(
            loop_sleep=get("scheduler", "scheduler_heartbeat_sec"),
            zombie_detection_interval=get("scheduler", "zombie_detection_interval"),
            zombie_threshold=get("scheduler", "zombie_threshold"),
            stale_dag_threshold=get("scheduler", "stale_dag_threshold"),
            stale_dag_cleanup_interval=get("scheduler", "stale_dag_cleanup_interval"),
            max_map_length=config.getint("core", "max_map_length"),
            max_dagruns_per_loop_to_schedule=config.getint("scheduler", "max_dagruns_per_loop_to_schedule"),
            task_queued_timeout=get("scheduler", "task_queued_timeout"),
            data_intervals=DataIntervalSettings.from_config(config),
        )


class _Every:
    """True once every ``interval`` seconds (and on the first call)."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._last: float | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if self._last is None or now - self._last >= self._interval:
            self._last = now
            return True
        return False


class SchedulerJob:
    """One scheduler process. ``num_runs > 0`` stops after that many passes; ``after_pass`` may stop
    it too (returns True), e.g. ``standalone --until-idle``. ``placement`` pins new runs to images;
    ``wake_processors`` is called after a commit that requested a callback."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        executor: BaseExecutor,
        settings: SchedulerSettings,
        placement: Placement,
        num_runs: int = 0,
        after_pass: Callable[[], bool] | None = None,
        wake_processors: Callable[[], None] | None = None,
    ) -> None:
        self.factory = factory
        self.executor = executor
        self.settings = settings
        self.placement = placement
        self.num_runs = num_runs
        self.after_pass = after_pass
        self.wake_processors = wake_processors
        self.job_id: int | None = None
        self._bag = SerializedDagBag()
        self._new_runs = NewRuns(placement, settings.data_intervals)
        self._stop = threading.Event()
        self._interrupted = False
        self._heartbeat = _Every(settings.loop_sleep)
        self._run_upkeep = _Every(settings.loop_sleep)
        self._runs_ended = False
        self._zombies = _Every(settings.zombie_detection_interval)
        self._stale = _Every(settings.stale_dag_cleanup_interval)

    def stop(self, interrupted: bool = True) -> None:
        """Ask the loop to end after the current pass; ``interrupted`` kills running tries."""
        self._interrupted = self._interrupted or interrupted
        self._stop.set()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler: got %s, stopping", signal.Signals(signum).name)
        self.stop()

    def run(self) -> None:
        self.job_id = start_job(self.factory, JobType.SCHEDULER)
        state = JobState.FAILED
        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            with session_scope(self.factory) as session:
                check_single_scheduler(session, self.job_id, utcnow(), self.settings.zombie_threshold)
            self.executor.start()
            passes = 0
            while not self._stop.is_set():
                survived(self.run_pass, "scheduler")  # a database restart costs passes, not the scheduler
                passes += 1
                if (self.num_runs > 0 and passes >= self.num_runs) or (self.after_pass and self.after_pass()):
                    break
                self.executor.wait(self.settings.loop_sleep)
            if self._interrupted:
                self.executor.terminate()
            else:
                self.executor.end()
            self._reap()
            state = JobState.SUCCESS
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            end_job(self.factory, self.job_id, state)

    def _committed(self, session: Session, *points: tuple[str, int]) -> None:
        """After ``session`` committed: pass the commit points of the changes it made (``(name,
        count)``), then wake the processors if it requested a callback."""
        for point, changed in points:
            if changed:
                committed(point)
        if self.wake_processors is not None and callbacks_added(session):
            self.wake_processors()

    def _reap(self) -> None:
        """Tries whose supervisor failed (exit code not 0) without claiming them failed to start;
        one that failed after its claim is logged (zombie detection or its own record ends the try).

        A supervisor that exits 0 either recorded its try or found it not queued any more, so its
        try needs no write here (on SQLite every such write competes for the one write lock)."""
        for finished in self.executor.sync():
            if finished.exit_code == 0:
                continue
            exited = f"supervisor exited with code {finished.exit_code}"
            unstarted = f"{exited} before starting the try"
            if fail_unstarted(self.factory, finished.ti_id, unstarted, utcnow()):
                log.warning("task instance %s: %s", finished.ti_id, unstarted)
            else:
                log.warning("task instance %s: %s after claiming the try", finished.ti_id, exited)

    def _queue(self) -> None:
        """Move scheduled tries into the free executor slots and start their supervisors."""
        if self.executor.slots_available <= 0:
            return
        with session_scope(self.factory) as session:
            queued = queue_scheduled(session, self.executor.slots_available, utcnow(), self._bag)
        self._committed(session, ("scheduler.queue", len(queued)))
        for item in queued:
            self.executor.execute(item)

    def _upkeep_runs(self, now: datetime) -> int:
        """Create due and asset-triggered runs, start queued runs, time runs out, complete backfills.

        Time drives all of these, or a run's end (a free ``max_active_runs`` slot, a finished
        backfill), so a pass woken by a try's end skips them unless the last pass ended a run:
        they were a third of the scheduler's CPU per try in a wide DAG."""
        with session_scope(self.factory) as session:
            create_scheduled_runs(session, self._bag, now, self.placement, self.settings.data_intervals)
            create_asset_triggered_runs(session, self._bag, now, self.placement)
            start_queued_runs(session, self._bag, now)
            complete_backfills(session, now)
            timed_out = time_out_runs(session, self._bag, now)
        self._committed(session, ("scheduler.run_timeout", timed_out))
        return timed_out

    def run_pass(self) -> None:
        """One scheduling pass; each callback request commits with the state change that causes it."""
        assert self.job_id is not None
        if self._heartbeat.due():
            heartbeat(self.factory, self.job_id)
        self._reap()
        now = utcnow()
        self._queue()
        timed_out = self._upkeep_runs(now) if self._run_upkeep.due() or self._runs_ended else 0
        with session_scope(self.factory) as session:
            ended = schedule_running_runs(
                session,
                self._bag,
                now,
                self._new_runs,
                limit=self.settings.max_dagruns_per_loop_to_schedule,
                max_map_length=self.settings.max_map_length,
            )
        self._committed(session, ("scheduler.run_end", ended))
        self._runs_ended = ended + timed_out > 0
        self._queue()
        if self._zombies.due():
            with session_scope(self.factory) as session:
                zombies = handle_zombies(session, self._bag, now, self.settings.zombie_threshold)
                requeue_stranded(session, now, self.settings.task_queued_timeout)
            self._committed(session, ("scheduler.zombies", zombies))
        if self._stale.due():
            with session_scope(self.factory) as session:
                deactivate_stale_dags(session, now, self.settings.stale_dag_threshold)
