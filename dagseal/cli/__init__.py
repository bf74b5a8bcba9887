"""``dagseal`` command line: one module per command group, discovered in this package.

Each group module (``dagseal/cli/<group>.py``) exposes ``register(subparsers)``, which adds its
parser(s) and sets ``handler=<callable(args) -> int | None>`` through ``set_defaults``. Adding a
group is adding a module: nothing here lists them. Handlers defer heavy imports to keep ``--help``
fast. Expected failures (``DagsealError``, database and OS errors) print one line
``dagseal: error: ...`` and exit 1; a traceback only with ``--verbose``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import traceback
from collections.abc import Sequence

from dagseal.errors import DagsealError

__all__ = ["build_parser", "main"]

# Modules of this package that are helpers, not command groups.
_HELPER_MODULES = frozenset({"common", "launch", "output", "secrets_common"})


def _group_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_") and info.name not in _HELPER_MODULES
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dagseal", description="Run Airflow-style DAGs with user code sandboxed."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging and full tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _group_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def _one_line(exc: BaseException) -> str:
    """The first line of an error, with DB driver noise (SQL, background links) left out."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip() or type(exc.orig).__name__
        return f"database error: {detail.splitlines()[0]}"
    text = str(exc).strip()
    if isinstance(exc, DagsealError | OSError) and text:
        return text.splitlines()[0]
    return f"unexpected {type(exc).__name__}: {text.splitlines()[0] if text else 'no message'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are migration chatter
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"dagseal: error: {_one_line(exc)}", file=sys.stderr)
        return 1
