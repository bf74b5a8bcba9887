"""Param schemas refuse an invalid trigger conf in one line, before any run exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sched_helpers import store_dag
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel
from dagseal.db.session import session_scope
from dagseal.placement import Placement, PlacementSettings
from dagseal.scheduler.dagrun_creation import trigger_dag
from dagseal.scheduler.run_params import InvalidRunConf
from dagseal.sdk import DAG, EmptyOperator
from dagseal.sdk.params import Param

PLACEMENT = Placement(PlacementSettings())
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def with_params() -> DAG:
    params = {
        "count": Param(2, type="integer", minimum=1),
        "region": Param(type="string", enum=["eu", "us"]),
        "free": "anything",
    }
    with DAG("p", params=params) as dag:
        EmptyOperator(task_id="t")
    return dag


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({}, "DAG 'p': param 'region' has no default and is not in the conf"),
        ({"region": "mars"}, "DAG 'p': param 'region': 'mars' is not one of ['eu', 'us']"),
        ({"region": "eu", "count": 0}, "DAG 'p': param 'count': 0 is less than the minimum of 1"),
        ({"region": "eu", "count": "2"}, "DAG 'p': param 'count': '2' is not of type 'integer'"),
    ],
)
def test_invalid_conf_is_refused_and_no_run_is_created(
    session_factory: sessionmaker[Session], conf: dict, message: str
) -> None:
    store_dag(session_factory, with_params(), NOW)
    with session_scope(session_factory) as session, pytest.raises(InvalidRunConf) as raised:
        trigger_dag(session, "p", conf, NOW, PLACEMENT)
    assert str(raised.value) == message
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DagRunModel)) == 0


def test_valid_conf_creates_the_run(session_factory: sessionmaker[Session]) -> None:
    store_dag(session_factory, with_params(), NOW)
    with session_scope(session_factory) as session:
        run = trigger_dag(session, "p", {"region": "us", "count": 5}, NOW, PLACEMENT, run_id="ok")
        assert run.conf == {"region": "us", "count": 5}
