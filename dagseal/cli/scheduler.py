"""``dagseal scheduler [--num-runs N]``: the scheduler loop with the LocalExecutor.

With ``[scheduler] standalone_dag_processor = False`` it also runs a DAG processor per directory
of ``[core] dags_folder`` in its own process, woken when a callback request is committed; with
True the processors run apart (``dagseal dag-processor``). Callback requests are
``callback_request`` rows in both modes.
Ctrl-C / SIGTERM: running tries are stopped and recorded, then the scheduler exits.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scheduler", help="run the scheduler (and LocalExecutor)")
    parser.add_argument(
        "-n", "--num-runs", type=int, default=0, help="scheduling passes before exiting (0: forever)"
    )
    parser.set_defaults(handler=scheduler_command)


def scheduler_command(args: argparse.Namespace) -> int:
    from dagseal.cli.common import open_database
    from dagseal.cli.launch import run_scheduler
    from dagseal.config import load_config
    from dagseal.errors import DagsealError
    from dagseal.scheduler.embedded_processors import processor_directories

    if args.num_runs < 0:
        raise DagsealError(f"--num-runs must be 0 (forever) or more, got {args.num_runs}")
    config = load_config()
    embedded = not config.getboolean("scheduler", "standalone_dag_processor")
    dirs = processor_directories(config.get("core", "dags_folder")) if embedded else None
    job = run_scheduler(config, open_database(config), num_runs=args.num_runs, processor_dirs=dirs)
    print(f"scheduler: job {job.job_id} ended")
    return 0
