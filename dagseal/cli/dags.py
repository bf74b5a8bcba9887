"""``dagseal dags list | show | trigger | versions | pause | unpause``: what the processors stored and ran."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from dagseal.cli.common import open_database, parse_cli_datetime
from dagseal.cli.output import format_cell, print_table
from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dagseal.db.models import DagModel
    from dagseal.serialization.schema import ScheduleSpec

SHORT_HASH = 12


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("dags", help="DAGs known to the database")
    commands = group.add_subparsers(dest="dags_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="every DAG with its subdir, version hash and state")
    listing.add_argument("-S", "--subdir", help="only DAGs of this processor subdir")
    listing.set_defaults(handler=list_command)
    show = commands.add_parser("show", help="tasks and edges of a DAG's latest version")
    show.add_argument("dag_id")
    show.set_defaults(handler=show_command)
    trigger = commands.add_parser("trigger", help="queue a manual run of a DAG's latest version")
    trigger.add_argument("dag_id")
    trigger.add_argument("--conf", default="{}", help="JSON object given to the run (default: {})")
    trigger.add_argument("--run-id", help="run id (default: manual__<logical date>)")
    trigger.add_argument(
        "--logical-date", type=parse_cli_datetime, help="ISO-8601 logical date, naive = UTC (default: now)"
    )
    trigger.add_argument(
        "--deployment", type=int, metavar="ID", help="pin the run to this deployment's image"
    )
    trigger.set_defaults(handler=trigger_command)
    versions = commands.add_parser("versions", help="every (dag_hash, image) pair that ran, with its runs")
    versions.add_argument("dag_id")
    versions.set_defaults(handler=versions_command)
    for name, paused in (("pause", True), ("unpause", False)):
        command = commands.add_parser(name, help=f"{name} scheduling of a DAG")
        command.add_argument("dag_id")
        command.set_defaults(handler=set_paused_command, paused=paused)


def list_command(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dagseal.db.models import DagModel
    from dagseal.db.session import session_scope

    query = select(DagModel).order_by(DagModel.dag_id)
    if args.subdir is not None:
        query = query.where(DagModel.processor_subdir == args.subdir)
    with session_scope(open_database()) as session:
        rows = [
            (
                dag.dag_id,
                dag.processor_subdir,
                (dag.latest_dag_hash or "")[:SHORT_HASH] or None,
                dag.is_active,
                dag.is_paused,
                dag.last_parsed_time,
            )
            for dag in session.scalars(query)
        ]
    print_table(("DAG_ID", "SUBDIR", "HASH", "ACTIVE", "PAUSED", "LAST PARSED"), rows, empty="no DAGs")


def _get_dag(session: Session, dag_id: str) -> DagModel:
    from dagseal.db.models import DagModel

    dag = session.get(DagModel, dag_id)
    if dag is None:
        raise DagsealError(f"no DAG with id {dag_id!r} in the database (see `dagseal dags list`)")
    return dag


def _describe_schedule(schedule: ScheduleSpec) -> str:
    if schedule.kind == "cron":
        return f"cron {schedule.cron} in {schedule.timezone or 'UTC'}"
    if schedule.kind == "timedelta":
        return f"every {schedule.seconds:g} s"
    return schedule.kind


def show_command(args: argparse.Namespace) -> None:
    from dagseal.db.models import SerializedDagModel
    from dagseal.db.session import session_scope
    from dagseal.serialization.dags import dag_from_envelope

    with session_scope(open_database()) as session:
        dag = _get_dag(session, args.dag_id)
        row = session.get(SerializedDagModel, dag.latest_dag_hash) if dag.latest_dag_hash else None
        if row is None:
            raise DagsealError(f"DAG {args.dag_id!r} has no serialized version in the database")
        serialized = dag_from_envelope(json.loads(row.data))
        header = [
            ("dag_id", dag.dag_id),
            ("file", dag.fileloc),
            ("subdir", dag.processor_subdir),
            ("hash", row.dag_hash),
            ("schedule", _describe_schedule(serialized.schedule)),
            ("active", dag.is_active),
            ("paused", dag.is_paused),
        ]
    width = max(len(name) for name, _ in header)
    for name, value in header:
        print(f"{name.ljust(width)}  {format_cell(value)}")
    print()
    tasks = [
        (
            task.task_id,
            task.operator,
            task.trigger_rule,
            task.retries,
            ", ".join(task.upstream_task_ids) or None,
        )
        for task in serialized.tasks
    ]
    print_table(("TASK_ID", "OPERATOR", "TRIGGER_RULE", "RETRIES", "UPSTREAM"), tasks, empty="no tasks")
    print()
    edges = [(task.task_id, down) for task in serialized.tasks for down in task.downstream_task_ids]
    print_table(("FROM", "TO"), edges, empty="no edges")


def versions_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.deploy.versions import dag_versions

    with session_scope(open_database()) as session:
        _get_dag(session, args.dag_id)
        rows = [
            (
                version.dag_hash[:SHORT_HASH],
                version.image_digest,
                run.run_id,
                run.state,
                run.deployment_id,
                run.created_at,
            )
            for version in dag_versions(session, args.dag_id)
            for run in version.runs
        ]
    print_table(
        ("DAG_HASH", "IMAGE DIGEST", "RUN_ID", "STATE", "DEPLOYMENT", "CREATED"),
        rows,
        empty=f"no runs of {args.dag_id}",
    )


def set_paused_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope

    with session_scope(open_database()) as session:
        _get_dag(session, args.dag_id).is_paused = args.paused
    print(f"DAG {args.dag_id} {'paused' if args.paused else 'unpaused'}")


def trigger_command(args: argparse.Namespace) -> None:
    from dagseal.config import load_config
    from dagseal.db.session import session_scope
    from dagseal.placement import Placement
    from dagseal.scheduler.dagrun_creation import trigger_dag
    from dagseal.timeutil import utcnow

    try:
        conf = json.loads(args.conf)
    except ValueError as exc:
        raise DagsealError(f"--conf is not valid JSON: {exc}") from None
    config = load_config()
    placement = Placement.from_config(config)
    with session_scope(open_database(config)) as session:
        run = trigger_dag(
            session,
            args.dag_id,
            conf,
            utcnow(),
            placement,
            args.run_id,
            logical_date=args.logical_date,
            deployment_id=args.deployment,
        )
    print(f"triggered {run.dag_id} run {run.run_id} on version {run.dag_hash[:SHORT_HASH]}")
