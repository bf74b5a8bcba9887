"""Write parse outcomes to the DB: ``dag``, ``serialized_dag``, ``dag_code`` and ``import_error``.

Only rows of this processor's ``processor_subdir`` are changed, so processors of other
directories sharing the DB are never touched. Rules (why):

- ``serialized_dag`` and ``dag_code`` are content-addressed: a row is inserted only when its key
  (``dag_hash`` / ``source_digest``) is new, so re-parsing an unchanged file adds nothing.
- A file that had any import error keeps its previously stored DAGs as they were (a broken edit
  must not lose a working DAG); only a clean parse deactivates DAGs that left the file.
- A ``dag_id`` belongs to the active DAG row that has it. Another file defining it (here or in
  another directory) gets an import error naming both files, and the first DAG stays.
- ``import_error`` holds at most one row per file: replaced on every parse, deleted when clean.
  Its ``filename`` is the absolute host path, like ``dag.fileloc``.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from dagseal.db.assets import register_dag_assets
from dagseal.db.models import DagCodeModel, DagModel, ImportErrorModel, SerializedDagModel
from dagseal.processor.parsing import FileOutcome, ParsedDag
from dagseal.processor.policy import DagPolicy, check_dag, dag_view
from dagseal.processor.pool_check import pool_slots_problem


@dataclass(frozen=True)
class DirectoryContext:
    """Who is writing: the processor's directory (``processor_subdir``) and its creation defaults."""

    root: Path  # resolved absolute path; str(root) is the processor_subdir
    policy: DagPolicy | None = None
    paused_at_creation: bool = False

    @property
    def subdir(self) -> str:
        return str(self.root)

    def fileloc(self, rel: str) -> str:
        return str(self.root / rel)


@dataclass(frozen=True)
class StoreReport:
    """What storing one outcome did; ``lost_conflict`` asks the caller to retry the file later."""

    stored: tuple[str, ...]
    errors: tuple[str, ...]
    lost_conflict: bool


def store_outcome(
    session: Session, ctx: DirectoryContext, outcome: FileOutcome, present: Collection[str], now: datetime
) -> StoreReport:
    """Store one file's outcome; ``present`` are the files currently in the directory."""
    rel = outcome.relative_fileloc
    errors = list(outcome.errors)
    stored: list[str] = []
    lost_conflict = False
    if outcome.dags and outcome.source_digest is not None and outcome.source is not None:
        _insert_if_absent(
            session,
            DagCodeModel,
            {
                "source_digest": outcome.source_digest,
                "relative_fileloc": rel,
                "source": outcome.source,
                "created_at": now,
            },
        )
    for parsed in outcome.dags:
        problem = check_dag(
            ctx.policy, dag_view(parsed.dag, fileloc=ctx.fileloc(rel), processor_subdir=ctx.subdir)
        )
        if problem is None:
            problem = pool_slots_problem(session, parsed.dag)
        if problem is None:
            problem = _owner_conflict(session, ctx, rel, parsed.dag_id, present)
            lost_conflict = lost_conflict or problem is not None
        if problem is None:
            problem = _store_dag(session, ctx, rel, parsed, now)
            lost_conflict = lost_conflict or problem is not None
        if problem is None:
            register_dag_assets(session, parsed.dag)
            stored.append(parsed.dag_id)
        else:
            errors.append(f"{rel}: {problem}")
    if not errors:
        _deactivate(session, ctx, DagModel.relative_fileloc == rel, DagModel.dag_id.not_in(stored))
    set_import_error(session, ctx, rel, "\n\n".join(errors) or None, now)
    return StoreReport(tuple(stored), tuple(errors), lost_conflict)


def set_import_error(
    session: Session, ctx: DirectoryContext, rel: str, text: str | None, now: datetime
) -> None:
    """Replace the file's import error with ``text``, or clear it when None."""
    filename = ctx.fileloc(rel)
    session.execute(
        delete(ImportErrorModel).where(
            ImportErrorModel.processor_subdir == ctx.subdir, ImportErrorModel.filename == filename
        )
    )
    if text is not None:
        session.add(
            ImportErrorModel(filename=filename, processor_subdir=ctx.subdir, stacktrace=text, timestamp=now)
        )


def forget_missing_files(session: Session, ctx: DirectoryContext, present: Collection[str]) -> int:
    """Deactivate this directory's DAGs whose file is gone and drop their import errors."""
    filenames = [ctx.fileloc(rel) for rel in present]
    session.execute(
        delete(ImportErrorModel).where(
            ImportErrorModel.processor_subdir == ctx.subdir, ImportErrorModel.filename.not_in(filenames)
        )
    )
    return _deactivate(session, ctx, DagModel.relative_fileloc.not_in(list(present)))


