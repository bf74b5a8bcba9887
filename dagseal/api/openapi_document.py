"""The OpenAPI document of the API, without a database: for the committed copy (docs/openapi.json),
which a unit test compares with the app's, so every API change shows up in review.

``python -m dagseal.api.openapi_document > docs/openapi.json`` refreshes the copy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from dagseal.api.app import create_app
from dagseal.api.settings import ApiSettings
from dagseal.config import load_config
from dagseal.placement import Placement

DEFAULT_SETTINGS = ApiSettings(
    host="127.0.0.1",
    port=8080,
    workers=1,
    secret_key="unused",
    maximum_page_limit=100,
    fallback_page_limit=50,
    sql_alchemy_conn="sqlite://",
    base_log_folder="logs",
)
"""``[api]``'s defaults; the document does not depend on where the server listens or its DB."""


def detached_app() -> FastAPI:
    """The app with default settings and no database behind it (its document needs none)."""
    defaults = load_config(environ={}, cwd=Path("/"))  # no file, no environment: the defaults only
    return create_app(DEFAULT_SETTINGS, sessionmaker(), Placement.from_config(defaults))


def openapi_document() -> dict[str, Any]:
    return detached_app().openapi()


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
