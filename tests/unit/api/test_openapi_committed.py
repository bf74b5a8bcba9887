"""docs/openapi.json is the app's OpenAPI document, so API changes are visible in review."""

from __future__ import annotations

import json
from pathlib import Path

from dagseal.api.openapi_document import render

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def test_committed_openapi_matches_the_app() -> None:
    assert COMMITTED.read_text() == render(), (
        "the API changed: run `python -m dagseal.api.openapi_document > docs/openapi.json` and commit it"
    )


def test_document_has_the_airflow_shaped_paths() -> None:
    paths = set(json.loads(render())["paths"])
    assert {
        "/api/v2/dags",
        "/api/v2/dags/{dag_id}",
        "/api/v2/dags/{dag_id}/dagRuns",
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/clear",
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
        "/api/v2/dags/{dag_id}/clearTaskInstances",
        "/api/v2/dags/{dag_id}/dagVersions",
        "/api/v2/importErrors",
        "/api/v2/deployments/rollback",
    } <= paths
    assert not any(path.startswith("/dags") for path in paths), "UI pages stay out of the API document"