def refresh_parsed_time(
    session: Session, ctx: DirectoryContext, present: Collection[str], now: datetime
) -> None:
    """Confirm this directory's active DAGs in ``present`` files as current (keeps stale cleanup away)."""
    session.execute(
        update(DagModel)
        .where(
            DagModel.processor_subdir == ctx.subdir,
            DagModel.is_active.is_(True),
            DagModel.relative_fileloc.in_(list(present)),
        )
        .values(last_parsed_time=now)
        .execution_options(synchronize_session=False)
    )


def _deactivate(session: Session, ctx: DirectoryContext, *conditions: Any) -> int:
    return session.execute(
        update(DagModel)
        .where(DagModel.processor_subdir == ctx.subdir, DagModel.is_active.is_(True), *conditions)
        .values(is_active=False)
        .execution_options(synchronize_session="evaluate")  # later files of the batch see it
    ).rowcount


def _owner_conflict(
    session: Session, ctx: DirectoryContext, rel: str, dag_id: str, present: Collection[str]
) -> str | None:
    """Why ``rel`` may not take ``dag_id``, or None when the id is free or already its own."""
    owner = session.get(DagModel, dag_id)
    if owner is None or not owner.is_active:
        return None
    if owner.processor_subdir == ctx.subdir and (
        owner.relative_fileloc == rel or owner.relative_fileloc not in present
    ):
        return None
    return _duplicate_message(dag_id, owner.fileloc, ctx.fileloc(rel))


def _duplicate_message(dag_id: str, first: str, second: str) -> str:
    return f"DAG id {dag_id!r} is already defined in {first}; ignoring the duplicate in {second}"


def _store_dag(
    session: Session, ctx: DirectoryContext, rel: str, parsed: ParsedDag, now: datetime
) -> str | None:
    """Upsert the dag row and its version; a message when another processor won the id meanwhile."""
    _insert_if_absent(
        session,
        SerializedDagModel,
        {
            "dag_hash": parsed.dag_hash,
            "dag_id": parsed.dag_id,
            "processor_subdir": ctx.subdir,
            "data": parsed.data,
            "source_digest": parsed.dag["source_digest"],
            "created_at": now,
        },
    )
    values = {
        "fileloc": ctx.fileloc(rel),
        "relative_fileloc": rel,
        "processor_subdir": ctx.subdir,
        "is_active": True,
        "last_parsed_time": now,
        "latest_dag_hash": parsed.dag_hash,
        "tags": list(parsed.dag.get("tags") or []),
        "schedule_description": schedule_description(parsed.dag.get("schedule") or {}),
    }
    row = session.get(DagModel, parsed.dag_id)
    if row is not None:
        if row.latest_dag_hash != parsed.dag_hash:
            row.next_dagrun_create_after = None  # the scheduler works it out again for the new version
        for key, value in values.items():
            setattr(row, key, value)
        return None
    created = _insert_if_absent(
        session, DagModel, {"dag_id": parsed.dag_id, "is_paused": ctx.paused_at_creation, **values}
    )
    if created:
        return None
    winner = session.get(DagModel, parsed.dag_id)
    return _duplicate_message(parsed.dag_id, winner.fileloc if winner else "another file", ctx.fileloc(rel))


def schedule_description(schedule: dict[str, Any]) -> str:
    """A short human form of a serialized ScheduleSpec (``dags list``)."""
    kind = schedule.get("kind", "none")
    if kind == "cron":
        zone = schedule.get("timezone") or "UTC"
        return str(schedule.get("cron")) + ("" if zone == "UTC" else f" ({zone})")
    if kind == "timedelta":
        return f"every {schedule.get('seconds'):g}s"
    if kind == "assets":
        return "assets"
    return "@once" if kind == "once" else "None"


def _insert_if_absent(session: Session, model: type[Any], values: dict[str, Any]) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING``; False when a row with that primary key already existed.

    The conflict clause (SQLite and PostgreSQL) absorbs the race with another processor inserting
    the same content-addressed key at the same moment, without savepoints.
    """
    statement = _insert_statement(session.get_bind().dialect.name, model)
    return session.execute(statement, values).first() is not None


@functools.cache
def _insert_statement(dialect: str, model: type[Any]) -> Any:
    """One statement per table and dialect, values bound at execution (compiled once, cached)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(f"the DAG processor supports SQLite and PostgreSQL, not {dialect}")
    key = model.__table__.primary_key.columns.values()[0]
    return insert(model).on_conflict_do_nothing().returning(key)
