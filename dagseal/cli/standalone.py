"""``dagseal standalone``: DAG processors for every folder of ``[core] dags_folder`` (``dag_repos/``
by default), the scheduler and the LocalExecutor in one command, for development and demos.

``--trigger DAG_ID`` (repeatable) queues a manual run once the DAGs are parsed; ``--until-idle``
exits when nothing is left to run and every callback ran; otherwise it runs until Ctrl-C, which
stops running tries, the processors and the scheduler cleanly. Prints the runs and their task
states at the end.

Unless ``--until-idle`` (or ``--no-api-server``), it also serves the API and the UI on ``[api]
host:port`` from a thread, creating user ``admin`` on first start and printing its password once.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dagseal.api.embedded import EmbeddedApiServer
    from dagseal.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "standalone", help="processors + scheduler + executor in one process tree (dev/demo)"
    )
    parser.add_argument("--trigger", action="append", default=[], metavar="DAG_ID", help="trigger this DAG")
    parser.add_argument("--until-idle", action="store_true", help="exit once every run and callback is done")
    parser.add_argument("-n", "--num-runs", type=int, default=0, help="scheduling passes (0: no limit)")
    parser.add_argument("--migrate", action="store_true", help="create/upgrade the database schema first")
    parser.add_argument(
        "--api-server",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also serve the API and UI on [api] host:port (default: on, off with --until-idle)",
    )
    parser.set_defaults(handler=standalone_command)


def standalone_command(args: argparse.Namespace) -> int:
    from dagseal.cli.common import open_database
    from dagseal.cli.launch import run_scheduler
    from dagseal.cli.runs import print_runs
    from dagseal.config import load_config
    from dagseal.db.session import migrate
    from dagseal.errors import DagsealError
    from dagseal.scheduler.embedded_processors import processor_directories

    if args.num_runs < 0:
        raise DagsealError(f"--num-runs must be 0 (forever) or more, got {args.num_runs}")
    config = load_config()
    if args.migrate:
        migrate(config.get("core", "sql_alchemy_conn"))
    factory = open_database(config)
    dirs = processor_directories(config.get("core", "dags_folder"))
    print("standalone: processing " + ", ".join(str(d) for d in dirs))
    api = (
        _start_api_server(config, factory, required=args.api_server is True)
        if _wants_api_server(args)
        else None
    )
    try:
        run_scheduler(
            config,
            factory,
            num_runs=args.num_runs,
            processor_dirs=dirs,
            triggers=args.trigger,
            until_idle=args.until_idle,
        )
    finally:
        if api is not None:
            api.stop()
    print_runs(factory, dag_id=None, with_tasks=True)
    return 0


def _wants_api_server(args: argparse.Namespace) -> bool:
    return not args.until_idle if args.api_server is None else args.api_server


def _start_api_server(
    config: Config, factory: sessionmaker[Session], required: bool
) -> EmbeddedApiServer | None:
    """The UI for this standalone (and a first admin, whose password is printed once). A port
    already taken fails the command if ``--api-server`` was given, else is said in one line while
    the scheduler carries on (None)."""
    from dagseal.api.embedded import ensure_admin, start_api_server
    from dagseal.api.settings import ApiSettings
    from dagseal.errors import DagsealError
    from dagseal.placement import Placement

    try:
        api = start_api_server(ApiSettings.from_config(config), factory, Placement.from_config(config))
    except DagsealError as exc:
        if required:
            raise
        print(f"standalone: API server not started: {exc} (set [api] port, or --no-api-server)", flush=True)
        return None
    password = ensure_admin(factory)
    login = "" if password is None else f" (log in as admin, password {password}; shown once)"
    print(f"standalone: UI and API at {api.url}{login}", flush=True)
    return api
