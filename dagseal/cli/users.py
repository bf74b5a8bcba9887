"""``dagseal users create|list|delete`` and ``dagseal users token create``: who may use the API and UI."""

from __future__ import annotations

import argparse

from dagseal.cli.common import open_database
from dagseal.cli.output import print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="users, roles, teams and API tokens of the API server")
    commands = parser.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    create = commands.add_parser("create", help="add a user (prints a generated password if none is given)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, help="admin | op | user | viewer")
    create.add_argument("--team", help="the DAG directory name the user sees (not for admin)")
    create.add_argument("--password", help="at least 8 characters (default: generated and printed once)")
    create.set_defaults(handler=create_command)
    commands.add_parser("list", help="list users").set_defaults(handler=list_command)
    delete = commands.add_parser("delete", help="delete a user and its tokens")
    delete.add_argument("--username", required=True)
    delete.set_defaults(handler=delete_command)
    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", metavar="COMMAND", required=True)
    token_create = token_commands.add_parser("create", help="a new API token, printed once")
    token_create.add_argument("--username", required=True)
    token_create.add_argument("--description")
    token_create.set_defaults(handler=token_create_command)


def create_command(args: argparse.Namespace) -> None:
    import secrets

    from dagseal.api.auth import create_user
    from dagseal.db.session import session_scope

    password = args.password or secrets.token_urlsafe(12)
    with session_scope(open_database()) as session:
        user = create_user(session, args.username, password, args.role, args.team)
    print(f"created user {user.username} (role {user.role}{', team ' + user.team if user.team else ''})")
    if not args.password:
        print(f"password: {password}")


def list_command(_args: argparse.Namespace) -> None:
    from dagseal.api.auth import list_users
    from dagseal.db.session import session_scope

    with session_scope(open_database()) as session:
        rows = [(u.username, u.role, u.team or "-", u.created_at) for u in list_users(session)]
    print_table(("USERNAME", "ROLE", "TEAM", "CREATED"), rows, empty="no users")


def delete_command(args: argparse.Namespace) -> None:
    from dagseal.api.auth import delete_user
    from dagseal.db.session import session_scope

    with session_scope(open_database()) as session:
        delete_user(session, args.username)
    print(f"deleted user {args.username}")


def token_create_command(args: argparse.Namespace) -> None:
    from dagseal.api.auth import create_token
    from dagseal.db.session import session_scope

    with session_scope(open_database()) as session:
        token = create_token(session, args.username, args.description)
    print(token)
