"""Variables and connections pages: create, edit, delete through CSRF-checked forms, with the
API's team rules and without ever showing a password."""

from __future__ import annotations

from collections.abc import Callable

from api_client import csrf_of
from fastapi.testclient import TestClient

Client = Callable[[str], TestClient]
PASSWORD = "ui-pa55word-xyz"


def _post(client: TestClient, url: str, page: str, **form: str) -> str:
    response = client.post(url, data={"csrf_token": csrf_of(client, page), **form})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_variable_create_edit_delete_through_forms(browser_session: Client) -> None:
    x = browser_session("x_op")
    assert 'href="/variables"' in x.get("/dags").text
    assert _post(x, "/variables", "/variables", key="limit", value="5", description="d") == "/variables"
    html = x.get("/variables").text
    assert 'data-key="limit" data-team="team_x"' in html and "<td>5</td>" in html
    _post(x, "/variables/edit", "/variables", name="limit", team="team_x", value="9", description="")
    assert "<td>9</td>" in x.get("/variables").text
    _post(x, "/variables/delete", "/variables", name="limit", team="team_x")
    assert 'data-key="limit"' not in x.get("/variables").text


def test_variable_form_refusal_is_shown_and_nothing_written(browser_session: Client) -> None:
    x = browser_session("x_op")
    location = _post(x, "/variables", "/variables", key="", value="v")
    assert location.startswith("/variables?error=") and "key" in location
    assert "No variables." in x.get("/variables").text


def test_connection_form_never_shows_the_password(browser_session: Client) -> None:
    x = browser_session("x_op")
    _post(
        x,
        "/connections",
        "/connections",
        connection_id="src",
        conn_type="postgres",
        host="db",
        port="5432",
        password=PASSWORD,
        extra='{"token": "tok-abcdef", "sslmode": "require"}',
    )
    listing = x.get("/connections").text
    edit = x.get("/connections/edit", params={"name": "src", "team": "team_x"}).text
    assert 'data-connection-id="src"' in listing and "stored: leave blank to keep" in edit
    for html in (listing, edit):
        assert PASSWORD not in html and "tok-abcdef" not in html
    form = dict(conn_type="postgres", host="db2", port="5432", password="", extra='{"token": "***"}')
    _post(x, "/connections/edit", "/connections", name="src", team="team_x", **form)
    api_view = x.get("/api/v2/connections/src").json()
    assert api_view["host"] == "db2" and api_view["has_password"] is True


def test_bad_uri_free_form_and_bad_port_are_refused_by_name(browser_session: Client) -> None:
    x = browser_session("x_op")
    location = _post(x, "/connections", "/connections", connection_id="c", conn_type="http", port="http")
    assert "error=" in location and "port" in location
    assert "No connections." in x.get("/connections").text


def test_forms_need_csrf_and_viewers_cannot_write(browser_session: Client) -> None:
    x = browser_session("x_op")
    assert x.post("/variables", data={"key": "k", "value": "v"}).status_code == 403
    viewer = browser_session("x_viewer")
    assert "New variable" not in viewer.get("/variables").text
    refused = viewer.post(
        "/variables", data={"csrf_token": csrf_of(viewer, "/variables"), "key": "k", "value": "v"}
    )
    assert refused.status_code == 403
    assert "No variables." in x.get("/variables").text


def test_another_teams_row_is_404_on_its_edit_page(browser_session: Client) -> None:
    admin = browser_session("admin")
    _post(admin, "/variables", "/variables", key="y_only", value="v", team="team_y")
    assert (
        browser_session("x_op")
        .get("/variables/edit", params={"name": "y_only", "team": "team_y"})
        .status_code
        == 404
    )
    assert 'data-key="y_only"' not in browser_session("x_op").get("/variables").text
