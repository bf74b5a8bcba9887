"""Processor fixtures: a DAG folder in tmp_path and a manager over it with a real ProcessRuntime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from processor_helpers import PARSE_TIMEOUT, MakeManager
from sqlalchemy.orm import Session, sessionmaker

from dagseal.placement.parse_sandboxes import FixedSandbox
from dagseal.processor import DagProcessorManager, ProcessorSettings
from dagseal.processor.policy import DagPolicy
from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime


@pytest.fixture
def dag_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "team_a"
    folder.mkdir()
    return folder


@pytest.fixture
def make_manager(session_factory: sessionmaker[Session]) -> Iterator[MakeManager]:
    """Managers entered for the test (job row started) and exited after it."""
    opened: list[DagProcessorManager] = []

    def make(
        folder: Path,
        policy: DagPolicy | None = None,
        parse_timeout: float = PARSE_TIMEOUT,
        **settings: object,
    ) -> DagProcessorManager:
        values: dict[str, object] = {
            "parsing_processes": 2,
            "min_file_process_interval": 0.0,
            "dag_dir_list_interval": 0.0,
            "loop_sleep": 0.0,
            **settings,
        }
        spec = SandboxSpec(dag_folder=str(folder.resolve()), parse_timeout=parse_timeout)
        manager = DagProcessorManager(
            folder,
            session_factory=session_factory,
            runtime=ProcessRuntime(),
            sandboxes=FixedSandbox(spec),
            settings=ProcessorSettings(**values),  # type: ignore[arg-type]
            policy=policy,
        )
        manager.__enter__()
        opened.append(manager)
        return manager

    yield make
    for manager in opened:
        manager.__exit__(None, None, None)
