"""Hypothesis round trips: every serialized type and protocol message survives JSON unchanged."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagseal.sandbox import protocol
from dagseal.serialization import (
    CallableRef,
    DagCallbackRequest,
    EdgeLabel,
    ScheduleSpec,
    SerializedDag,
    SerializedTask,
    SerializedTaskGroup,
    SlaCallbackRequest,
    TaskCallbackRequest,
    callback_request_from_json,
    dag_envelope,
    dag_from_envelope,
    dag_hash,
)
from dagseal.serialization.converter import converter, structure
from dagseal.serialization.errors import SerializationError

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | names
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
json_objects = st.dictionaries(names, json_values, max_size=3)
maybe = st.none().__or__
seconds = st.floats(min_value=0, max_value=1e7, allow_nan=False)
callable_refs = st.builds(CallableRef, module=names, qualname=names)
schedules = st.one_of(
    st.just(ScheduleSpec(kind="none")),
    st.just(ScheduleSpec(kind="once")),
    st.builds(ScheduleSpec, kind=st.just("cron"), cron=st.just("0 0 * * *")),
    st.builds(ScheduleSpec, kind=st.just("timedelta"), seconds=seconds),
)
tasks = st.builds(
    SerializedTask,
    task_id=names,
    operator=st.sampled_from(["PythonOperator", "BashOperator", "EmptyOperator"]),
    upstream_task_ids=st.lists(names, max_size=3),
    downstream_task_ids=st.lists(names, max_size=3),
    trigger_rule=st.sampled_from(["all_success", "all_done", "one_failed"]),
    retries=st.integers(0, 10),
    retry_delay=seconds,
    execution_timeout=maybe(seconds),
    priority_weight=st.integers(1, 100),
    queue=st.none() | st.text(alphabet="abcdefghij_-", min_size=1, max_size=10),
    python_callable=maybe(callable_refs),
    op_args=st.lists(json_values, max_size=3),
    op_kwargs=json_objects,
    bash_command=maybe(names),
    env=maybe(st.dictionaries(names, names, max_size=2)),
    on_success_callback=maybe(callable_refs),
    on_failure_callback=maybe(callable_refs),
    on_retry_callback=maybe(callable_refs),
    owner=names,
    task_display_name=maybe(names),
    docs=st.dictionaries(st.sampled_from(["doc", "doc_md", "doc_rst"]), names, max_size=2),
    task_group=maybe(names),
    template_fields=json_objects,
    multiple_outputs=st.booleans(),
    do_xcom_push=st.booleans(),
    is_setup=st.booleans(),
    is_teardown=st.booleans(),
    on_failure_fail_dagrun=st.booleans(),
)
task_groups = st.builds(
    SerializedTaskGroup,
    group_id=names,
    parent_group=maybe(names),
    tooltip=names,
    group_display_name=maybe(names),
)
edge_labels = st.builds(EdgeLabel, upstream_task_id=names, downstream_task_id=names, label=names)
param_schemas = st.dictionaries(
    names, st.fixed_dictionaries({"schema": json_objects, "description": maybe(names)}), max_size=2
)
dags = st.builds(
    SerializedDag,
    dag_id=names,
    fileloc=names,
    source_digest=st.text("0123456789abcdef", min_size=64, max_size=64),
    description=maybe(names),
    schedule=schedules,
    start_date=maybe(st.just("2026-01-01T00:00:00+00:00")),
    catchup=st.booleans(),
    max_active_runs=st.integers(1, 16),
    dagrun_timeout=maybe(seconds),
    params=json_objects,
    tags=st.lists(names, max_size=3),
    on_success_callback=maybe(callable_refs),
    on_failure_callback=maybe(callable_refs),
    tasks=st.lists(tasks, max_size=3),
    doc_md=maybe(names),
    dag_display_name=maybe(names),
    param_schemas=param_schemas,
    task_groups=st.lists(task_groups, max_size=2),
    edge_labels=st.lists(edge_labels, max_size=2),
)


@given(dags)
def test_serialized_dag_round_trips_through_canonical_json(dag: SerializedDag) -> None:
    from dagseal.serialization import canonical_json
    from dagseal.serialization.canonical import loads

    envelope = loads(canonical_json(dag_envelope(dag)))
    restored = dag_from_envelope(envelope)
    assert restored == dag
    assert dag_hash(restored) == dag_hash(dag)


common = {"full_filepath": names, "dag_id": names, "msg": maybe(names), "processor_subdir": maybe(names)}
callback_requests = st.one_of(
    st.builds(
        TaskCallbackRequest,
        run_id=names,
        task_id=names,
        try_number=st.integers(1, 10),
        kind=st.sampled_from(["task_failure", "task_success", "task_retry"]),
        context=json_objects,
        **common,
    ),
    st.builds(
        DagCallbackRequest,
        run_id=names,
        kind=st.sampled_from(["dag_failure", "dag_success"]),
        context=json_objects,
        **common,
    ),
    st.builds(SlaCallbackRequest, run_id=maybe(names), context=json_objects, **common),
)


@given(callback_requests)
def test_callback_requests_round_trip_by_type_tag(request: Any) -> None:
    text = request.to_json()
    assert callback_request_from_json(text) == request
    assert type(request).from_json(text) == request
    entry = request.to_sandbox_callback(5)
    assert entry["kind"] == request.kind and entry["callback_id"] == 5


callback_specs = st.builds(
    protocol.CallbackSpec,
    callback_id=st.integers(0, 2**31),
    kind=st.sampled_from(
        ["task_failure", "task_success", "task_retry", "dag_success", "dag_failure", "sla_miss"]
    ),
    dag_id=names,
    task_id=maybe(names),
    run_id=maybe(names),
    msg=maybe(names),
    context=json_objects,
)
ids = st.integers(0, 2**31)
messages = st.one_of(
    st.builds(protocol.Hello, protocol_version=st.just(1), dagseal_version=names, python=names),
    st.builds(protocol.ParseRequest, id=ids, dag_folder=names, file=names),
    st.builds(
        protocol.RunTaskRequest,
        id=ids,
        dag_folder=names,
        file=names,
        source=names,
        dag_id=names,
        task_id=names,
        run_id=names,
        try_number=st.integers(1, 5),
        logical_date=maybe(names),
        params=json_objects,
        conf=json_objects,
        upstream_results=json_objects,
        map_index=st.integers(-1, 1024),
        data_interval_start=maybe(names),
        data_interval_end=maybe(names),
        run_type=maybe(st.sampled_from(["manual", "scheduled"])),
    ),
    st.builds(
        protocol.RunCallbacksRequest,
        id=ids,
        dag_folder=names,
        file=names,
        source=names,
        callbacks=st.lists(callback_specs, max_size=2),
    ),
    st.builds(protocol.ShutdownRequest, id=ids),
    st.builds(
        protocol.ParseResult,
        id=ids,
        file=names,
        source_digest=maybe(names),
        source=maybe(names),
        dags=st.lists(dags.map(dag_envelope), max_size=1),
        import_errors=st.lists(
            st.builds(protocol.ImportErrorInfo, filename=names, message=names, stacktrace=names), max_size=2
        ),
    ),
    st.builds(
        protocol.TaskResult,
        id=ids,
        state=st.sampled_from(["success", "failed", "skipped"]),
        return_value=json_values,
        error=maybe(names),
        rendered_fields=json_objects,
        skip_task_ids=st.lists(names, max_size=3),
    ),
    st.builds(
        protocol.CallbacksResult,
        id=ids,
        outcomes=st.lists(
            st.builds(protocol.CallbackOutcome, callback_id=ids, ok=st.booleans(), error=maybe(names)),
            max_size=2,
        ),
    ),
    st.builds(protocol.ErrorReply, id=maybe(ids), message=names),
)


@given(messages)
def test_protocol_messages_round_trip_as_one_line(message: Any) -> None:
    line = protocol.encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    decoded = (
        protocol.decode_reply(line) if message.type in protocol.REPLY_TYPES else protocol.decode_request(line)
    )
    assert decoded == message
    # One encoder (attrs), two decoders: each agrees with the converter the host checks with.
    assert json.loads(line) == converter.unstructure(message)
    assert structure(json.loads(line), type(message)) == message


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"type":"shutdown","id":1,"force":true}', "invalid ShutdownRequest: .*force"),
        ('{"type":"parse","id":1,"file":"a.py"}', "invalid ParseRequest: .*dag_folder"),
        ('{"type":"launch","id":1}', "unknown message type 'launch'"),
        ("[1]", "expected a JSON object, got list"),
        ("{", "not valid JSON"),
    ],
)
def test_the_sandbox_refuses_a_malformed_request_in_one_line(line: str, error: str) -> None:
    with pytest.raises(SerializationError, match=error) as caught:
        protocol.decode_request(line)
    assert "\n" not in str(caught.value)
