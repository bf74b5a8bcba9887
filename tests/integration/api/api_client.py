"""Helpers for driving the UI with a test client."""

from __future__ import annotations

from fastapi.testclient import TestClient


def csrf_of(client: TestClient, page: str = "/login") -> str:
    """The CSRF token the page carries in its meta tag (the session's)."""
    html = client.get(page).text
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
