"""``dagseal runs list [--dag DAG_ID] [--format ids]``: DAG runs with state, the dag_hash and image
they run, start and duration; ``--format ids`` prints only run ids, newest first, for scripts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dagseal.cli.output import print_table, short_digest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dagseal.db.models import DagRunModel

SHORT_HASH = 12


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("runs", help="DAG runs")
    commands = group.add_subparsers(dest="runs_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="DAG runs, newest first")
    listing.add_argument("--dag", dest="dag_id", help="only runs of this DAG")
    listing.add_argument("--tasks", action="store_true", help="also list each run's task instances")
    listing.add_argument(
        "--format", choices=("table", "ids"), default="table", help="ids: one run id a line, newest first"
    )
    listing.set_defaults(handler=list_command)


def _duration(start: object, end: object) -> str | None:
    if start is None or end is None:
        return None
    return f"{(end - start).total_seconds():.1f}s"  # type: ignore[operator]


def _runs(factory: sessionmaker[Session], dag_id: str | None) -> list[DagRunModel]:
    """Runs, newest first."""
    from sqlalchemy import select

    from dagseal.db.models import DagRunModel
    from dagseal.db.session import session_scope

    query = select(DagRunModel).order_by(DagRunModel.created_at.desc(), DagRunModel.id.desc())
    if dag_id is not None:
        query = query.where(DagRunModel.dag_id == dag_id)
    with session_scope(factory) as session:
        return list(session.scalars(query))


def print_runs(factory: sessionmaker[Session], dag_id: str | None, with_tasks: bool) -> None:
    """The runs table, and per run its task table when ``with_tasks``."""
    from dagseal.cli.tasks import print_task_instances

    runs = _runs(factory, dag_id)
    rows = [
        (
            run.dag_id,
            run.run_id,
            run.run_type,
            run.state,
            run.dag_hash[:SHORT_HASH],
            short_digest(run.image_digest),
            run.start_date,
            _duration(run.start_date, run.end_date),
        )
        for run in runs
    ]
    headers = ("DAG_ID", "RUN_ID", "TYPE", "STATE", "DAG_HASH", "IMAGE", "STARTED", "DURATION")
    print_table(headers, rows, empty="no DAG runs")
    if with_tasks:
        for run in runs:
            print(f"\n{run.dag_id} {run.run_id} ({run.state}):")
            print_task_instances(factory, run.run_id, run.dag_id)


def list_command(args: argparse.Namespace) -> None:
    from dagseal.cli.common import open_database

    if args.format == "ids":
        for run in _runs(open_database(), args.dag_id):
            print(run.run_id)
        return
    print_runs(open_database(), args.dag_id, args.tasks)
