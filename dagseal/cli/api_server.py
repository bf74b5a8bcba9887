"""``dagseal api-server``: the REST API and the web UI on uvicorn (``[api] host``, ``port``, ``workers``).

It reads the metadata DB and calls the host functions the CLI uses; it never imports DAG files
and never talks to the Docker engine (import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("api-server", help="serve the REST API (/api/v2) and the web UI")
    parser.add_argument("-H", "--host", help="address to bind (default: [api] host, 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, help="port (default: [api] port, 8080)")
    parser.add_argument("-w", "--workers", type=int, help="worker processes (default: [api] workers)")
    parser.set_defaults(handler=api_server_command)


def api_server_command(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from dagseal.api.settings import ApiSettings
    from dagseal.cli.common import open_database
    from dagseal.config import load_config

    environ = {"host": args.host, "port": args.port, "workers": args.workers}
    for key, value in environ.items():
        if value is not None:
            os.environ[f"DAGSEAL__API__{key.upper()}"] = str(value)  # workers re-read the config
    config = load_config()
    settings = ApiSettings.from_config(config)
    open_database(config)  # a missing or unmigrated DB fails here in one line, not in every worker
    print(
        f"dagseal api-server: http://{settings.host}:{settings.port}/ (API /api/v2, OpenAPI /openapi.json)",
        flush=True,
    )
    uvicorn.run(
        "dagseal.cli.api_server:app_from_config",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
    )
    return 0


def app_from_config() -> FastAPI:
    """The app for each uvicorn worker (``--factory``): settings and DB from the environment's config."""
    from dagseal.api.app import create_app
    from dagseal.api.settings import ApiSettings
    from dagseal.cli.common import open_database
    from dagseal.config import load_config
    from dagseal.placement import Placement

    config = load_config()
    return create_app(ApiSettings.from_config(config), open_database(config), Placement.from_config(config))
