"""``dagseal tasks render``: a try's template fields as recorded by record_rendered_fields."""

from __future__ import annotations

from datetime import UTC, datetime

from dagseal.db.models import TaskInstanceModel
from dagseal.db.rendered_fields import record_rendered_fields
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dagrun_creation import trigger_dag
from tests.unit.cli.test_cli_commands import _store_dag


def test_tasks_render_shows_each_try_and_refuses_what_is_missing(cli_db, session_factory) -> None:
    _store_dag(session_factory)
    with session_scope(session_factory) as session:
        when = datetime(2026, 1, 1, tzinfo=UTC)
        run = trigger_dag(session, "team_x.etl", {}, when, Placement(PlacementSettings()), run_id="r1")
        session.flush()
        ti = TaskInstanceModel(
            dag_run_id=run.id, dag_id=run.dag_id, run_id="r1", task_id="extract", try_number=2, max_tries=1
        )
        session.add(ti)
        session.flush()
        record_rendered_fields(session, ti.id, 1, {"bash_command": "echo 2026-01-01", "env": {"X": "1"}})
        record_rendered_fields(session, ti.id, 2, {"bash_command": "echo again"})
        record_rendered_fields(session, ti.id, 3, {})  # no templates: nothing stored
    code, out, _ = cli_db("tasks", "render", "team_x.etl", "extract", "r1", "--try", "1")
    assert code == 0
    assert out == '# bash_command\necho 2026-01-01\n\n# env\n{\n  "X": "1"\n}\n\n'
    code, out, _ = cli_db("tasks", "render", "team_x.etl", "extract", "r1")
    assert (code, out) == (0, "# bash_command\necho again\n\n")
    code, _, err = cli_db("tasks", "render", "team_x.etl", "extract", "r1", "--try", "3")
    assert code != 0 and "team_x.etl.extract has tries 1..2, not 3" in err
    code, _, err = cli_db("tasks", "render", "team_x.etl", "load", "r1")
    assert code != 0 and "no task instance team_x.etl.load in run 'r1'" in err
