"""Which task a try's end alone makes ready: only a chain link names a successor."""

from __future__ import annotations

from typing import Any

import pytest

from dagseal.lifecycle.successor import successor_task


def _task(task_id: str, up: list[str], down: list[str], **fields: Any) -> dict[str, Any]:
    return {"task_id": task_id, "upstream_task_ids": up, "downstream_task_ids": down, **fields}


def test_a_chain_link_names_the_next_task() -> None:
    tasks = [_task("a", [], ["b"]), _task("b", ["a"], ["c"]), _task("c", ["b"], [])]
    assert [successor_task(tasks, t) for t in ("a", "b", "c")] == ["b", "c", None]


@pytest.mark.parametrize(
    ("tasks", "why"),
    [
        ([_task("a", [], ["b", "c"]), _task("b", ["a"], []), _task("c", ["a"], [])], "fan-out"),
        ([_task("a", [], ["c"]), _task("x", [], ["c"]), _task("c", ["a", "x"], [])], "fan-in"),
        ([_task("a", [], ["b"]), _task("b", ["a"], [], expand_input={"kind": "expand"})], "mapped"),
        ([_task("a", [], ["b"]), _task("b", ["a"], [], host_operator={"kind": "x"})], "host operator"),
        ([_task("a", [], ["b"]), _task("b", ["a"], [], queue="gpu")], "another queue"),
        ([_task("a", [], ["b"])], "downstream task missing"),
        ([_task("a", [], "b")], "malformed downstream list"),
    ],
)
def test_anything_but_a_chain_link_names_none(tasks: list[dict[str, Any]], why: str) -> None:
    assert successor_task(tasks, "a") is None, why


def test_an_unknown_task_or_a_malformed_list_names_none() -> None:
    assert successor_task([_task("a", [], [])], "zzz") is None
    assert successor_task(["not a task", None], "a") is None
