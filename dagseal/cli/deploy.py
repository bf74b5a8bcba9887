"""``dagseal deploy MAP | --list | --rollback [ID]``: which published images new runs take.

A deploy checks every image in the registry first (by digest, sandbox protocol) and changes the
database only when all pass, so a refused deploy leaves the current deployment as it was.
"""

from __future__ import annotations

import argparse
import getpass
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from dagseal.cli.common import open_database
from dagseal.cli.output import format_cell, print_table
from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from dagseal.db.models import DeploymentModel

PREVIOUS = 0  # `--rollback` without ID; deployment ids start at 1
SHORT_DIGEST = 19  # "sha256:" + 12 hex


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy", help="make a published digest map current (or list / roll back deployments)"
    )
    parser.add_argument("digest_map", nargs="?", help="a published digest map (dagseal images publish --out)")
    parser.add_argument("--list", action="store_true", help="deployment history, newest first")
    parser.add_argument(
        "--rollback",
        nargs="?",
        type=int,
        const=PREVIOUS,
        metavar="ID",
        help="make deployment ID (default: the one before the current one) current again",
    )
    parser.add_argument("--created-by", help="who deploys (default: USER@HOST)")
    parser.add_argument("--created-from", help="where from, e.g. a CI job URL (default: HOST:MAP PATH)")
    parser.set_defaults(handler=deploy_command)


def deploy_command(args: argparse.Namespace) -> None:
    chosen = [bool(args.digest_map), args.list, args.rollback is not None]
    if sum(chosen) != 1:
        raise DagsealError("give exactly one of DIGEST_MAP, --list or --rollback [ID]")
    factory = open_database()
    if args.list:
        _print_history(factory)
        return
    if args.rollback is not None:
        from dagseal.deploy.rollout import rollback

        target = None if args.rollback == PREVIOUS else args.rollback
        deployment = rollback(factory, target)
        print(f"deployment {deployment.id} (created {format_cell(deployment.created_at)}) is current again")
        return
    from dagseal.deploy.published import load_map
    from dagseal.deploy.rollout import deploy

    host = socket.gethostname()
    path = Path(args.digest_map).resolve()
    deployment = deploy(
        factory,
        load_map(path),
        created_by=args.created_by or f"{getpass.getuser()}@{host}",
        created_from=args.created_from or f"{host}:{path}",
    )
    print(f"deployment {deployment.id} is current:")
    print_table(("REPO", "IMAGE"), _images(deployment), empty="")


def _images(deployment: DeploymentModel) -> list[tuple[str, str]]:
    from dagseal.deploy.published import entries

    return [(entry.dag_dir, str(entry.require_ref())) for entry in entries(deployment.digest_map)]


def _print_history(factory: sessionmaker[Session]) -> None:
    from dagseal.db.session import session_scope
    from dagseal.deploy.deployments import list_deployments

    with session_scope(factory) as session:
        rows = [
            (
                d.id,
                d.is_current,
                d.created_at,
                d.created_by,
                d.created_from,
                " ".join(f"{repo}@{ref.rpartition('@')[2][:SHORT_DIGEST]}" for repo, ref in _images(d)),
            )
            for d in list_deployments(session)
        ]
    print_table(("ID", "CURRENT", "CREATED", "BY", "FROM", "IMAGES"), rows, empty="no deployments")
