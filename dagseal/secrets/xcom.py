"""The ``xcom`` table: push (one value per run, task, map index and key) and pull, host side.

Values are JSON text no longer than ``[core] max_xcom_size`` bytes; a bigger one fails the push
(or the try, for a return value) with the sizes in the message.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dagseal.db.models import DagRunModel, TaskInstanceModel, XComModel
from dagseal.secrets.errors import SecretsError

__all__ = ["XCOM_RETURN_KEY", "XComTooLarge", "encode_xcom", "pull_xcom", "push_xcom"]

XCOM_RETURN_KEY = "return_value"


class XComTooLarge(SecretsError):
    """A value over ``[core] max_xcom_size``."""


def encode_xcom(value: Any, key: str, task_id: str, max_size: int) -> str:
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    size = len(text.encode())
    if size > max_size:
        raise XComTooLarge(
            f"XCom {key!r} of task {task_id!r} is {size} bytes of JSON, "
            f"over [core] max_xcom_size = {max_size}"
        )
    return text


def push_xcom(session: Session, run: DagRunModel, task_id: str, map_index: int, key: str, text: str) -> None:
    """Store ``text`` (already encoded) as the value of ``key``, replacing an earlier one."""
    session.execute(
        delete(XComModel).where(
            XComModel.dag_run_id == run.id,
            XComModel.task_id == task_id,
            XComModel.map_index == map_index,
            XComModel.key == key,
        )
    )
    session.add(
        XComModel(
            dag_run_id=run.id,
            dag_id=run.dag_id,
            run_id=run.run_id,
            task_id=task_id,
            map_index=map_index,
            key=key,
            value=text,
        )
    )
    session.flush()


def pull_xcom(
    session: Session, run: DagRunModel, task_ids: list[str], key: str, include_prior_dates: bool
) -> list[Any]:
    """One value per task id (None where none was pushed); a task id the run does not have fails."""
    known = set(
        session.scalars(select(TaskInstanceModel.task_id).where(TaskInstanceModel.dag_run_id == run.id))
    )
    missing = [task_id for task_id in task_ids if task_id not in known]
    if missing:
        raise SecretsError(f"xcom_pull: DAG {run.dag_id!r} has no task {missing[0]!r} in run {run.run_id!r}")
    return [_pull_one(session, run, task_id, key, include_prior_dates) for task_id in task_ids]


def _pull_one(session: Session, run: DagRunModel, task_id: str, key: str, include_prior_dates: bool) -> Any:
    query = (
        select(XComModel.value)
        .join(DagRunModel, DagRunModel.id == XComModel.dag_run_id)
        .where(XComModel.dag_id == run.dag_id, XComModel.task_id == task_id, XComModel.key == key)
    )
    if include_prior_dates and run.logical_date is not None:
        query = query.where(
            (DagRunModel.id == run.id) | (DagRunModel.logical_date <= run.logical_date)
        ).order_by((DagRunModel.id == run.id).desc(), DagRunModel.logical_date.desc(), XComModel.id.desc())
    else:
        query = query.where(XComModel.dag_run_id == run.id).order_by(XComModel.id.desc())
    text = session.scalars(query.limit(1)).first()
    return None if text is None else json.loads(text)
