"""``dagseal assets list | events``: the assets DAGs produce or are scheduled on, and their updates."""

from __future__ import annotations

import argparse

from dagseal.cli.common import open_database
from dagseal.cli.output import print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("assets", help="assets (data-aware scheduling)")
    commands = group.add_subparsers(dest="assets_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser(
        "list", help="every asset with the DAGs scheduled on it and its last update"
    )
    listing.set_defaults(handler=list_command)
    events = commands.add_parser("events", help="asset updates, newest first")
    events.add_argument("--name", help="only this asset's updates")
    events.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    events.set_defaults(handler=events_command)


def list_command(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from dagseal.db.models import AssetEventModel, AssetModel, DagScheduleAssetReferenceModel
    from dagseal.db.session import session_scope

    with session_scope(open_database()) as session:
        consumers: dict[int, list[str]] = {}
        for asset_id, dag_id in session.execute(
            select(DagScheduleAssetReferenceModel.asset_id, DagScheduleAssetReferenceModel.dag_id).order_by(
                DagScheduleAssetReferenceModel.dag_id
            )
        ):
            consumers.setdefault(asset_id, []).append(dag_id)
        last = dict(
            session.execute(
                select(AssetEventModel.asset_id, func.max(AssetEventModel.timestamp)).group_by(
                    AssetEventModel.asset_id
                )
            ).all()
        )
        rows = [
            (
                asset.name,
                asset.uri,
                asset.group,
                ", ".join(consumers.get(asset.id, [])) or None,
                last.get(asset.id),
            )
            for asset in session.scalars(select(AssetModel).order_by(AssetModel.name, AssetModel.uri))
        ]
    print_table(("name", "uri", "group", "scheduled_dags", "last_update"), rows, empty="no assets")


def events_command(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dagseal.db.models import AssetEventModel, AssetModel
    from dagseal.db.session import session_scope

    query = (
        select(AssetEventModel, AssetModel.name)
        .join(AssetModel, AssetModel.id == AssetEventModel.asset_id)
        .order_by(AssetEventModel.timestamp.desc(), AssetEventModel.id.desc())
        .limit(args.limit)
    )
    if args.name:
        query = query.where(AssetModel.name == args.name)
    with session_scope(open_database()) as session:
        rows = [
            (event.timestamp, name, event.source_dag_id, event.source_run_id, event.source_task_id)
            for event, name in session.execute(query)
        ]
    print_table(("timestamp", "asset", "dag_id", "run_id", "task_id"), rows, empty="no asset events")
