"""The unit suite's guard (tests/unit/conftest.py) fails a test that reaches a service or a process."""

from __future__ import annotations

import os
import subprocess
import sys

import docker
import psycopg
import pytest
from sqlalchemy import create_engine


def test_postgresql_is_refused() -> None:
    with pytest.raises(AssertionError, match="connected to PostgreSQL"):
        psycopg.connect("postgresql://nobody@127.0.0.1:1/none")


def test_postgresql_through_sqlalchemy_is_refused() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(AssertionError, match="connected to PostgreSQL"):
        engine.connect()


def test_docker_clients_are_refused() -> None:
    with pytest.raises(AssertionError, match="opened a Docker engine client"):
        docker.DockerClient(base_url="unix:///nonexistent.sock")


def test_subprocesses_and_forks_are_refused() -> None:
    with pytest.raises(AssertionError, match="started a subprocess"):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    with pytest.raises(AssertionError, match="forked"):
        os.fork()


@pytest.mark.fresh_interpreter
def test_a_fresh_interpreter_may_start_python_and_nothing_else() -> None:
    done = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
    assert done.stdout == "42\n"
    with pytest.raises(AssertionError, match=r"started ./bin/true.; only .* is allowed"):
        subprocess.run(["/bin/true"], check=True)
