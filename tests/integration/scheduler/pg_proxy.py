"""A TCP port for the suite's PostgreSQL that a test can close and reopen, or put on another host.

It forwards to the server's Unix socket (``tooling/start_postgres.sh`` keeps it in
``$DAGSEAL_PG_DIR``), so stopping the proxy cuts every connection through it — the database
"restarts" for its clients while the shared server, which other tests use, keeps running.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import URL

PG_SOCKET_DIR = os.environ.get("DAGSEAL_PG_DIR", "/var/tmp/dagseal-pg")

_PROXY = """
import asyncio, sys

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()

async def serve(client_reader, client_writer):
    reader, writer = await asyncio.open_unix_connection(sys.argv[3])
    await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer), return_exceptions=True)

async def main():
    server = await asyncio.start_server(serve, sys.argv[1], int(sys.argv[2]), reuse_address=True)
    print("ready", flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


class PgProxy:
    """Listens on ``host:port`` (under ``wrap``, e.g. ``nsenter --net=...``) for the server of ``url``."""

    def __init__(self, url: URL, host: str, port: int, wrap: tuple[str, ...] = ()) -> None:
        self.socket = Path(PG_SOCKET_DIR) / f".s.PGSQL.{url.port}"
        self.url = url.set(host=host, port=port)
        self._command = [*wrap, sys.executable, "-c", _PROXY, host, str(port), str(self.socket)]
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        if self._process.stdout.readline() != "ready\n":
            raise AssertionError(f"the PostgreSQL proxy did not start: {self._command}")

    def stop(self) -> None:
        """Close the port and every connection through it."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
