"""The unit suite needs no service and starts no sandbox: SQLite only, and a guard that fails any
test reaching for PostgreSQL, the Docker engine, a subprocess or a fork.

The PostgreSQL side of the DB code (migrations, conditional updates, SKIP LOCKED claims) runs in
tests/integration. A test that must check something in a fresh interpreter (an import-isolation
check, a hash seed, an ``os._exit`` hook) says so with ``@pytest.mark.fresh_interpreter``; it may
then start ``sys.executable`` and nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import docker.api.client
import psycopg
import pytest


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty SQLite database (not migrated): the unit suite's only backend."""
    yield f"sqlite:///{tmp_path / 'dagseal.db'}"


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(f"a unit test {what}: move it to tests/integration/<area>/")

    return refuse


class _InterpreterOnly(subprocess.Popen):  # type: ignore[type-arg]
    """``subprocess.Popen`` that starts ``sys.executable`` only (for ``fresh_interpreter`` tests)."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        program = args[0] if isinstance(args, list | tuple) else args
        if program != sys.executable:
            raise AssertionError(f"a unit test started {program!r}; only {sys.executable} is allowed")
        super().__init__(args, *rest, **kwargs)


@pytest.fixture(autouse=True)
def _no_services(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make PostgreSQL, the Docker engine, subprocesses and forks fail the unit test that reaches them."""
    monkeypatch.setattr(psycopg, "connect", _refuse("connected to PostgreSQL"))
    monkeypatch.setattr(psycopg.Connection, "connect", _refuse("connected to PostgreSQL"))
    monkeypatch.setattr(docker.api.client.APIClient, "__init__", _refuse("opened a Docker engine client"))
    monkeypatch.setattr(os, "fork", _refuse("forked"))
    if request.node.get_closest_marker("fresh_interpreter"):
        monkeypatch.setattr(subprocess, "Popen", _InterpreterOnly)
    else:
        monkeypatch.setattr(subprocess, "Popen", _refuse("started a subprocess (a sandbox?)"))
