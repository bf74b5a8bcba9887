"""The scheduler's side of backfills: which queued backfill runs may start, and when one is done.

A backfill's runs count against its own ``max_active_runs`` only (not the DAG's, which counts the
other runs), start in the backfill's order (``--run-backwards`` reverses it), and start whether
the DAG is paused or not. On PostgreSQL the backfill rows are locked while a scheduler decides,
so two schedulers never start more runs of one backfill than it allows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from dagseal.db.models import BackfillDagRunModel, BackfillModel, DagRunModel
from dagseal.lifecycle.states import DagRunState

_ACTIVE = (DagRunState.QUEUED.value, DagRunState.RUNNING.value)


class BackfillGate:
    """Start slots left per backfill for one ``start_queued_runs`` pass."""

    def __init__(self, free: dict[int, int], ordinal: dict[int, int]) -> None:
        self._free = free
        self._ordinal = ordinal  # dag_run.id → sort_ordinal in its backfill

    @classmethod
    def load(cls, session: Session, queued: Sequence[DagRunModel]) -> BackfillGate:
        ids = sorted({run.backfill_id for run in queued if run.backfill_id is not None})
        if not ids:
            return cls({}, {})
        backfills = session.scalars(
            select(BackfillModel)
            .where(BackfillModel.id.in_(ids))
            .order_by(BackfillModel.id)
            .with_for_update()
        ).all()
        running = Counter(
            dict(
                session.execute(
                    select(DagRunModel.backfill_id, func.count())
                    .where(DagRunModel.backfill_id.in_(ids), DagRunModel.state == DagRunState.RUNNING.value)
                    .group_by(DagRunModel.backfill_id)
                ).all()
            )
        )
        free = {b.id: 0 if b.is_paused else max(0, b.max_active_runs - running[b.id]) for b in backfills}
        ordinal = dict(
            session.execute(
                select(BackfillDagRunModel.dag_run_id, BackfillDagRunModel.sort_ordinal).where(
                    BackfillDagRunModel.backfill_id.in_(ids), BackfillDagRunModel.dag_run_id.isnot(None)
                )
            ).all()
        )
        return cls(free, ordinal)

    def order(self, queued: Sequence[DagRunModel]) -> list[DagRunModel]:
        """Other runs keep their order; a backfill's runs follow its sort_ordinal."""
        return sorted(queued, key=lambda run: (run.backfill_id or 0, self._ordinal.get(run.id, 0)))

    def admit(self, run: DagRunModel) -> bool:
        """True (and one slot taken) if this backfill run may start now."""
        left = self._free.get(run.backfill_id or -1, 0)
        if left <= 0:
            return False
        self._free[run.backfill_id] = left - 1  # type: ignore[index]
        return True


def complete_backfills(session: Session, now: datetime) -> int:
    """Mark backfills without queued or running runs completed; returns how many.

    A read finds them first: an UPDATE in every pass would take SQLite's one write lock each
    time, making the supervisors' claims and records wait for the scheduler."""
    done = ~exists().where(DagRunModel.backfill_id == BackfillModel.id, DagRunModel.state.in_(_ACTIVE))
    ids = session.scalars(select(BackfillModel.id).where(BackfillModel.completed_at.is_(None), done)).all()
    if not ids:
        return 0
    return session.execute(
        update(BackfillModel)
        .where(BackfillModel.id.in_(ids), BackfillModel.completed_at.is_(None), done)
        .values(completed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
