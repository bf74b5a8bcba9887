"""The UI in headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a live
``dagseal standalone``: log in, DAG list, trigger with params, grid, graph, a log growing while its
task runs, a version diff after the DAG file changes, a rollback as admin, a pool made through its
form, and team isolation.

Screenshots go to ``$DAGSEAL_SCREENSHOTS`` (default ``artifacts/screenshots``); the test prints it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_stack import ETL_V2, PASSWORD, REPO_ROOT, LiveStack

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.timeout(600)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("DAGSEAL_SCREENSHOTS", REPO_ROOT / "artifacts" / "screenshots"))
DAG = "team_x.ui_etl"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    from deploy_images import TEST_LABEL  # noqa: F401 - the images carry the test label

    registry = os.environ.get("DAGSEAL_TEST_REGISTRY", "127.0.0.1:5000")
    live = LiveStack(tmp_path_factory.mktemp("ui"), registry, f"dagseal-test/{uuid.uuid4().hex[:12]}")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run tooling/setup.sh (it installs Debian's chromium)", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    with sync_playwright() as playwright:
        # Playwright gives each launch a fresh --user-data-dir and runs it --headless.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _login(browser, stack: LiveStack, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{stack.url}/dags")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dags")
    return page


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _reload_until(page, selector: str, timeout_s: float = 90) -> None:
    """Reload until ``selector`` shows up (the processor or scheduler is still working)."""
    for _ in range(int(timeout_s * 2)):
        if page.locator(selector).count():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError(f"{selector} never appeared on {page.url}")


def test_admin_tour(stack: LiveStack, browser) -> None:
    page = _login(browser, stack, "admin", stack.admin_password)
    _reload_until(page, f'tr[data-dag-id="{DAG}"]')
    _reload_until(page, 'tr[data-dag-id="team_y.other"]')
    row = page.locator(f'tr[data-dag-id="{DAG}"]')
    assert "team_x" in row.inner_text()
    assert "sha256:" in row.inner_text()  # the current deployment's image digest
    _shot(page, "dag_list")

    # Trigger through the form generated from the params.
    page.click(f'tr[data-dag-id="{DAG}"] >> text=Trigger')
    page.fill('input[data-param="rows"]', "7")
    assert '"rows": 7' in page.input_value("#conf")
    _shot(page, "trigger_form")
    page.click("#trigger-form button[type=submit]")
    page.wait_for_url(f"**/dags/{DAG}/grid**")
    assert page.locator("table.grid").count() == 1

    # Wait for the slow task to run, then watch its log grow in the viewer.
    _reload_until(page, 'a.cell.state-running[title^="slow"]')
    _shot(page, "grid")
    page.click('a.cell.state-running[title^="slow"]')
    page.wait_for_function("document.getElementById('log').textContent.includes('tick')")
    first = page.eval_on_selector("#log", "e => e.textContent.split('\\n').filter(Boolean).length")
    page.wait_for_function(
        f"document.getElementById('log').textContent.split('\\n').filter(Boolean).length > {first}"
    )
    _shot(page, "task_log")

    # The run's page names its version and image.
    page.click("h1 >> a >> nth=1")
    assert "dag_hash" in page.inner_text("dl.details") and "sha256:" in page.inner_text("dl.details")
    assert '"rows": 7' in page.inner_text("dl.details")

    page.goto(f"{stack.url}/dags/{DAG}/graph")
    assert page.locator("svg.dag-graph g.node").count() == 3
    _shot(page, "graph")

    # Change the DAG: a new version appears, and the diff names the added task and edge.
    stack.etl.write_text(ETL_V2)
    page.goto(f"{stack.url}/dags/{DAG}/versions")
    _reload_until(page, "#version-diff-form select[name=older] option >> nth=1")
    page.click("#version-diff-form button[type=submit]")
    diff = page.inner_text("#version-diff")
    assert "Tasks added: report" in diff and "load → report" in diff
    _shot(page, "version_diff")
    page.goto(f"{stack.url}/dags/{DAG}/graph")
    assert page.locator("svg.dag-graph g.node").count() == 4

    # Roll back to the first deployment.
    page.goto(f"{stack.url}/deployments")
    assert page.locator('tr[data-deployment-id="2"].current').count() == 1
    page.click('tr[data-deployment-id="1"] button')
    page.wait_for_url("**/deployments")
    assert page.locator('tr[data-deployment-id="1"].current').count() == 1
    _shot(page, "deployments")

    # Pools: create one through the form and see its slots.
    page.goto(f"{stack.url}/pools")
    page.fill("input[name=name]", "gpu")
    page.fill("input[name=slots]", "2")
    page.click("text=Create")
    page.wait_for_url("**/pools")
    assert page.locator('tr[data-pool="gpu"] td.open').inner_text() == "2"
    assert page.locator('tr[data-pool="default_pool"]').count() == 1
    _shot(page, "pools")


def test_team_isolation_in_the_browser(stack: LiveStack, browser) -> None:
    page = _login(browser, stack, "y_op", PASSWORD)
    _reload_until(page, 'tr[data-dag-id="team_y.other"]')
    assert page.locator(f'tr[data-dag-id="{DAG}"]').count() == 0
    response = page.goto(f"{stack.url}/dags/{DAG}/grid")
    assert response.status == 404
    x_page = _login(browser, stack, "x_op", PASSWORD)
    assert x_page.locator(f'tr[data-dag-id="{DAG}"]').count() == 1
    assert x_page.locator('tr[data-dag-id="team_y.other"]').count() == 0


def test_copy_screenshots_for_the_readme() -> None:
    """With DAGSEAL_UPDATE_DOCS_SCREENSHOTS=1, refresh docs/screenshots/ from this run's shots."""
    if os.environ.get("DAGSEAL_UPDATE_DOCS_SCREENSHOTS") != "1":
        return
    for name in ("grid", "graph", "version_diff", "task_log"):
        shutil.copy(SCREENSHOTS / f"{name}.png", REPO_ROOT / "docs" / "screenshots" / f"{name}.png")
