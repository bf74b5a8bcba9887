"""The UI loads nothing from outside the repository: no CDN URL in a template or asset, and
FastAPI's CDN-backed /docs and /redoc pages are off."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from dagseal.api.openapi_document import detached_app

API_DIR = Path(__file__).resolve().parents[3] / "dagseal" / "api"
EXTERNAL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def test_templates_and_static_files_reference_no_other_host() -> None:
    files = [*(API_DIR / "templates").iterdir(), *(API_DIR / "static").iterdir()]
    assert len(files) > 5
    offenders = {f.name: EXTERNAL.findall(f.read_text()) for f in files if EXTERNAL.search(f.read_text())}
    assert offenders == {}


def test_cdn_backed_doc_pages_are_off() -> None:
    client = TestClient(detached_app())
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/static/dagseal.js").status_code == 200
