"""``dagseal import-errors list``: DAG files that failed to load, per processor subdir."""

from __future__ import annotations

import argparse
from pathlib import Path

from dagseal.cli.common import open_database
from dagseal.cli.output import print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("import-errors", help="DAG files that failed to load")
    commands = group.add_subparsers(dest="import_errors_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="one line per failing file (the error's last line)")
    listing.add_argument(
        "-S", "--subdir", help="only files of this DAG directory (resolved, as dag-processor stores it)"
    )
    listing.set_defaults(handler=list_command)


def _summary(stacktrace: str) -> str:
    """The last non-empty line of a traceback names the exception; that is what a list needs."""
    lines = [line for line in stacktrace.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def list_command(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from dagseal.db.models import ImportErrorModel
    from dagseal.db.session import session_scope

    query = select(ImportErrorModel).order_by(ImportErrorModel.processor_subdir, ImportErrorModel.filename)
    if args.subdir is not None:
        subdir = str(Path(args.subdir).resolve())  # the processor stores its resolved path
        query = query.where(ImportErrorModel.processor_subdir == subdir)
    with session_scope(open_database()) as session:
        rows = [
            (error.filename, error.processor_subdir, error.timestamp, _summary(error.stacktrace))
            for error in session.scalars(query)
        ]
    print_table(("FILE", "SUBDIR", "TIMESTAMP", "ERROR"), rows, empty="no import errors")
