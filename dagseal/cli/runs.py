"""``dagseal runs list [--dag DAG_ID]``: DAG runs with state, the dag_hash they run, start and duration."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dagseal.cli.output import print_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

SHORT_HASH = 12


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("runs", help="DAG runs")
    commands = group.add_subparsers(dest="runs_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="DAG runs, newest first")
    listing.add_argument("--dag", dest="dag_id", help="only runs of this DAG")
    listing.add_argument("--tasks", action="store_true", help="also list each run's task instances")
    listing.set_defaults(handler=list_command)


def _duration(start: object, end: object) -> str | None:
    if start is None or end is None:
        return None
    return f"{(end - start).total_seconds():.1f}s"  # type: ignore[operator]


def print_runs(factory: sessionmaker[Session], dag_id: str | None, with_tasks: bool) -> None:
    """The runs table, and per run its task table when ``with_tasks``."""
    from sqlalchemy import select

    from dagseal.cli.tasks import print_task_instances
    from dagseal.db.models import DagRunModel
    from dagseal.db.session import session_scope

    query = select(DagRunModel).order_by(DagRunModel.created_at.desc(), DagRunModel.id.desc())
    if dag_id is not None:
        query = query.where(DagRunModel.dag_id == dag_id)
    with session_scope(factory) as session:
        runs = session.scalars(query).all()
    rows = [
        (
            run.dag_id,
            run.run_id,
            run.run_type,
            run.state,
            run.dag_hash[:SHORT_HASH],
            run.image_digest,
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

    print_runs(open_database(), args.dag_id, args.tasks)
