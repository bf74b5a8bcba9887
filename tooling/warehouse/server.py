"""A stand-in "warehouse": a tiny HTTP table store with Basic auth, for the egress test and demo.

Stdlib only, so it runs on any dagseal Python image. Rows live in memory (and in
``--data FILE`` as JSON lines, when given, so the demo can show them after the run).

    POST /tables/<name>/rows   body: a JSON list of objects → {"inserted": n}
    GET  /tables/<name>/rows   → the rows

Credentials come from ``WAREHOUSE_USER`` / ``WAREHOUSE_PASSWORD``; anything else gets 401.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TABLES: dict[str, list[object]] = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    data_file: str | None = None

    def _authorized(self) -> bool:
        expected = f"{os.environ['WAREHOUSE_USER']}:{os.environ['WAREHOUSE_PASSWORD']}"
        header = self.headers.get("Authorization", "")
        given = base64.b64decode(header[6:]).decode(errors="replace") if header.startswith("Basic ") else ""
        return hmac.compare_digest(given.encode(), expected.encode())

    def _table(self) -> str | None:
        parts = self.path.strip("/").split("/")
        return parts[1] if len(parts) == 3 and parts[0] == "tables" and parts[2] == "rows" else None

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        table = self._table()
        if not self._authorized():
            return self._reply(401, {"error": "bad credentials"})
        if table is None:
            return self._reply(404, {"error": "use /tables/<name>/rows"})
        with LOCK:
            return self._reply(200, TABLES.get(table, []))

    def do_POST(self) -> None:
        table = self._table()
        if not self._authorized():
            return self._reply(401, {"error": "bad credentials"})
        if table is None:
            return self._reply(404, {"error": "use /tables/<name>/rows"})
        rows = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"[]")
        if not isinstance(rows, list):
            return self._reply(400, {"error": "expected a JSON list of rows"})
        with LOCK:
            TABLES.setdefault(table, []).extend(rows)
            if self.data_file:
                with open(self.data_file, "a", encoding="utf-8") as out:
                    out.writelines(json.dumps({"table": table, "row": row}) + "\n" for row in rows)
        return self._reply(200, {"inserted": len(rows)})

    def log_message(self, format: str, *args: object) -> None:  # one line per request, no auth header
        print(f"warehouse: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data", help="also append inserted rows to this JSON-lines file")
    args = parser.parse_args()
    Handler.data_file = args.data
    server = ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    print(f"warehouse: listening on port {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
