"""Data-aware scheduling on SQLite and PostgreSQL: asset registration, events, AND/OR conditions,
paused consumers, producer and consumer in different teams' directories, and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sched_helpers import store_dag
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.assets import emit_asset_events, register_dag_assets
from dagseal.db.models import AssetDagRunQueueModel, DagModel, DagRunModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.assets import create_asset_triggered_runs
from dagseal.scheduler.dag_bag import SerializedDagBag
from dagseal.sdk import DAG, DagDefinitionError, EmptyOperator
from dagseal.sdk.assets import Asset
from dagseal.serialization import dag_envelope, serialize_dag

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
A, B, C = Asset("a"), Asset("b"), Asset(uri="s3://bucket/c")


def store(factory: sessionmaker[Session], dag: DAG, subdir: str) -> None:
    store_dag(factory, dag, NOW, subdir=subdir)
    with session_scope(factory) as session:
        register_dag_assets(
            session, dag_envelope(serialize_dag(dag, fileloc="f.py", source_digest="0" * 64))["dag"]
        )


def emit(factory: sessionmaker[Session], *assets: Asset) -> None:
    with session_scope(factory) as session:
        emit_asset_events(session, [asset.key() for asset in assets], "producer", "r", "t", NOW)


def runs_created(factory: sessionmaker[Session], at: datetime = NOW) -> int:
    with session_scope(factory) as session:
        return create_asset_triggered_runs(session, SerializedDagBag(), at, Placement(PlacementSettings()))


@pytest.fixture
def consumer(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with DAG("producer") as producer:
        EmptyOperator(task_id="t", outlets=[A, B, C])
    with DAG("consumer", schedule=A & (B | C)) as consumer:
        EmptyOperator(task_id="use")
    store(session_factory, producer, "/repos/team_a")
    store(session_factory, consumer, "/repos/team_b")
    return session_factory


def test_all_and_any_conditions_decide_when_the_consumer_runs(consumer: sessionmaker[Session]) -> None:
    emit(consumer, A)
    assert runs_created(consumer) == 0
    emit(consumer, C)
    assert runs_created(consumer) == 1
    with session_scope(consumer) as session:
        run = session.scalars(select(DagRunModel)).one()
        assert (run.run_type, run.logical_date, run.state) == ("asset_triggered", NOW, "queued")
        assert session.scalar(select(func.count()).select_from(AssetDagRunQueueModel)) == 0
    emit(consumer, B)
    assert runs_created(consumer, NOW + timedelta(minutes=1)) == 0  # b alone: A is needed again


def test_a_paused_consumer_keeps_its_updates_until_unpaused(consumer: sessionmaker[Session]) -> None:
    with session_scope(consumer) as session:
        session.get(DagModel, "consumer").is_paused = True
    emit(consumer, A, B)
    assert runs_created(consumer) == 0
    with session_scope(consumer) as session:
        session.get(DagModel, "consumer").is_paused = False
    assert runs_created(consumer) == 1


def test_a_new_version_without_the_asset_stops_consuming(consumer: sessionmaker[Session]) -> None:
    with DAG("consumer", schedule=[C]) as changed:
        EmptyOperator(task_id="use")
    store(consumer, changed, "/repos/team_b")
    emit(consumer, A)
    with session_scope(consumer) as session:
        assert session.scalar(select(func.count()).select_from(AssetDagRunQueueModel)) == 0
    emit(consumer, C)
    assert runs_created(consumer) == 1


def test_assets_cli_lists_assets_and_events(
    consumer: sessionmaker[Session], migrated_db_url, monkeypatch, capsys
) -> None:
    from dagseal.cli import main

    monkeypatch.setenv("DAGSEAL__CORE__SQL_ALCHEMY_CONN", migrated_db_url)
    monkeypatch.delenv("DAGSEAL_CONFIG", raising=False)
    emit(consumer, A)
    assert main(["assets", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["a", "b", "s3://bucket/c"]
    assert lines[1].split()[3] == "consumer"
    assert main(["assets", "events", "--name", "a"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].split()[2:] == ["a", "producer", "r", "t"]


def test_bad_assets_are_import_errors() -> None:
    with pytest.raises(DagDefinitionError, match="Asset needs a name or uri"):
        Asset()
    with pytest.raises(DagDefinitionError, match="outlets must be Asset objects, got 's3://x'"), DAG("x"):
        EmptyOperator(task_id="t", outlets=["s3://x"])
