"""The CLI groups this package owns, run in-process against real databases."""

from __future__ import annotations

import json

import pytest

from dagseal.db.models import DagModel, ImportErrorModel, SerializedDagModel
from dagseal.db.session import head_revision, session_scope
from dagseal.serialization.dags import dag_envelope, dag_hash
from dagseal.serialization.schema import ScheduleSpec, SerializedDag, SerializedTask


def _task(task_id: str, upstream: list[str], downstream: list[str]) -> SerializedTask:
    return SerializedTask(
        task_id=task_id,
        operator="PythonOperator",
        upstream_task_ids=upstream,
        downstream_task_ids=downstream,
        trigger_rule="all_success",
        retries=2,
    )


def _store_dag(session_factory) -> str:
    serialized = SerializedDag(
        dag_id="team_x.etl",
        fileloc="etl.py",
        source_digest="0" * 64,
        schedule=ScheduleSpec(kind="cron", cron="0 0 * * *"),
        tasks=[_task("extract", [], ["load"]), _task("load", ["extract"], [])],
    )
    digest = dag_hash(serialized)
    with session_scope(session_factory) as session:
        session.add(
            SerializedDagModel(
                dag_hash=digest,
                dag_id="team_x.etl",
                processor_subdir="dag_repos/team_x",
                data=json.dumps(dag_envelope(serialized)),
                source_digest="0" * 64,
            )
        )
        session.add(
            DagModel(
                dag_id="team_x.etl",
                fileloc="/repo/dag_repos/team_x/etl.py",
                relative_fileloc="etl.py",
                processor_subdir="dag_repos/team_x",
                latest_dag_hash=digest,
            )
        )
    return digest


