"""Where no supervisor answers: a parse refuses in the SDK (an import error), and a try run without
an answerer (``tasks test``) fails in one line; neither hangs."""

from __future__ import annotations

import io
from pathlib import Path

from dagseal.runtime.base import SandboxSpec
from dagseal.runtime.process import ProcessRuntime
from dagseal.sandbox.protocol import RunTaskRequest

SOURCE = """
from dagseal import DAG, Connection, task

if {at_parse}:
    Connection.get("warehouse")

with DAG("asks", schedule=None) as dag:
    @task
    def fetch() -> str:
        return Connection.get("warehouse").host

    fetch()
"""


def test_parse_time_fetch_is_an_import_error(tmp_path: Path) -> None:
    (tmp_path / "asks.py").write_text(SOURCE.format(at_parse=True))
    session = ProcessRuntime().start_warm_sandbox(SandboxSpec(dag_folder=str(tmp_path)))
    try:
        reply = session.request({"type": "parse", "file": "asks.py"}, timeout=30)
    finally:
        session.close()
    [error] = reply["import_errors"]
    assert error["message"].startswith(
        "asks.py:5: SupervisorRequestError: get_connection needs a running task"
    )


def test_a_try_nobody_answers_fails_in_one_line(tmp_path: Path) -> None:
    source = SOURCE.format(at_parse=False)
    request = RunTaskRequest(
        id=1,
        dag_folder=str(tmp_path),
        file="asks.py",
        source=source,
        dag_id="asks",
        task_id="fetch",
        run_id="r",
    )
    outcome = ProcessRuntime().run_task(
        SandboxSpec(dag_folder=str(tmp_path)), request, io.BytesIO(), 30, lambda _handle: None
    )
    assert outcome.state == "failed"
    assert outcome.error.endswith(
        "sent a 'get_connection' request, which nothing answers here "
        "(a parse, or `tasks test`: only supervised tries and callbacks get answers)"
    )
