"""``dagseal celery worker``: consumes ``execute_try`` messages and runs a supervisor for each.

The worker owns one warm supervisor fork server (and, with the process runtime, one sandbox
zygote) and runs Celery's thread pool: each of ``-c N`` threads hands one message to a supervisor
of that server, idle or newly forked (``executor/supervisor.py``, as ``tasks run --local`` does),
and waits for it.
The supervisor claims the try with a conditional update, so a redelivered or duplicated message
finds it not queued and ends at once; with the Docker runtime it pulls the run's pinned image by
digest from the run's deployment registry on first use and runs it on this host's engine. Task
callbacks always go to ``callback_request`` rows: the DAG processors may be on another host. The
worker serves its tries' logs to other hosts (``serve_logs.py``).
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.utils.nodenames import default_nodename, host_format

from dagseal.config import Config
from dagseal.db.session import create_engine_from_conn, session_factory
from dagseal.executor.celery_app import EXECUTE_TRY_TASK, CelerySettings, TryMessage, celery_app
from dagseal.executor.orphan_containers import OrphanSweeper
from dagseal.executor.serve_logs import LogServer, LogServerSettings
from dagseal.executor.settings import SupervisorSettings
from dagseal.executor.warm_supervisors import WarmSupervisors
from dagseal.runtime.docker_engine import DockerEngine

log = logging.getLogger(__name__)


def worker_app(settings: CelerySettings, supervisors: WarmSupervisors) -> Celery:
    """The Celery app with the ``execute_try`` task bound to this worker's supervisors."""
    app = celery_app(settings)

    @app.task(name=EXECUTE_TRY_TASK)
    def execute_try(body: object) -> int:
        """Run one try's supervisor to its end; its exit code is the result (0: recorded or not ours)."""
        message = TryMessage.from_json(body)
        handle = supervisors.fork(message.ti_id)
        handle.read(timeout=None)
        log.info(
            "%s.%s run %s (ti %s): supervisor exited %s",
            message.dag_id,
            message.task_id,
            message.run_id,
            message.ti_id,
            handle.exit_code,
        )
        return handle.exit_code if handle.exit_code is not None else -1

    return app


def _orphan_sweeper(config: Config, settings: SupervisorSettings) -> OrphanSweeper | None:
    """With the Docker runtime: remove at once, then periodically, the task containers that dead
    supervisors of this host left (an earlier incarnation of this worker, killed)."""
    if settings.placement.task_execution_runtime != "docker":
        return None
    engine = DockerEngine(settings.placement.task_docker.socket_path)
    factory = session_factory(create_engine_from_conn(settings.sql_alchemy_conn))
    interval = config.getfloat("scheduler", "zombie_detection_interval")
    sweeper = OrphanSweeper(engine, factory, settings.zombie_threshold, interval)
    sweeper.start()
    return sweeper


def run_worker(config: Config, queues: list[str], concurrency: int | None, hostname: str | None) -> int:
    """Start the supervisors, consume until stopped (``celery stop``, SIGTERM), return the exit code."""
    settings = CelerySettings.from_config(config)
    supervisor_settings = SupervisorSettings.from_config(config)
    log_server = LogServer(LogServerSettings.from_config(config))
    supervisors = WarmSupervisors(supervisor_settings)
    supervisors.start()
    log_server.start()
    sweeper = _orphan_sweeper(config, supervisor_settings)
    log.info("serving try logs on port %d", log_server.port)
    try:
        app = worker_app(settings, supervisors)
        worker = app.Worker(
            hostname=host_format(default_nodename(hostname)),  # `w1@%h` as Celery's own CLI expands it
            queues=queues or [settings.default_queue],
            concurrency=concurrency or settings.worker_concurrency,
            pool_cls="threads",
            loglevel="INFO",
            without_gossip=True,
            without_mingle=True,
        )
        worker.start()
        return int(worker.exitcode or 0)
    finally:
        if sweeper is not None:
            sweeper.stop()
        log_server.stop()
        supervisors.stop()
