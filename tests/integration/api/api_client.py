"""Helpers for driving the UI with a test client."""

from __future__ import annotations

from urllib.parse import unquote

from fastapi.testclient import TestClient


def csrf_of(client: TestClient, page: str = "/login") -> str:
    """The CSRF token the page carries in its meta tag (the session's)."""
    html = client.get(page).text
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def post_form(client: TestClient, url: str, page: str, **form: str) -> str:
    """Post a form with ``page``'s CSRF token; the 303's target (with any ``error=`` unquoted)."""
    response = client.post(url, data={"csrf_token": csrf_of(client, page), **form})
    assert response.status_code == 303, response.text
    return unquote(response.headers["location"])
