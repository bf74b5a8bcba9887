"""One cell of the grid (or one node of a run's graph): the task instances of one task in one
run, collapsed. A mapped task has one task instance per ``map_index``; its cell shows their count
and the state that most needs attention, as Airflow's grid does; a task group's cell does the
same over its tasks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from dagseal.db.models import TaskInstanceModel

# The state a collapsed cell shows: the first of these that any of its task instances is in.
STATE_PRIORITY = (
    "failed",
    "upstream_failed",
    "up_for_retry",
    "up_for_reschedule",
    "running",
    "queued",
    "scheduled",
    "deferred",
    "none",
    "success",
    "skipped",
    "removed",
)


@dataclass(frozen=True)
class Cell:
    counts: Counter[str]  # state → task instances in it
    mapped: bool

    @property
    def state(self) -> str:
        return next((s for s in STATE_PRIORITY if self.counts[s]), min(self.counts, default="none"))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def title(self) -> str:
        return ", ".join(f"{n} {state}" for state, n in sorted(self.counts.items()))

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.counts + other.counts, self.mapped or other.mapped)


def cells_of(tis: Iterable[TaskInstanceModel]) -> dict[tuple[str, int], Cell]:
    """(task_id, dag_run row id) → the collapsed cell of that task's instances in that run."""
    counts: dict[tuple[str, int], Counter[str]] = {}
    mapped: set[tuple[str, int]] = set()
    for ti in tis:
        key = (ti.task_id, ti.dag_run_id)
        counts.setdefault(key, Counter())[ti.state or "none"] += 1
        if ti.map_index >= 0:
            mapped.add(key)
    return {key: Cell(count, key in mapped) for key, count in counts.items()}


def merged(cells: Iterable[Cell]) -> Cell | None:
    """One cell over several (a task group's tasks); None when there are none."""
    total: Cell | None = None
    for cell in cells:
        total = cell if total is None else total + cell
    return total
