"""Pools and backfills pages: the pool list with its slot counts, admin-only pool forms, a DAG's
backfills with their runs, and the create/pause/cancel forms (CSRF-checked, team rules)."""

from __future__ import annotations

from collections.abc import Callable

from api_client import csrf_of, post_form
from fastapi.testclient import TestClient

Client = Callable[[str], TestClient]
FROM, TO = "2026-10-01T00:00:00+00:00", "2026-10-02T00:00:00+00:00"


def test_admin_creates_edits_and_deletes_a_pool(browser_session: Client) -> None:
    admin = browser_session("admin")
    assert 'href="/pools"' in admin.get("/dags").text
    assert post_form(admin, "/pools", "/pools", name="gpu", slots="2", description="cards") == "/pools"
    html = admin.get("/pools").text
    assert '<tr data-pool="gpu">' in html and '<td class="open">2</td>' in html
    post_form(admin, "/pools/edit", "/pools", name="gpu", slots="-1", description="")
    assert '<td class="slots">unlimited</td>' in admin.get("/pools").text
    post_form(admin, "/pools/delete", "/pools", name="gpu")
    assert 'data-pool="gpu"' not in admin.get("/pools").text


def test_pool_form_refusal_names_the_field(browser_session: Client) -> None:
    admin = browser_session("admin")
    location = post_form(admin, "/pools", "/pools", name="p", slots="many")
    assert location.startswith("/pools?error=") and "slots" in location
    assert "default_pool cannot be deleted" in post_form(
        admin, "/pools/delete", "/pools", name="default_pool"
    )
    assert 'data-pool="p"' not in admin.get("/pools").text


def test_team_user_sees_pools_read_only(browser_session: Client) -> None:
    x = browser_session("x_op")
    html = x.get("/pools").text
    assert '<tr data-pool="default_pool">' in html and "New pool" not in html and "Edit" not in html
    refused = x.post("/pools", data={"csrf_token": csrf_of(x, "/pools"), "name": "p", "slots": "1"})
    assert refused.status_code == 403


def test_backfill_create_pause_and_cancel_through_forms(browser_session: Client, daily: str) -> None:
    x = browser_session("x_op")
    page = f"/dags/{daily}/backfills"
    assert (
        post_form(x, page, page, from_date=FROM, to_date=TO, max_active_runs="1", dag_run_conf="{}") == page
    )
    html = x.get(page).text
    assert '<span class="backfill-state">running</span>' in html
    assert html.count("backfill__2026-10-0") == 4  # two runs, each linked by id and text
    backfill_id = html.split('data-backfill-id="')[1].split('"')[0]
    post_form(x, f"{page}/{backfill_id}/pause", page)
    assert '<span class="backfill-state">paused</span>' in x.get(page).text
    post_form(x, f"{page}/{backfill_id}/cancel", page)
    html = x.get(page).text
    assert '<span class="backfill-state">completed</span>' in html and "state-failed" in html


def test_backfill_form_refusal_is_shown(browser_session: Client, daily: str) -> None:
    x = browser_session("x_op")
    page = f"/dags/{daily}/backfills"
    location = post_form(x, page, page, from_date="yesterday", to_date=TO)
    assert location.startswith(f"{page}?error=") and "from_date" in location
    assert "No backfills of this DAG." in x.get(page).text
    huge = x.post(f"{page}/{2**40}/pause", data={"csrf_token": csrf_of(x, page)})
    assert huge.status_code == 422 and "backfill_id" in huge.text


def test_other_team_and_viewer_on_backfill_pages(browser_session: Client, daily: str) -> None:
    page = f"/dags/{daily}/backfills"
    assert browser_session("y_op").get(page).status_code == 404
    viewer = browser_session("x_viewer")
    assert viewer.get(page).status_code == 200 and "New backfill" not in viewer.get(page).text
    refused = viewer.post(page, data={"csrf_token": csrf_of(viewer, page), "from_date": FROM, "to_date": TO})
    assert refused.status_code == 403
