"""``dagseal connections add|get|list|delete|import|export``, as Airflow's, plus ``--team``.

Without ``--team`` a command works on the shared rows (``team`` NULL) every team sees. Input is
checked in full before anything is written: a bad URI, JSON or file line is one error line and
the command writes nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagseal.cli.output import print_table
from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from dagseal.sdk.connection import Connection

_FIELD_OPTIONS = ("type", "description", "host", "schema", "login", "password", "port", "extra")


def add_team_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--team", help="the team (DAG directory name) the row belongs to; default: shared")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("connections", help="manage connections (encrypted at rest)")
    commands = group.add_subparsers(dest="connections_command", metavar="SUBCOMMAND", required=True)
    add = commands.add_parser("add", help="add a connection from a URI, JSON or --conn-* fields")
    add.add_argument("conn_id")
    add.add_argument("--conn-uri", help="type://login:password@host:port/schema?extra")
    add.add_argument("--conn-json", help='{"conn_type": .., "host": .., "extra": {..}}')
    for name in _FIELD_OPTIONS:
        add.add_argument(f"--conn-{name}")
    add_team_option(add)
    add.set_defaults(handler=add_command)
    get = commands.add_parser("get", help="print one connection as JSON")
    get.add_argument("conn_id")
    add_team_option(get)
    get.set_defaults(handler=get_command)
    listing = commands.add_parser("list", help="connections of one team (or shared), or --all-teams")
    add_team_option(listing)
    listing.add_argument("--all-teams", action="store_true", help="every team's and the shared rows")
    listing.set_defaults(handler=list_command)
    delete = commands.add_parser("delete", help="delete a connection")
    delete.add_argument("conn_id")
    add_team_option(delete)
    delete.set_defaults(handler=delete_command)
    imp = commands.add_parser("import", help="add every connection of a .json, .yaml/.yml or .env file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--overwrite", action="store_true", help="replace connections that already exist")
    add_team_option(imp)
    imp.set_defaults(handler=import_command)
    exp = commands.add_parser("export", help="write the team's connections to a file (or - for stdout)")
    exp.add_argument("file")
    exp.add_argument("--file-format", choices=("json", "yaml", "env"), help="default: from the extension")
    exp.add_argument(
        "--serialization-format", choices=("json", "uri"), default="uri", help=".env values (default uri)"
    )
    add_team_option(exp)
    exp.set_defaults(handler=export_command)


def _from_args(args: argparse.Namespace) -> Connection:
    from dagseal.sdk.connection import Connection, ConnectionFormatError

    fields = {name: getattr(args, f"conn_{name}") for name in _FIELD_OPTIONS}
    given = [f"--conn-{name}" for name, value in fields.items() if value is not None]
    forms = [flag for flag in ("--conn-uri", "--conn-json") if getattr(args, flag[2:].replace("-", "_"))]
    if len(forms) > 1 or (forms and given):
        raise DagsealError(
            f"connection {args.conn_id!r}: give one of --conn-uri, --conn-json or --conn-* fields"
        )
    try:
        if args.conn_uri:
            return Connection.from_uri(args.conn_id, args.conn_uri)
        if args.conn_json:
            try:
                data = json.loads(args.conn_json)
            except ValueError as exc:
                raise ConnectionFormatError(f"connection {args.conn_id!r}: --conn-json: {exc.msg}") from None
            return Connection.from_dict(args.conn_id, data)
        if fields["type"] is None:
            raise ConnectionFormatError(
                f"connection {args.conn_id!r}: give --conn-uri, --conn-json or at least --conn-type"
            )
        data = {"conn_type" if k == "type" else k: v for k, v in fields.items() if v is not None}
        if isinstance(data.get("extra"), str):
            try:
                data["extra"] = json.loads(data["extra"])
            except ValueError as exc:
                raise ConnectionFormatError(f"connection {args.conn_id!r}: --conn-extra: {exc.msg}") from None
        return Connection.from_dict(args.conn_id, data)
    except ConnectionFormatError as exc:
        raise DagsealError(str(exc)) from None


def add_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import add_connection, describe

    connection = _from_args(args)
    with store_session() as (session, cipher):
        add_connection(session, connection, args.team, cipher)
    print(f"added {describe('connection', connection.conn_id, args.team)}")


def get_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import describe, find_connection, read_connection

    with store_session() as (session, cipher):
        row = find_connection(session, args.conn_id, args.team, exact=True)
        if row is None:
            raise DagsealError(f"{describe('connection', args.conn_id, args.team)} does not exist")
        connection = read_connection(row, cipher)
    print(json.dumps({"conn_id": connection.conn_id, "team": args.team, **connection.to_dict()}, indent=2))


def list_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import connection_rows

    with store_session() as (session, _cipher):
        rows = [
            (row.conn_id, row.team or "(shared)", row.conn_type, row.host, row.port, row.schema, row.login)
            for row in connection_rows(session, args.team, args.all_teams)
        ]
    print_table(("CONN_ID", "TEAM", "TYPE", "HOST", "PORT", "SCHEMA", "LOGIN"), rows, empty="no connections")


def delete_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import delete_connection, describe

    with store_session() as (session, _cipher):
        delete_connection(session, args.conn_id, args.team)
    print(f"deleted {describe('connection', args.conn_id, args.team)}")


def _read_connections(path: Path) -> list[Connection]:
    from dagseal.sdk.connection import Connection, ConnectionFormatError
    from dagseal.secrets.backends.environment import parse_connection
    from dagseal.secrets.backends.local_filesystem import read_secret_file

    connections = []
    for conn_id, value in read_secret_file(path).items():
        if isinstance(value, str):
            connections.append(parse_connection(str(conn_id), value, str(path)))
            continue
        try:
            connections.append(Connection.from_dict(str(conn_id), value))
        except ConnectionFormatError as exc:
            raise DagsealError(f"{path}: {exc}") from None
    return connections


def import_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import add_connection, find_connection

    connections = _read_connections(args.file)
    with store_session() as (session, cipher):
        for connection in connections:
            existing = find_connection(session, connection.conn_id, args.team, exact=True)
            if existing is not None and args.overwrite:
                session.delete(existing)
                session.flush()
            add_connection(session, connection, args.team, cipher)
    print(f"imported {len(connections)} connection(s) from {args.file}")


def _export_text(connections: list[Connection], file_format: str, serialization: str) -> str:
    import yaml

    if file_format == "env":
        lines = [
            f"{c.conn_id}={c.get_uri() if serialization == 'uri' else json.dumps(c.to_dict())}"
            for c in connections
        ]
        return "".join(line + "\n" for line in lines)
    data: dict[str, Any] = {c.conn_id: c.to_dict() for c in connections}
    if file_format == "yaml":
        return yaml.safe_dump(data, sort_keys=True)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def export_command(args: argparse.Namespace) -> None:
    from dagseal.cli.secrets_common import export_format, store_session, write_export
    from dagseal.secrets.store import connection_rows, read_connection

    file_format = export_format(args.file, args.file_format)
    with store_session() as (session, cipher):
        connections = [read_connection(row, cipher) for row in connection_rows(session, args.team, False)]
    write_export(args.file, _export_text(connections, file_format, args.serialization_format))
    if args.file != "-":
        print(f"exported {len(connections)} connection(s) to {args.file}")
