"""DagProcessorManager: the standalone DAG processor loop for one DAG directory (AIP-43).

Each loop: scan the directory (``file_tracker``), parse due files with ``parsing_processes``
warm sandboxes in parallel threads, store the outcomes in file order (``persistence``, on
this thread, so "the first file wins" a duplicate dag_id deterministically), then run up to
``max_callbacks_per_loop`` callbacks (``callback_runner``). The ``job`` row heartbeats throughout.

The processor is identified by its ``processor_subdir``: the resolved absolute path of the
directory it parses. Callbacks are always this directory's ``callback_request`` rows, whether the
processor runs apart or embedded in a scheduler (``standalone_dag_processor = False``), which calls
:meth:`run_once` from a thread of its own and wakes it early when it committed a callback request.

User DAG files are never imported here: they are only stat-ed and hashed on the host.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dagseal.config import Config
from dagseal.db.jobs import end_job, heartbeat, start_job
from dagseal.db.models import JobState, JobType
from dagseal.db.outage import survived
from dagseal.db.session import session_scope
from dagseal.errors import DagsealError
from dagseal.placement import Placement
from dagseal.placement.parse_sandboxes import SandboxChoice
from dagseal.processor.callback_runner import (
    CallbackResult,
    CallbackRunner,
    DatabaseCallbackSource,
    PendingCallback,
)
from dagseal.processor.file_tracker import FileScan, FileTracker
from dagseal.processor.parsing import FileOutcome, parse_file
from dagseal.processor.persistence import (
    DirectoryContext,
    StoreReport,
    forget_missing_files,
    refresh_parsed_time,
    set_import_error,
    store_outcome,
)
from dagseal.processor.policy import DagPolicy, current_subdir, load_dag_policy
from dagseal.processor.sandbox_pool import SandboxPool
from dagseal.runtime.base import SandboxRuntime, SandboxSpec
from dagseal.runtime.channel import Answerer
from dagseal.secrets.answers import CallbackAnswers
from dagseal.secrets.settings import SecretsSettings
from dagseal.serialization import CallbackRequest
from dagseal.timeutil import utcnow

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 1.0  # seconds between job heartbeats while a loop is busy
STORE_BATCH = 64  # outcomes already parsed are stored together: one commit instead of one per file


@dataclass(frozen=True)
class ProcessorSettings:
    """The ``[scheduler]`` knobs the processor reads (see ``dagseal config list``); the parse
    timeout is the sandbox's own (``[scheduler] parse_timeout``, or the file's runtime.yaml)."""

    parsing_processes: int = 2
    min_file_process_interval: float = 30.0
    dag_dir_list_interval: float = 300.0
    max_callbacks_per_loop: int = 20
    callback_claim_timeout: float = 60.0
    loop_sleep: float = 1.0
    paused_at_creation: bool = False

    @classmethod
    def from_config(cls, config: Config, parsing_processes: int | None = None) -> ProcessorSettings:
        """Settings from config; ``parsing_processes`` (``-P``) overrides the configured value."""
        settings = cls(
            parsing_processes=config.getint("scheduler", "parsing_processes")
            if parsing_processes is None
            else parsing_processes,
            min_file_process_interval=config.getfloat("scheduler", "min_file_process_interval"),
            dag_dir_list_interval=config.getfloat("scheduler", "dag_dir_list_interval"),
            max_callbacks_per_loop=config.getint("scheduler", "max_callbacks_per_loop"),
            callback_claim_timeout=config.getfloat("scheduler", "callback_claim_timeout"),
            loop_sleep=config.getfloat("scheduler", "processor_loop_sleep"),
            paused_at_creation=config.getboolean("core", "dags_are_paused_at_creation"),
        )
        if settings.parsing_processes < 1:
            raise DagsealError(f"parsing processes must be at least 1, got {settings.parsing_processes}")
        return settings


@dataclass(frozen=True)
class LoopStats:
    """What one loop did (logged, and asserted on by tests)."""

    files: int
    parsed: int
    import_errors: int
    callbacks_run: int


def _ready(outcome: FileOutcome) -> Future[FileOutcome]:
    """An outcome known without a sandbox, in the same shape as the parsed ones."""
    done: Future[FileOutcome] = Future()
    done.set_result(outcome)
    return done


class DagProcessorManager:
    """Parses one DAG directory into the DB and runs its callbacks; use as a context manager.

    ``with DagProcessorManager(...) as manager: manager.run_once()`` — entering registers the
    ``DagProcessorJob`` row, leaving ends it (so its callback claims free up at once) and stops the
    warm sandboxes.
    """

    def __init__(
        self,
        dag_directory: str | Path,
        *,
        session_factory: sessionmaker[Session],
        runtime: SandboxRuntime,
        sandboxes: SandboxChoice,
        settings: ProcessorSettings,
        policy: DagPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        answers: Callable[[CallbackRequest], Answerer] | None = None,
    ) -> None:
        root = Path(dag_directory).resolve()
        if not root.is_dir():
            raise DagsealError(f"DAG directory {dag_directory} does not exist or is not a directory")
        self.root = root
        self.settings = settings
        self._session_factory = session_factory
        self._ctx = DirectoryContext(root, policy, settings.paused_at_creation)
        self._sandboxes = sandboxes
        self._clock = clock
        self._tracker = FileTracker(
            root,
            dag_dir_list_interval=settings.dag_dir_list_interval,
            min_file_process_interval=settings.min_file_process_interval,
            clock=clock,
        )
        self._pool = SandboxPool(runtime, settings.parsing_processes)
        self._file_specs: dict[str, SandboxSpec] = {}  # the spec each present file was last parsed in
        self._threads = ThreadPoolExecutor(settings.parsing_processes, thread_name_prefix="dagseal-parse")
        self._runner = CallbackRunner(session_factory, self._pool, sandboxes, answers)
        self._callbacks: DatabaseCallbackSource | None = None
        self._last_heartbeat = float("-inf")
        self._last_refresh = float("-inf")
        self.job_id: int | None = None

    @classmethod
    def from_config(
        cls,
        config: Config,
        placement: Placement,
        dag_directory: str | Path,
        session_factory: sessionmaker[Session],
        *,
        parsing_processes: int | None = None,
    ) -> DagProcessorManager:
        """A manager wired from config and the process's placement: runtime, sandboxes, DAG policy."""
        settings = ProcessorSettings.from_config(config, parsing_processes)
        root = Path(dag_directory).resolve()
        return cls(
            root,
            session_factory=session_factory,
            runtime=placement.parsing_runtime(),
            sandboxes=placement.parse_sandboxes(root, session_factory),
            settings=settings,
            policy=load_dag_policy(config.get("core", "policy_module").strip()),
            answers=CallbackAnswers(session_factory, SecretsSettings.from_config(config), str(root)),
        )

    @property
    def processor_subdir(self) -> str:
        return self._ctx.subdir

    def __enter__(self) -> Self:
        self.job_id = start_job(self._session_factory, JobType.DAG_PROCESSOR, self.processor_subdir)
        self._callbacks = DatabaseCallbackSource(
            self._session_factory, self.processor_subdir, self.job_id, self.settings.callback_claim_timeout
        )
        log.info("DAG processor job %s parsing %s", self.job_id, self.processor_subdir)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._pool.close()
        if self.job_id is not None:
            failed = exc_type is not None and exc_type not in (KeyboardInterrupt, SystemExit)
            end_job(self._session_factory, self.job_id, JobState.FAILED if failed else JobState.SUCCESS)

    def run(self, num_runs: int = 0, stop: threading.Event | None = None) -> int:
        """Loop ``num_runs`` times (0: until ``stop`` is set); returns the loops done."""
        stop = stop or threading.Event()
        loops = 0
        with self:
            while not stop.is_set() and (num_runs <= 0 or loops < num_runs):
                survived(self.run_once, "DAG processor")  # a database restart costs loops, not the processor
                loops += 1
                if num_runs <= 0 or loops < num_runs:
                    stop.wait(self.settings.loop_sleep)
        return loops

    def run_once(self) -> LoopStats:
        """One loop: scan, parse and store due files, then run a batch of callbacks."""
        if self.job_id is None or self._callbacks is None:
            raise RuntimeError("enter the manager (`with manager:`) before running loops")
        scan = self._tracker.scan(self._sandboxes.refresh())
        self._forget_missing(scan)
        with current_subdir(self.processor_subdir):
            parsed, errors = self._parse_due(scan)
        self._refresh(scan)
        ran = self._run_callbacks(self._callbacks)
        self._close_unused_sandboxes(scan)
        self._heartbeat(force=True)
        stats = LoopStats(files=len(scan.files), parsed=parsed, import_errors=errors, callbacks_run=ran)
        log.debug("processor loop: %s", stats)
        return stats

    def _close_unused_sandboxes(self, scan: FileScan) -> None:
        """Stop warm sandboxes no present file parses in and no callback used this loop.

        A file's spec changes when its image does (runtime.yaml, policy hook): its next parse
        starts a container of the new image, and this lets the old image's container go.
        """
        self._file_specs = {rel: self._file_specs[rel] for rel in scan.files if rel in self._file_specs}
        closed = self._pool.retain(set(self._file_specs.values()))
        if closed:
            log.info("stopped %d warm sandbox(es) no file or callback uses any more", closed)

    def _forget_missing(self, scan: FileScan) -> None:
        if scan.relisted or scan.vanished:
            with session_scope(self._session_factory) as session:
                gone = forget_missing_files(session, self._ctx, scan.files)
            if gone:
                log.info("marked %d DAG(s) inactive: their files left %s", gone, self.processor_subdir)

    def _parse_due(self, scan: FileScan) -> tuple[int, int]:
        """Parse due files in parallel, store outcomes in file order; (files parsed, files with errors)."""
        futures: list[Future[FileOutcome]] = []
        for rel in scan.due:
            if rel in scan.unreadable:
                futures.append(_ready(FileOutcome.failed(rel, f"{rel}: {scan.unreadable[rel]}")))
                continue
            try:
                spec = self._sandboxes.for_file(rel)
            except DagsealError as exc:  # bad runtime.yaml, mutable tag, failing policy hook, ...
                # retried after min_file_process_interval: a fixed runtime.yaml is not a .py input
                message = f"{rel}: no sandbox to parse it in: {exc}"
                futures.append(_ready(FileOutcome.failed(rel, message, retry=True)))
                continue
            self._file_specs[rel] = spec
            futures.append(self._threads.submit(self._parse_one, spec, rel))
        errors = stored = 0
        while stored < len(futures):
            batch = [futures[stored].result()]  # the next file in order, waited for
            stored += 1
            while stored < len(futures) and futures[stored].done() and len(batch) < STORE_BATCH:
                batch.append(futures[stored].result())
                stored += 1
            errors += self._store(batch, scan.files)
            self._heartbeat()
        return len(futures), errors

    def _parse_one(self, spec: SandboxSpec, rel: str) -> FileOutcome:
        return parse_file(self._pool, spec, rel)

    def _store(self, outcomes: list[FileOutcome], present: tuple[str, ...]) -> int:
        """Store outcomes in one transaction; the number of files left with an import error.

        If the DB refuses the batch, each file is stored alone, so one file whose DAGs the DB
        refuses (e.g. a dag_id too long for its column) gets an import error and the others go in.
        """
        try:
            with session_scope(self._session_factory) as session:
                now = utcnow()
                reports = [store_outcome(session, self._ctx, outcome, present, now) for outcome in outcomes]
        except SQLAlchemyError as exc:
            if len(outcomes) > 1:
                return sum(self._store([outcome], present) for outcome in outcomes)
            rel = outcomes[0].relative_fileloc
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            error = f"{rel}: the database refused its DAGs: {reason}"
            with session_scope(self._session_factory) as session:
                set_import_error(session, self._ctx, rel, error, utcnow())
            reports = [StoreReport((), (error,), lost_conflict=True)]
        for outcome, report in zip(outcomes, reports, strict=True):
            self._tracker.mark_parsed(outcome.relative_fileloc, retry=outcome.retry or report.lost_conflict)
            for error in report.errors:
                log.warning("import error: %s", error.splitlines()[-1])
        return sum(1 for report in reports if report.errors)

    def _refresh(self, scan: FileScan) -> None:
        """Every min_file_process_interval, confirm the DAGs of present files as current."""
        now = self._clock()
        if now - self._last_refresh < self.settings.min_file_process_interval:
            return
        with session_scope(self._session_factory) as session:
            refresh_parsed_time(session, self._ctx, scan.files, utcnow())
        self._last_refresh = now

    def _run_callbacks(self, source: DatabaseCallbackSource) -> int:
        """Claim a batch, run it on the worker threads, settle each as it finishes; the number run."""
        futures: list[Future[CallbackResult]] = []
        for callback in source.fetch(self.settings.max_callbacks_per_loop):
            code = self._runner.prepare(callback)
            if isinstance(code, str):
                log.error("dropping %s", code)
                source.done(callback)
            else:
                futures.append(self._threads.submit(self._runner.run, callback, code))
        ran = 0
        for future in as_completed(futures):
            result = future.result()
            self._settle(source, result)
            ran += result.ran
            self._heartbeat()
        return ran

    @staticmethod
    def _settle(source: DatabaseCallbackSource, result: CallbackResult) -> None:
        callback: PendingCallback = result.callback
        if not result.ran:
            log.warning("callback %s not run, released: %s", callback.callback_id, result.error)
            source.release(callback)
            return
        if result.error:
            log.warning("callback %s failed: %s", callback.callback_id, result.error)
        source.done(callback)

    def _heartbeat(self, force: bool = False) -> None:
        now = self._clock()
        if self.job_id is not None and (force or now - self._last_heartbeat >= HEARTBEAT_EVERY):
            heartbeat(self._session_factory, self.job_id)
            self._last_heartbeat = now
