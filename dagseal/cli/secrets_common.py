"""What the connections, variables and rotate-fernet-key commands share: one session with a cipher,
and export files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from dagseal.errors import DagsealError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dagseal.secrets.fernet import Cipher


@contextmanager
def store_session() -> Iterator[tuple[Session, Cipher]]:
    """One transaction on the metadata DB and the ``[core] fernet_key`` cipher; all or nothing."""
    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.db.session import session_scope
    from dagseal.secrets.fernet import cipher_from_config

    config = load_config()
    cipher = cipher_from_config(config)
    with session_scope(open_database(config)) as session:
        yield session, cipher


def export_format(file: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(file).suffix.lower().lstrip(".")
    if suffix in ("json", "env"):
        return suffix
    if suffix in ("yaml", "yml"):
        return "yaml"
    raise DagsealError(f"cannot tell the format of {file!r} from its extension; give --file-format")


def write_export(file: str, text: str) -> None:
    """Write to ``file`` (created 0600: it holds secrets), or to stdout for ``-``."""
    if file == "-":
        sys.stdout.write(text)
        return
    with open(file, "w", encoding="utf-8", opener=lambda name, flags: os.open(name, flags, 0o600)) as out:
        out.write(text)
