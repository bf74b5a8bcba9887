"""Pools (Airflow's ``slot_pool``): create, change, delete, import and export them.

Import and export use Airflow's pool file: ``{"name": {"slots": N, "description": "...",
"include_deferred": false}}``. ``default_pool`` exists from the first migration (128 slots) and
cannot be deleted; ``slots = -1`` means unlimited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dagseal.db.models import SlotPoolModel, TaskInstanceModel
from dagseal.errors import DagsealError
from dagseal.lifecycle.states import TaskState
from dagseal.sdk.task_scheduling import DEFAULT_POOL


class PoolError(DagsealError):
    """A pool command or pool file that cannot be applied."""


def _checked(name: object, slots: object, where: str) -> tuple[str, int]:
    if not isinstance(name, str) or not name.strip() or len(name) > 256:
        raise PoolError(f"{where}: pool name must be 1-256 characters, got {name!r}")
    if not isinstance(slots, int) or isinstance(slots, bool) or slots < -1:
        raise PoolError(f"{where}: slots must be an int >= 0 (or -1 for unlimited), got {slots!r}")
    return name, slots


def set_pool(
    session: Session, name: str, slots: int, description: str | None = None, include_deferred: bool = False
) -> SlotPoolModel:
    """Create the pool or change its slots and description."""
    name, slots = _checked(name, slots, f"pool {name!r}")
    pool = session.scalar(select(SlotPoolModel).where(SlotPoolModel.pool == name))
    if pool is None:
        pool = SlotPoolModel(pool=name, slots=slots)
        session.add(pool)
    pool.slots = slots
    pool.description = description
    pool.include_deferred = include_deferred
    session.flush()
    return pool


def get_pool(session: Session, name: str) -> SlotPoolModel:
    pool = session.scalar(select(SlotPoolModel).where(SlotPoolModel.pool == name))
    if pool is None:
        raise PoolError(f"pool {name!r} does not exist; see `dagseal pools list`")
    return pool


def delete_pool(session: Session, name: str) -> None:
    if name == DEFAULT_POOL:
        raise PoolError(f"{DEFAULT_POOL} cannot be deleted (set its slots instead)")
    session.delete(get_pool(session, name))


def list_pools(session: Session) -> list[tuple[SlotPoolModel, int, int]]:
    """Every pool with its occupied slots (queued and running tries), and how many tries wait in it."""
    pools = session.scalars(select(SlotPoolModel).order_by(SlotPoolModel.pool)).all()
    used: dict[str, int] = {}
    waiting: dict[str, int] = {}
    for pool, state, slots in session.execute(
        select(TaskInstanceModel.pool, TaskInstanceModel.state, TaskInstanceModel.pool_slots).where(
            TaskInstanceModel.state.in_(
                [TaskState.QUEUED.value, TaskState.RUNNING.value, TaskState.SCHEDULED.value]
            )
        )
    ):
        if state == TaskState.SCHEDULED.value:
            waiting[pool] = waiting.get(pool, 0) + 1
        else:
            used[pool] = used.get(pool, 0) + slots
    return [(pool, used.get(pool.pool, 0), waiting.get(pool.pool, 0)) for pool in pools]


def export_pools(session: Session) -> dict[str, dict[str, Any]]:
    return {
        pool.pool: {
            "slots": pool.slots,
            "description": pool.description,
            "include_deferred": pool.include_deferred,
        }
        for pool in session.scalars(select(SlotPoolModel).order_by(SlotPoolModel.pool))
    }


def import_pools(session: Session, document: object, source: str) -> list[str]:
    """Create or update every pool of an Airflow pool file; all are checked before any is written."""
    if not isinstance(document, dict):
        raise PoolError(f"{source}: a pool file is a JSON object of pool name → settings")
    checked = []
    for name, settings in document.items():
        where = f"{source}: pool {name!r}"
        if not isinstance(settings, dict) or "slots" not in settings:
            raise PoolError(f"{where}: needs an object with at least 'slots'")
        unknown = sorted(set(settings) - {"slots", "description", "include_deferred"})
        if unknown:
            raise PoolError(f"{where}: unknown key {unknown[0]!r}")
        _checked(name, settings["slots"], where)
        checked.append((name, settings))
    for name, settings in checked:
        set_pool(
            session,
            name,
            settings["slots"],
            settings.get("description"),
            bool(settings.get("include_deferred", False)),
        )
    return [name for name, _ in checked]
