"""Per-team visibility: a user sees the DAGs of its team's directory (``processor_subdir``'s last
part); admins see all. Another team's object answers 404, exactly like a missing one, so names of
other teams' DAGs cannot be probed."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fastapi import HTTPException
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from dagseal.api.auth.users import CurrentUser
from dagseal.db.models import DagModel, DagRunModel


def team_of(processor_subdir: str | None) -> str | None:
    """The team owning a DAG directory: its basename (``/srv/dag_repos/team_x`` → ``team_x``)."""
    return PurePath(processor_subdir).name if processor_subdir else None


def subdir_visible(column: Any, user: CurrentUser) -> Any:
    """SQL condition: a ``processor_subdir`` column belongs to the user's team (always true for admins)."""
    if user.team is None:
        return true()
    escaped = user.team.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(column == user.team, column.like(f"%/{escaped}", escape="\\"))


def dag_visible(user: CurrentUser) -> Any:
    return subdir_visible(DagModel.processor_subdir, user)


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} not found")


def visible_dag(session: Session, user: CurrentUser, dag_id: str) -> DagModel:
    """The DAG, or 404 if it does not exist or belongs to another team."""
    dag = session.get(DagModel, dag_id)
    if dag is None or (user.team is not None and team_of(dag.processor_subdir) != user.team):
        raise not_found(f"DAG {dag_id!r}")
    return dag


def visible_run(session: Session, user: CurrentUser, dag_id: str, run_id: str) -> DagRunModel:
    visible_dag(session, user, dag_id)
    run = session.scalar(
        select(DagRunModel).where(DagRunModel.dag_id == dag_id, DagRunModel.run_id == run_id)
    )
    if run is None:
        raise not_found(f"DAG run {run_id!r} of DAG {dag_id!r}")
    return run
