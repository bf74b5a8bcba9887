"""``dagseal standalone``: DAG processors for every folder of ``[core] dags_folder`` (``dag_repos/``
by default), the scheduler and the LocalExecutor in one command, for development and demos.

``--trigger DAG_ID`` (repeatable) queues a manual run once the DAGs are parsed; ``--until-idle``
exits when nothing is left to run and every callback ran; otherwise it runs until Ctrl-C, which
stops running tries, the processors and the scheduler cleanly. Prints the runs and their task
states at the end.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "standalone", help="processors + scheduler + executor in one process tree (dev/demo)"
    )
    parser.add_argument("--trigger", action="append", default=[], metavar="DAG_ID", help="trigger this DAG")
    parser.add_argument("--until-idle", action="store_true", help="exit once every run and callback is done")
    parser.add_argument("-n", "--num-runs", type=int, default=0, help="scheduling passes (0: no limit)")
    parser.add_argument("--migrate", action="store_true", help="create/upgrade the database schema first")
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
    run_scheduler(
        config,
        factory,
        num_runs=args.num_runs,
        processor_dirs=dirs,
        triggers=args.trigger,
        until_idle=args.until_idle,
    )
    print_runs(factory, dag_id=None, with_tasks=True)
    return 0
