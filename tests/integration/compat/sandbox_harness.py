"""Write a DAG file into a temporary DAG folder, parse it and run its tasks in-process,
exactly as the sandbox does (same parse_file / run_task functions the server calls)."""

import json
import textwrap
from pathlib import Path
from typing import Any

from dagseal.sandbox.parse import parse_file
from dagseal.sandbox.protocol import ParseRequest, ParseResult, RunTaskRequest, TaskResult
from dagseal.sandbox.run_task import run_task


class DagFolder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, source: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return path

    def parse(self, file: str) -> ParseResult:
        return parse_file(ParseRequest(id=1, dag_folder=str(self.root), file=file))

    def dag(self, file: str, dag_id: str) -> dict[str, Any]:
        result = self.parse(file)
        assert not result.import_errors, result.import_errors[0].message
        found = {envelope["dag"]["dag_id"]: envelope["dag"] for envelope in result.dags}
        return found[dag_id]

    def run(self, file: str, dag_id: str, task_id: str, **request: Any) -> TaskResult:
        source = (self.root / file).read_text()
        defaults: dict[str, Any] = {
            "run_id": "manual__2024-01-02T03:04:05+00:00",
            "logical_date": "2024-01-02T03:04:05+00:00",
            "data_interval_start": "2024-01-01T03:04:05+00:00",
            "data_interval_end": "2024-01-02T03:04:05+00:00",
        }
        payload = {**defaults, **request}
        json.dumps(payload)  # requests travel as JSON: keep the test honest
        return run_task(
            RunTaskRequest(
                id=1,
                dag_folder=str(self.root),
                file=file,
                source=source,
                dag_id=dag_id,
                task_id=task_id,
                **payload,
            )
        )
