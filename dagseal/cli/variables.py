"""``dagseal variables set|get|list|delete|import|export``, as Airflow's, plus ``--team``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dagseal.cli.connections import add_team_option
from dagseal.cli.output import print_table
from dagseal.errors import DagsealError


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("variables", help="manage variables (encrypted at rest)")
    commands = group.add_subparsers(dest="variables_command", metavar="SUBCOMMAND", required=True)
    put = commands.add_parser("set", help="set a variable")
    put.add_argument("key")
    put.add_argument("value")
    put.add_argument("--description")
    put.add_argument("-j", "--serialize-json", action="store_true", help="check VALUE is JSON, store it so")
    add_team_option(put)
    put.set_defaults(handler=set_command)
    get = commands.add_parser("get", help="print a variable's value")
    get.add_argument("key")
    get.add_argument("-d", "--default", help="print this when the variable does not exist (exit 0)")
    get.add_argument("-j", "--json", action="store_true", help="print the value as indented JSON")
    add_team_option(get)
    get.set_defaults(handler=get_command)
    listing = commands.add_parser("list", help="variables of one team (or shared), or --all-teams")
    add_team_option(listing)
    listing.add_argument("--all-teams", action="store_true")
    listing.set_defaults(handler=list_command)
    delete = commands.add_parser("delete", help="delete a variable")
    delete.add_argument("key")
    add_team_option(delete)
    delete.set_defaults(handler=delete_command)
    imp = commands.add_parser("import", help="set every variable of a .json, .yaml/.yml or .env file")
    imp.add_argument("file", type=Path)
    add_team_option(imp)
    imp.set_defaults(handler=import_command)
    exp = commands.add_parser("export", help="write the team's variables to a JSON file (or - for stdout)")
    exp.add_argument("file")
    add_team_option(exp)
    exp.set_defaults(handler=export_command)


def set_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import describe, set_variable

    if args.serialize_json:
        try:
            json.loads(args.value)
        except ValueError as exc:
            raise DagsealError(
                f"variable {args.key!r}: --serialize-json value is not JSON: {exc.msg}"
            ) from None
    with store_session() as (session, cipher):
        set_variable(session, args.key, args.value, args.team, cipher, args.description)
    print(f"set {describe('variable', args.key, args.team)}")


def get_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import describe, find_variable, read_variable

    with store_session() as (session, cipher):
        row = find_variable(session, args.key, args.team, exact=True)
        value = None if row is None else read_variable(row, cipher)
    if value is None:
        if args.default is None:
            raise DagsealError(f"{describe('variable', args.key, args.team)} does not exist")
        value = args.default
    if args.json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except ValueError as exc:
            raise DagsealError(f"variable {args.key!r} is not JSON: {exc.msg}") from None
    print(value)


def list_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import variable_rows

    with store_session() as (session, _cipher):
        rows = [
            (row.key, row.team or "(shared)", row.description)
            for row in variable_rows(session, args.team, args.all_teams)
        ]
    print_table(("KEY", "TEAM", "DESCRIPTION"), rows, empty="no variables")


def delete_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import delete_variable, describe

    with store_session() as (session, _cipher):
        delete_variable(session, args.key, args.team)
    print(f"deleted {describe('variable', args.key, args.team)}")


def import_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.backends.local_filesystem import read_secret_file
    from dagseal.secrets.store import set_variable

    entries = {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in read_secret_file(args.file).items()
    }
    with store_session() as (session, cipher):
        for key, value in entries.items():
            set_variable(session, key, value, args.team, cipher)
    print(f"imported {len(entries)} variable(s) from {args.file}")


def export_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session, write_export
    from dagseal.secrets.store import read_variable, variable_rows

    with store_session() as (session, cipher):
        data = {row.key: read_variable(row, cipher) for row in variable_rows(session, args.team, False)}
    write_export(args.file, json.dumps(data, indent=2, sort_keys=True) + "\n")
    if args.file != "-":
        print(f"exported {len(data)} variable(s) to {args.file}")