def test_db_migrate_is_idempotent_and_reset_needs_yes(cli, db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", db_url)
    assert cli("db", "migrate")[0] == 0
    code, out, _ = cli("db", "migrate")
    assert code == 0
    assert f"revision {head_revision()}" in out
    code, _, err = cli("db", "reset")
    assert (code, err.count("\n")) == (1, 1)
    assert "add --yes" in err
    assert cli("db", "reset", "--yes")[0] == 0


def test_unmigrated_database_is_one_line(cli, db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", db_url)
    code, out, err = cli("dags", "list")
    assert code == 1
    assert out == ""
    assert err.startswith("dagseal: error: database ")
    assert err.rstrip().endswith("run `dagseal db migrate`")
    assert err.count("\n") == 1


def test_dag_processor_refuses_zero_parsing_processes(cli_db) -> None:
    """``-P 0`` is an error, not a silent fall-back to [scheduler] parsing_processes."""
    code, out, err = cli_db("dag-processor", "-P", "0", "--num-runs", "1")
    assert (code, out, err) == (1, "", "dagseal: error: --parsing-processes must be at least 1\n")


def test_verbose_shows_the_traceback(cli, db_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", db_url)
    code, _, err = cli("--verbose", "dags", "list")
    assert code == 1
    assert "Traceback" in err


def test_config_list_shows_sources_and_masks_passwords(cli, monkeypatch, tmp_path) -> None:
    cfg = tmp_path / "site.cfg"
    cfg.write_text("[core]\nparallelism = 3\n", encoding="utf-8")
    monkeypatch.setenv("DAGSEAL_CONFIG", str(cfg))
    monkeypatch.setenv(
        "DAGSEAL__CORE__SQL_ALCHEMY_CONN", "postgresql+psycopg://dagseal:s3cret@db:5432/dagseal"
    )
    code, out, _ = cli("config", "list")
    assert code == 0
    assert "s3cret" not in out
    lines = {tuple(line.split()[:2]): line.split() for line in out.splitlines()[2:]}
    assert lines[("core", "parallelism")][2:] == ["3", str(cfg)]
    assert lines[("core", "sql_alchemy_conn")][2:] == [
        "postgresql+psycopg://dagseal:***@db:5432/dagseal",
        "env",
        "DAGSEAL__CORE__SQL_ALCHEMY_CONN",
    ]
    assert lines[("logging", "base_log_folder")][2:] == ["logs", "default"]


def test_bad_config_is_one_line(cli, monkeypatch) -> None:
    monkeypatch.setenv("DAGSEAL_CONFIG", "/nonexistent.cfg")
    code, _, err = cli("config", "list")
    assert (code, err) == (
        1,
        "dagseal: error: DAGSEAL_CONFIG points to /nonexistent.cfg, which is not a readable file\n",
    )


def test_dags_list_show_pause(cli_db, session_factory) -> None:
    digest = _store_dag(session_factory)
    code, out, _ = cli_db("dags", "list")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["DAG_ID", "SUBDIR", "HASH", "ACTIVE", "PAUSED", "LAST", "PARSED"]
    assert row.split() == ["team_x.etl", "dag_repos/team_x", digest[:12], "yes", "no", "-"]

    code, out, _ = cli_db("dags", "show", "team_x.etl")
    assert code == 0
    assert digest in out
    assert "cron 0 0 * * *" in out
    assert ["extract", "load"] in [line.split() for line in out.splitlines()]

    assert cli_db("dags", "pause", "team_x.etl")[0] == 0
    assert cli_db("dags", "list")[1].splitlines()[1].split()[4] == "yes"
    assert cli_db("dags", "unpause", "team_x.etl")[0] == 0
    code, _, err = cli_db("dags", "pause", "nope")
    assert (code, err) == (
        1,
        "dagseal: error: no DAG with id 'nope' in the database (see `dagseal dags list`)\n",
    )


def test_callbacks_enqueue_and_list(cli_db, session_factory) -> None:
    _store_dag(session_factory)
    assert cli_db("callbacks", "list")[1] == "no callback requests\n"
    code, out, _ = cli_db(
        "callbacks",
        "enqueue",
        "--type",
        "TaskCallback",
        "--dag-id",
        "team_x.etl",
        "--task-id",
        "load",
        "--subdir",
        "dag_repos/team_x",
        "--priority",
        "5",
        "--msg",
        "boom",
    )
    assert (code, out) == (0, "queued TaskCallback for team_x.etl in dag_repos/team_x (priority 5)\n")
    code, out, _ = cli_db("callbacks", "list", "--subdir", "dag_repos/team_x")
    assert out.splitlines()[1].split()[:6] == [
        "1",
        "TaskCallback",
        "team_x.etl",
        "load",
        "dag_repos/team_x",
        "5",
    ]
    code, _, err = cli_db(
        "callbacks",
        "enqueue",
        "--type",
        "TaskCallback",
        "--dag-id",
        "team_x.etl",
        "--subdir",
        "dag_repos/team_x",
    )
    assert (code, err) == (1, "dagseal: error: a TaskCallback needs --task-id\n")
    code, _, err = cli_db(
        "callbacks", "enqueue", "--type", "DagCallback", "--dag-id", "unknown", "--subdir", "s"
    )
    assert code == 1
    assert "pass --file" in err


def test_import_errors_list(cli_db, session_factory) -> None:
    assert cli_db("import-errors", "list")[1] == "no import errors\n"
    with session_scope(session_factory) as session:
        session.add(
            ImportErrorModel(
                filename="broken.py",
                processor_subdir="dag_repos/team_y",
                stacktrace='Traceback (most recent call last):\n  File "broken.py"\n'
                "SyntaxError: invalid syntax\n",
            )
        )
    code, out, _ = cli_db("import-errors", "list")
    assert code == 0
    assert out.splitlines()[1].split()[:2] == ["broken.py", "dag_repos/team_y"]
    assert out.splitlines()[1].endswith("SyntaxError: invalid syntax")


def test_runs_and_tasks_list_show_the_short_image_digest_and_ids_for_scripts(cli_db, session_factory) -> None:
    from datetime import UTC, datetime, timedelta

    from dagseal.db.models import TaskInstanceModel
    from dagseal.placement import Placement, PlacementSettings
    from dagseal.scheduler.dagrun_creation import trigger_dag

    _store_dag(session_factory)
    image = "sha256:" + "ab" * 32
    with session_scope(session_factory) as session:
        first = datetime(2026, 1, 1, tzinfo=UTC)
        for number, when in enumerate((first, first + timedelta(hours=1)), start=1):
            run = trigger_dag(
                session, "team_x.etl", {}, when, Placement(PlacementSettings()), run_id=f"r{number}"
            )
            run.image_digest = image
            session.flush()
            session.add(
                TaskInstanceModel(
                    dag_run_id=run.id,
                    dag_id=run.dag_id,
                    run_id=run.run_id,
                    task_id="extract",
                    try_number=1,
                    max_tries=0,
                    image_digest=image,
                )
            )
    code, out, _ = cli_db("runs", "list", "--dag", "team_x.etl", "--format", "ids")
    assert (code, out) == (0, "r2\nr1\n")
    code, out, _ = cli_db("runs", "list")
    assert code == 0 and "sha256:abababababab " in out and image not in out
    code, out, _ = cli_db("tasks", "list", "r1")
    assert code == 0 and "sha256:abababababab " in out and image not in out


def test_dags_trigger_logical_date_sets_the_run_and_its_interval(cli_db, session_factory) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from dagseal.db.models import DagRunModel

    _store_dag(session_factory)
    code, out, _ = cli_db("dags", "trigger", "team_x.etl", "--logical-date", "2026-01-05T03:00:00-05:00")
    assert code == 0 and "manual__2026-01-05T08:00:00+00:00" in out
    with session_scope(session_factory) as session:
        run = session.scalars(select(DagRunModel)).one()
        moment = datetime(2026, 1, 5, 8, tzinfo=UTC)
        assert (run.logical_date, run.data_interval_start, run.data_interval_end) == (moment, moment, moment)


def test_dags_trigger_rejects_a_bad_logical_date_by_name(cli_db, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_db("dags", "trigger", "team_x.etl", "--logical-date", "last tuesday")
    assert exit_info.value.code == 2
    assert "--logical-date: 'last tuesday' is not an ISO-8601 date or datetime" in capsys.readouterr().err


def test_backfill_create_dry_run_list_and_cancel(cli_db, session_factory) -> None:
    from sqlalchemy import func, select

    from dagseal.db.models import BackfillModel, DagRunModel

    _store_dag(session_factory)
    window = ("--dag-id", "team_x.etl", "--from-date", "2026-01-01", "--to-date", "2026-01-03")
    code, out, _ = cli_db("backfill", "create", *window, "--dry-run")
    assert code == 0 and "3 run(s) would be queued, nothing changed" in out
    assert "2026-01-03 00:00:00" in out
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DagRunModel)) == 0
    code, out, _ = cli_db(
        "backfill", "create", *window, "--max-active-runs", "2", "--dag-run-conf", '{"a": 1}'
    )
    assert code == 0 and "3 run(s) queued, 2 at a time" in out
    with session_scope(session_factory) as session:
        backfill_id = session.scalar(select(BackfillModel.id))
    code, out, _ = cli_db("backfill", "list")
    assert code == 0 and out.splitlines()[1].split()[:2] == [str(backfill_id), "team_x.etl"]
    assert "queued 3" in out
    code, out, _ = cli_db("backfill", "cancel", str(backfill_id))
    assert code == 0 and "3 queued run(s) failed" in out


def test_backfill_bad_input_is_one_line_and_non_zero(cli_db, session_factory) -> None:
    _store_dag(session_factory)
    create = ("backfill", "create", "--dag-id", "team_x.etl")
    code, _, err = cli_db(*create, "--from-date", "2026-01-01T01:00", "--to-date", "2026-01-01T02:00")
    assert code == 1 and "no schedule points" in err and "nothing to backfill" in err
    code, _, err = cli_db(
        *create, "--from-date", "2026-01-01", "--to-date", "2026-01-02", "--dag-run-conf", "[1]"
    )
    assert code == 1 and "--dag-run-conf must be a JSON object, got list" in err
    code, _, err = cli_db("backfill", "cancel", "41")
    assert code == 1 and "no backfill with id 41" in err


def test_pools_set_get_list_delete_import_export(cli_db, tmp_path) -> None:
    assert cli_db("pools", "set", "etl", "4", "nightly loads")[0] == 0
    code, out, _ = cli_db("pools", "get", "etl")
    assert code == 0 and out.splitlines()[1].split() == ["etl", "4", "0", "0", "nightly", "loads"]
    code, out, _ = cli_db("pools", "list")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["default_pool", "etl"]
    assert out.splitlines()[1].split()[:2] == ["default_pool", "128"]
    exported = tmp_path / "pools.json"
    assert cli_db("pools", "export", str(exported))[0] == 0
    assert json.loads(exported.read_text())["etl"] == {
        "slots": 4,
        "description": "nightly loads",
        "include_deferred": False,
    }
    assert cli_db("pools", "delete", "etl")[0] == 0
    code, _, err = cli_db("pools", "get", "etl")
    assert code == 1 and "pool 'etl' does not exist" in err
    code, out, _ = cli_db("pools", "import", str(exported))
    assert code == 0 and "imported 2 pool(s): default_pool, etl" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": {"slots": "many"}}')
    code, _, err = cli_db("pools", "import", str(bad))
    assert code == 1 and f"{bad}: pool 'x': slots must be an int" in err
    code, _, err = cli_db("pools", "delete", "default_pool")
    assert code == 1 and "default_pool cannot be deleted" in err
