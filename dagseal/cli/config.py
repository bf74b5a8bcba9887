"""``dagseal config list``: every effective value and where it came from."""

from __future__ import annotations

import argparse

from dagseal.cli.output import print_table
from dagseal.config import load_config, mask_secrets


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("config", help="inspect the configuration")
    commands = group.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser("list", help="effective values and their sources (secrets masked)")
    listing.add_argument("--section", help="only this section")
    listing.set_defaults(handler=list_command)


def list_command(args: argparse.Namespace) -> None:
    config = load_config()
    print(f"config file: {config.path or '(none; defaults and environment only)'}")
    rows = [
        (section, key, mask_secrets(key, value), source)
        for section, keys in config.as_dict_with_sources().items()
        if args.section in (None, section)
        for key, (value, source) in keys.items()
    ]
    print_table(("SECTION", "KEY", "VALUE", "SOURCE"), rows, empty=f"no options in section {args.section!r}")
