"""A task try's page: every try with its sensor pokes (``task_reschedule``) and rendered template
fields (``rendered_task_instance_fields``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from api_seed import T0
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import RenderedTaskInstanceFieldsModel, TaskInstanceModel, TaskRescheduleModel
from dagseal.db.session import session_scope

Client = Callable[[str], TestClient]
LOAD_PAGE = "/dags/x_etl/runs/run_new/tasks/load"


def _load_ti(session: Session) -> TaskInstanceModel:
    ti = session.scalar(
        select(TaskInstanceModel).where(
            TaskInstanceModel.run_id == "run_new", TaskInstanceModel.task_id == "load"
        )
    )
    assert ti is not None
    return ti


def test_each_try_shows_its_pokes_and_rendered_fields(
    browser_session: Client, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        ti = _load_ti(session)
        ti.try_number = 2
        for minute in (1, 6):
            start = T0 + timedelta(minutes=minute)
            session.add(
                TaskRescheduleModel(
                    ti_id=ti.id,
                    try_number=2,
                    start_date=start,
                    end_date=start + timedelta(seconds=2),
                    duration=2.0,
                    reschedule_date=start + timedelta(minutes=5),
                )
            )
        session.add_all(
            [
                RenderedTaskInstanceFieldsModel(
                    ti_id=ti.id, try_number=1, rendered_fields={"bash_command": "echo first"}
                ),
                RenderedTaskInstanceFieldsModel(
                    ti_id=ti.id,
                    try_number=2,
                    rendered_fields={"bash_command": "echo 2026-11-01", "env": {"A": "1"}},
                ),
            ]
        )
    html = browser_session("x_op").get(LOAD_PAGE).text
    latest, earlier = html.split('<section class="try" data-try="2">')[1].split(
        '<section class="try" data-try="1">'
    )
    assert "(latest)" in latest and "state-running" in latest
    assert latest.count("<tr><td><time") == 2 and "2026-11-01 00:06:00" in latest and "2.0" in latest
    assert "echo 2026-11-01" in latest and '{"A": "1"}' in latest
    assert "echo first" in earlier and "echo 2026-11-01" not in earlier
    assert "not its own state" in earlier and 'class="pokes"' not in earlier


def test_a_try_without_pokes_or_rendered_fields_shows_neither(browser_session: Client) -> None:
    html = browser_session("x_op").get(LOAD_PAGE).text
    assert '<section class="try" data-try="1">' in html
    assert 'class="pokes"' not in html and 'class="rendered-fields"' not in html


def test_a_task_that_never_ran_has_no_tries(browser_session: Client) -> None:
    html = browser_session("x_op").get("/dags/x_etl/runs/run_new/tasks/report").text
    assert '<section class="try"' not in html and "No try has started yet." in html
