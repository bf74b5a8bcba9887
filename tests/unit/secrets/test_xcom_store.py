"""The xcom table: one value per key (a push replaces), pulls by run, include_prior_dates, sizes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dagseal.db.models import DagRunModel, SerializedDagModel, TaskInstanceModel
from dagseal.db.session import session_scope
from dagseal.secrets.errors import SecretsError
from dagseal.secrets.xcom import XComTooLarge, encode_xcom, pull_xcom, push_xcom


def _runs(factory: sessionmaker[Session]) -> list[int]:
    with session_scope(factory) as session:
        session.add(SerializedDagModel(dag_hash="h" * 64, dag_id="d", data="{}", source_digest="s" * 64))
        session.flush()
        ids = []
        for day in (1, 2, 3):
            run = DagRunModel(
                dag_id="d",
                run_id=f"r{day}",
                run_type="scheduled",
                state="running",
                dag_hash="h" * 64,
                logical_date=datetime(2026, 1, day, tzinfo=UTC),
            )
            session.add(run)
            session.flush()
            session.add_all(
                TaskInstanceModel(dag_run_id=run.id, dag_id="d", run_id=run.run_id, task_id=t) for t in "ab"
            )
            ids.append(run.id)
    return ids


def test_pull_this_run_or_prior_dates(session_factory: sessionmaker[Session]) -> None:
    first, second, third = _runs(session_factory)
    with session_scope(session_factory) as session:
        push_xcom(session, session.get(DagRunModel, first), "a", -1, "k", encode_xcom(1, "k", "a", 100))
        push_xcom(session, session.get(DagRunModel, third), "a", -1, "k", encode_xcom(3, "k", "a", 100))
        push_xcom(session, session.get(DagRunModel, first), "a", -1, "k", encode_xcom(11, "k", "a", 100))
    with session_scope(session_factory) as session:
        run2 = session.get(DagRunModel, second)
        assert pull_xcom(session, run2, ["a", "b"], "k", include_prior_dates=False) == [None, None]
        assert pull_xcom(session, run2, ["a", "b"], "k", include_prior_dates=True) == [11, None]
        assert pull_xcom(session, session.get(DagRunModel, third), ["a"], "k", True) == [3]
        with pytest.raises(SecretsError, match="xcom_pull: DAG 'd' has no task 'c' in run 'r2'"):
            pull_xcom(session, run2, ["a", "c"], "k", False)


def test_size_limit_counts_json_bytes() -> None:
    assert encode_xcom({"a": [1]}, "k", "t", 11) == '{"a":[1]}'
    with pytest.raises(
        XComTooLarge, match=r"XCom 'k' of task 't' is 12 bytes of JSON, over \[core\] max_xcom_size = 11"
    ):
        encode_xcom("x" * 10, "k", "t", 11)
