"""``dagseal rotate-fernet-key``: re-encrypt every connection and variable with the first key.

Put the new key first in ``[core] fernet_key`` (``new,old``), run this, then drop the old key.
A row no configured key can decrypt stops the command with its name; nothing is written.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rotate-fernet-key", help="re-encrypt connections and variables with the first [core] fernet_key"
    )
    parser.add_argument("--generate", action="store_true", help="only print a new Fernet key and exit")
    parser.set_defaults(handler=rotate_command)


def rotate_command(args: argparse.Namespace) -> None:
    if args.generate:
        from dagseal.secrets.fernet import generate_key

        print(generate_key())
        return
    from dagseal.cli.secrets_common import store_session
    from dagseal.secrets.store import rotate_all

    with store_session() as (session, cipher):
        count = rotate_all(session, cipher)
    print(f"re-encrypted {count} value(s) with the first [core] fernet_key")
