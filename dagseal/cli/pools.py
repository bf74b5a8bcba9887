"""``dagseal pools set | get | list | delete | import | export``: Airflow's pool commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dagseal.cli.common import open_database
from dagseal.cli.output import print_table
from dagseal.errors import DagsealError


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("pools", help="pools: slots shared by the tasks that name them")
    commands = group.add_subparsers(dest="pools_command", metavar="SUBCOMMAND", required=True)
    set_ = commands.add_parser("set", help="create a pool or change its slots and description")
    set_.add_argument("name")
    set_.add_argument("slots", type=int, help="slots (-1: unlimited)")
    set_.add_argument("description", nargs="?", default=None)
    set_.add_argument("--include-deferred", action="store_true", help="kept for Airflow's pool files")
    set_.set_defaults(handler=set_command)
    get = commands.add_parser("get", help="one pool")
    get.add_argument("name")
    get.set_defaults(handler=get_command)
    listing = commands.add_parser("list", help="every pool with its used slots")
    listing.set_defaults(handler=list_command)
    delete = commands.add_parser("delete", help="delete a pool (not default_pool)")
    delete.add_argument("name")
    delete.set_defaults(handler=delete_command)
    import_ = commands.add_parser("import", help="create or update pools from an Airflow pool JSON file")
    import_.add_argument("file", type=Path)
    import_.set_defaults(handler=import_command)
    export = commands.add_parser("export", help="write every pool to an Airflow pool JSON file")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=export_command)


def _show(rows: list[tuple[object, ...]]) -> None:
    print_table(("pool", "slots", "used", "scheduled", "description"), rows, empty="no pools")


def set_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.pools import set_pool

    with session_scope(open_database()) as session:
        set_pool(session, args.name, args.slots, args.description, args.include_deferred)
    print(f"pool {args.name} set to {args.slots} slots")


def _rows(name: str | None) -> list[tuple[object, ...]]:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.pools import get_pool, list_pools

    with session_scope(open_database()) as session:
        if name is not None:
            get_pool(session, name)  # one clear line for an unknown pool
        return [
            (pool.pool, pool.slots, used, waiting, pool.description)
            for pool, used, waiting in list_pools(session)
            if name is None or pool.pool == name
        ]


def get_command(args: argparse.Namespace) -> None:
    _show(_rows(args.name))


def list_command(args: argparse.Namespace) -> None:
    _show(_rows(None))


def delete_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.pools import delete_pool

    with session_scope(open_database()) as session:
        delete_pool(session, args.name)
    print(f"pool {args.name} deleted")


def import_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.pools import import_pools

    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DagsealError(f"{args.file}: not valid JSON: {exc}") from None
    with session_scope(open_database()) as session:
        names = import_pools(session, document, str(args.file))
    print(f"imported {len(names)} pool(s): {', '.join(names)}")


def export_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import session_scope
    from dagseal.scheduler.pools import export_pools

    with session_scope(open_database()) as session:
        document = export_pools(session)
    args.file.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"exported {len(document)} pool(s) to {args.file}")
