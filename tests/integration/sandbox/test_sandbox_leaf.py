"""The sandbox is a leaf: importing it pulls in no host-side module, and it states its protocol."""

import subprocess
import sys

from dagseal.sandbox.protocol import PROTOCOL_VERSION

CHECK = """
import sys
import dagseal
import dagseal.sandbox.server, dagseal.sandbox.__main__
third_party = {"sqlalchemy", "alembic", "docker", "croniter", "yaml", "psycopg"}
host = ("dagseal.db", "dagseal.runtime", "dagseal.processor", "dagseal.scheduler",
        "dagseal.config", "dagseal.cli", "dagseal.callbacks", "dagseal.executor", "dagseal.deploy",
        "dagseal.placement", "dagseal.lifecycle")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in third_party or m.startswith(host))
print(",".join(heavy))
"""


def test_importing_the_sandbox_leaves_the_host_side_out() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_version_flag_prints_the_protocol() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dagseal.sandbox", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"dagseal-sandbox-protocol {PROTOCOL_VERSION}"


def test_malformed_request_gets_an_error_reply_and_the_loop_goes_on() -> None:
    requests = b'not json\n{"type":"launch","id":5}\n{"type":"shutdown","id":6}\n'
    done = subprocess.run(
        [sys.executable, "-m", "dagseal.sandbox"], input=requests, capture_output=True, check=True, timeout=60
    )
    lines = done.stdout.decode().splitlines()
    assert '"type":"hello"' in lines[0]
    assert '"type":"error"' in lines[1] and "not valid JSON" in lines[1]
    assert '"id":5' in lines[2] and "unknown message type 'launch'" in lines[2]
    assert len(lines) == 3
