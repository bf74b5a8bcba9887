"""``dagseal backfill create | list | cancel``: Airflow 3's scheduler-managed backfill (AIP-78).

``create`` only writes the backfill and queues its runs; a running scheduler starts them within
the backfill's ``--max-active-runs``, even if the DAG is paused.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from dagseal.cli.common import open_database, parse_cli_datetime
from dagseal.cli.output import print_table
from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from dagseal.scheduler.backfill import PlannedRun


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("backfill", help="scheduler-managed backfills of past logical dates")
    commands = group.add_subparsers(dest="backfill_command", metavar="SUBCOMMAND", required=True)
    create = commands.add_parser("create", help="queue runs for every schedule point in a date range")
    create.add_argument("--dag-id", required=True)
    create.add_argument("--from-date", required=True, type=parse_cli_datetime, help="ISO-8601, naive = UTC")
    create.add_argument("--to-date", required=True, type=parse_cli_datetime, help="ISO-8601, inclusive")
    create.add_argument(
        "--reprocess-behavior",
        choices=("none", "failed", "completed"),
        default="none",
        help="re-run existing runs: none (default), failed ones, or failed and successful ones",
    )
    create.add_argument("--max-active-runs", type=int, help="backfill runs at a time (default: the DAG's)")
    create.add_argument("--run-backwards", action="store_true", help="newest logical date first")
    create.add_argument("--dry-run", action="store_true", help="print what would run, change nothing")
    create.add_argument("--dag-run-conf", help="JSON object given to every new run")
    create.set_defaults(handler=create_command)
    listing = commands.add_parser("list", help="backfills, newest first")
    listing.add_argument("--dag-id", help="only this DAG's backfills")
    listing.set_defaults(handler=list_command)
    cancel = commands.add_parser("cancel", help="fail a backfill's queued runs; running ones finish")
    cancel.add_argument("backfill_id", type=int)
    cancel.set_defaults(handler=cancel_command)


def _conf(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise DagsealError(f"--dag-run-conf is not valid JSON: {exc}") from None


def _print_plan(planned: list[PlannedRun]) -> None:
    print_table(
        ("logical_date", "data_interval_start", "data_interval_end", "action", "reason"),
        ((p.logical_date, p.data_interval_start, p.data_interval_end, p.action, p.reason) for p in planned),
        empty="no runs",
    )


def create_command(args: argparse.Namespace) -> int:
    from dagseal.config import load_config
    from dagseal.db.session import session_scope
    from dagseal.placement import Placement
    from dagseal.scheduler.backfill import create_backfill, plan_backfill
    from dagseal.scheduler.data_intervals import DataIntervalSettings
    from dagseal.timeutil import utcnow

    config = load_config()
    intervals = DataIntervalSettings.from_config(config)
    conf = _conf(args.dag_run_conf)
    with session_scope(open_database(config)) as session:
        if args.dry_run:
            planned = plan_backfill(
                session,
                args.dag_id,
                args.from_date,
                args.to_date,
                reprocess_behavior=args.reprocess_behavior,
                run_backwards=args.run_backwards,
                now=utcnow(),
                intervals=intervals,
            )
            _print_plan(planned)
            print(
                f"dry run: {sum(p.action != 'skip' for p in planned)} run(s) would be queued, nothing changed"
            )
            return 0
        backfill, planned = create_backfill(
            session,
            args.dag_id,
            args.from_date,
            args.to_date,
            now=utcnow(),
            intervals=intervals,
            placement=Placement.from_config(config),
            reprocess_behavior=args.reprocess_behavior,
            max_active_runs=args.max_active_runs,
            run_backwards=args.run_backwards,
            dag_run_conf=conf,
        )
        _print_plan(planned)
        queued = sum(p.action != "skip" for p in planned)
        limit = backfill.max_active_runs
        print(f"backfill {backfill.id} of {args.dag_id}: {queued} run(s) queued, {limit} at a time")
    return 0


def list_command(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from dagseal.db.models import BackfillModel, DagRunModel
    from dagseal.db.session import session_scope

    query = select(BackfillModel).order_by(BackfillModel.id.desc())
    if args.dag_id:
        query = query.where(BackfillModel.dag_id == args.dag_id)
    with session_scope(open_database()) as session:
        backfills = list(session.scalars(query))
        counts: dict[int, dict[str, int]] = {}
        for backfill_id, state, count in session.execute(
            select(DagRunModel.backfill_id, DagRunModel.state, func.count())
            .where(DagRunModel.backfill_id.in_([b.id for b in backfills]))
            .group_by(DagRunModel.backfill_id, DagRunModel.state)
        ):
            counts.setdefault(backfill_id, {})[state] = count
        rows = [
            (
                b.id,
                b.dag_id,
                b.from_date,
                b.to_date,
                b.reprocess_behavior,
                b.max_active_runs,
                b.is_paused,
                ", ".join(f"{state} {n}" for state, n in sorted(counts.get(b.id, {}).items())) or None,
                b.created_at,
                b.completed_at,
            )
            for b in backfills
        ]
    print_table(
        (
            "id",
            "dag_id",
            "from_date",
            "to_date",
            "reprocess",
            "max_active_runs",
            "paused",
            "runs",
            "created",
            "completed",
        ),
        rows,
        empty="no backfills",
    )


def cancel_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.backfill import cancel_backfill
    from dagseal.timeutil import utcnow

    with session_scope(open_database()) as session:
        failed = cancel_backfill(session, args.backfill_id, utcnow())
    print(f"backfill {args.backfill_id} cancelled: {failed} queued run(s) failed, running runs finish")
