"""Deterministic JSON of DAGs and callback requests (cattrs), and the hashes that identify them."""

from dagseal.serialization.callback_requests import (
    CALLBACK_TYPES,
    CallbackRequest,
    DagCallbackRequest,
    SlaCallbackRequest,
    TaskCallbackRequest,
    callback_request_from_json,
)
from dagseal.serialization.canonical import canonical_json, sha256_hex
from dagseal.serialization.converter import converter
from dagseal.serialization.dags import dag_envelope, dag_from_envelope, dag_hash, serialize_dag
from dagseal.serialization.errors import SerializationError
from dagseal.serialization.schema import (
    SCHEMA_VERSION,
    CallableRef,
    EdgeLabel,
    ScheduleSpec,
    SerializedDag,
    SerializedTask,
    SerializedTaskGroup,
)

__all__ = [
    "CALLBACK_TYPES",
    "SCHEMA_VERSION",
    "CallableRef",
    "CallbackRequest",
    "DagCallbackRequest",
    "EdgeLabel",
    "ScheduleSpec",
    "SerializationError",
    "SerializedDag",
    "SerializedTask",
    "SerializedTaskGroup",
    "SlaCallbackRequest",
    "TaskCallbackRequest",
    "callback_request_from_json",
    "canonical_json",
    "converter",
    "dag_envelope",
    "dag_from_envelope",
    "dag_hash",
    "serialize_dag",
    "sha256_hex",
]
