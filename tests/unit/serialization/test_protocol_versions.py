"""A request is encoded for the protocol version its sandbox spoke in its hello."""

from __future__ import annotations

import json

from dagseal.sandbox.protocol import ADDED_AFTER_VERSION_2, PROTOCOL_VERSION, RunTaskRequest, encode

REQUEST = RunTaskRequest(
    id=1,
    dag_folder="/dags",
    file="a.py",
    source="",
    dag_id="d",
    task_id="t",
    run_id="r",
    data_interval_end="2026-01-02T00:00:00+00:00",
    sensor_started_at="2026-01-01T00:00:00+00:00",
)


def test_a_version_2_sandbox_gets_no_field_added_after_it() -> None:
    sent = json.loads(encode(REQUEST, 2))
    assert not ADDED_AFTER_VERSION_2["run_task"] & sent.keys()
    assert sent["task_id"] == "t" and sent["type"] == "run_task"


def test_the_current_version_gets_every_field() -> None:
    sent = json.loads(encode(REQUEST, PROTOCOL_VERSION))
    assert sent["data_interval_end"] == "2026-01-02T00:00:00+00:00"
    assert sent["sensor_started_at"] == "2026-01-01T00:00:00+00:00"
