"""`python -m dagseal.sandbox --connect` against the host's protocol socket, without an engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dagseal.runtime.channel import ChannelClosed
from dagseal.runtime.docker_socket import ProtocolSocket
from dagseal.runtime.environment import sandbox_environment
from dagseal.sandbox.protocol import PROTOCOL_VERSION, encode


def never_exited() -> bool:
    return False


def test_a_local_sandbox_serves_over_the_socket(tmp_path: Path, protocol: ProtocolSocket) -> None:
    """`python -m dagseal.sandbox --connect` is what the containers run: hello, a parse, shutdown."""
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "one.py").write_text(
        "from dagseal import DAG, EmptyOperator\nprint('import-time print')\n"
        "with DAG('one'):\n    EmptyOperator(task_id='t')\n"
    )
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "dagseal.sandbox", "--connect", str(protocol.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=sandbox_environment(),
    )
    try:
        hello = json.loads(protocol.readline(30, never_exited))
        assert (hello["type"], hello["protocol_version"]) == ("hello", PROTOCOL_VERSION)
        assert not protocol.path.exists()  # one connection only: nothing can connect after the sandbox
        protocol.send_line(encode({"type": "parse", "id": 1, "dag_folder": str(folder), "file": "one.py"}))
        reply = json.loads(protocol.readline(30, never_exited))
        assert (reply["type"], reply["id"]) == ("parse_result", 1)
        assert [d["dag"]["dag_id"] for d in reply["dags"]] == ["one"]
        protocol.send_line(encode({"type": "shutdown", "id": 2}))
        with pytest.raises(ChannelClosed):
            protocol.readline(30, never_exited)
        stdout, stderr = sandbox.communicate(timeout=30)
    finally:
        sandbox.kill()
    assert sandbox.returncode == 0
    assert stdout == b""  # user output goes to stderr, never near the protocol
    assert b"import-time print" in stderr
