"""``dagseal db migrate`` and ``dagseal db reset --yes``."""

from __future__ import annotations

import argparse

from dagseal.config import load_config, mask_secrets
from dagseal.errors import DagsealError


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("db", help="manage the metadata database")
    commands = group.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    commands.add_parser("migrate", help="create or upgrade the schema (safe to repeat)").set_defaults(
        handler=migrate_command
    )
    reset = commands.add_parser("reset", help="drop all dagseal tables and data, then migrate")
    reset.add_argument("--yes", action="store_true", help="confirm that all data is to be deleted")
    reset.set_defaults(handler=reset_command)


def _url() -> tuple[str, str]:
    url = load_config().get("core", "sql_alchemy_conn")
    return url, mask_secrets("sql_alchemy_conn", url)


def migrate_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import migrate

    url, shown = _url()
    print(f"database {shown} is at revision {migrate(url)}")


def reset_command(args: argparse.Namespace) -> None:
    from dagseal.db.session import reset

    url, shown = _url()
    if not args.yes:
        raise DagsealError(f"`db reset` deletes every row in {shown}; add --yes to confirm")
    print(f"database {shown} was reset to revision {reset(url)}")
