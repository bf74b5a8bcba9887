"""The scrubbed environment a sandbox starts with: a whitelist, never DAGSEAL_* settings or credentials.

The host process may hold a DB URL or secrets in its environment; user code must not see them.
"""

import compileall
import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from dagseal.errors import DagsealError

log = logging.getLogger(__name__)

PASSED_THROUGH = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR"})
_CREDENTIAL_URL = re.compile(r"^[A-Za-z][\w+.\-]*://[^/@\s]*:[^/@\s]*@")


def dagseal_source_root() -> str:
    """The directory holding the ``dagseal`` package, so the sandbox imports this same dagseal."""
    return str(Path(__file__).resolve().parents[2])


def compile_sandbox_bytecode() -> None:
    """Write missing or stale ``__pycache__`` files of this dagseal, once, on the host.

    Sandboxes run with ``PYTHONDONTWRITEBYTECODE`` (user DAG folders stay clean), so in a source
    checkout every sandbox start would otherwise compile the SDK, serialization and sandbox
    modules again (~20 ms of CPU per task try). An install we cannot write to is left as it is.
    """
    if not compileall.compile_dir(Path(dagseal_source_root()) / "dagseal", quiet=2):
        log.debug("could not write every bytecode file under %s", dagseal_source_root())


def checked_variables(extra: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """``extra`` as a dict, refusing DAGSEAL_* names and URLs with a password (both runtimes use it)."""
    pairs = extra.items() if isinstance(extra, Mapping) else extra
    checked: dict[str, str] = {}
    for key, value in pairs:
        if key.upper().startswith("DAGSEAL_"):
            raise DagsealError(f"refusing to pass {key} into a sandbox: dagseal settings stay on the host")
        if _CREDENTIAL_URL.match(value):
            raise DagsealError(f"refusing to pass {key} into a sandbox: its value is a URL with a password")
        checked[key] = value
    return checked


def sandbox_environment(extra: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> dict[str, str]:
    """Whitelisted host variables (PATH, HOME, LANG, LC_*, TZ, TMPDIR) + checked ``extra`` + PYTHONPATH."""
    env = {key: value for key, value in os.environ.items() if key in PASSED_THROUGH or key.startswith("LC_")}
    env.update(checked_variables(extra))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [dagseal_source_root(), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env
