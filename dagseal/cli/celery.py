"""``dagseal celery worker | list-workers | stop``: the CeleryExecutor's workers (Airflow 3 names)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from celery import Celery

_INSPECT_TIMEOUT_SECONDS = 2.0


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("celery", help="CeleryExecutor workers")
    commands = group.add_subparsers(dest="celery_command", metavar="SUBCOMMAND", required=True)

    worker = commands.add_parser("worker", help="run a worker: one supervisor per try message")
    worker.add_argument(
        "-q", "--queues", help="comma-separated queues to consume (default: [celery] default_queue)"
    )
    worker.add_argument(
        "-c", "--concurrency", type=int, help="tries at once (default: [celery] worker_concurrency)"
    )
    worker.add_argument("-H", "--celery-hostname", "--hostname", dest="hostname", help="node name, NAME@HOST")
    worker.set_defaults(handler=worker_command)

    listing = commands.add_parser("list-workers", help="workers that answer a ping, and their queues")
    listing.set_defaults(handler=list_workers_command)

    stop = commands.add_parser("stop", help="ask workers to finish their tries and exit")
    stop.add_argument("-H", "--celery-hostname", "--hostname", dest="hostname", help="only this node")
    stop.set_defaults(handler=stop_command)


def worker_command(args: argparse.Namespace) -> int:
    from dagseal.config import load_config
    from dagseal.executor.celery_worker import run_worker

    if args.concurrency is not None and args.concurrency < 1:
        raise DagsealError(f"--concurrency must be at least 1, got {args.concurrency}")
    queues = [q.strip() for q in (args.queues or "").split(",") if q.strip()]
    if args.queues is not None and not queues:
        raise DagsealError(f"--queues {args.queues!r} names no queue")
    return run_worker(load_config(), queues, args.concurrency, args.hostname)


def _app() -> Celery:
    """The app for control commands (Celery is imported here, not at module level: fast --help)."""
    from dagseal.config import load_config
    from dagseal.executor.celery_app import CelerySettings, celery_app

    return celery_app(CelerySettings.from_config(load_config()))


def list_workers_command(args: argparse.Namespace) -> int:
    from dagseal.cli.output import print_table

    app = _app()
    queues = app.control.inspect(timeout=_INSPECT_TIMEOUT_SECONDS).active_queues() or {}
    rows = [[name, ",".join(sorted(q["name"] for q in qs))] for name, qs in sorted(queues.items())]
    print_table(["worker", "queues"], rows, "no worker answered")
    return 0


def stop_command(args: argparse.Namespace) -> int:
    """Ping first (a shutdown broadcast gets no reply: the workers exit), then stop those that answered."""
    app = _app()
    destination = [args.hostname] if args.hostname else None
    names = sorted(
        app.control.inspect(destination=destination, timeout=_INSPECT_TIMEOUT_SECONDS).ping() or {}
    )
    if not names:
        raise DagsealError(
            f"no worker named {args.hostname} answered" if args.hostname else "no worker answered"
        )
    app.control.shutdown(destination=names)
    for name in names:
        print(f"stopping {name}")
    return 0
