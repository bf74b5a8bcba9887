"""Deterministic JSON of DAGs and callback requests (cattrs), and the hashes that identify them.

Each name is imported on first use (see ``dagseal/sdk/lazy.py``): a task container's sandbox
needs the codec, not the DAG schema or the callback requests. The Converter is
``dagseal.serialization.converter.converter`` (the package name would be its module's).
"""

from dagseal.sdk.lazy import lazy_attributes

_EXPORTS = {
    "CALLBACK_TYPES": "dagseal.serialization.callback_requests",
    "CallbackRequest": "dagseal.serialization.callback_requests",
    "DagCallbackRequest": "dagseal.serialization.callback_requests",
    "SlaCallbackRequest": "dagseal.serialization.callback_requests",
    "TaskCallbackRequest": "dagseal.serialization.callback_requests",
    "callback_request_from_json": "dagseal.serialization.callback_requests",
    "canonical_json": "dagseal.serialization.canonical",
    "sha256_hex": "dagseal.serialization.canonical",
    "dag_envelope": "dagseal.serialization.dags",
    "dag_from_envelope": "dagseal.serialization.dags",
    "dag_hash": "dagseal.serialization.dags",
    "serialize_dag": "dagseal.serialization.dags",
    "SerializationError": "dagseal.serialization.errors",
    "SCHEMA_VERSION": "dagseal.serialization.schema",
    "CallableRef": "dagseal.serialization.schema",
    "EdgeLabel": "dagseal.serialization.schema",
    "ScheduleSpec": "dagseal.serialization.schema",
    "SerializedDag": "dagseal.serialization.schema",
    "SerializedTask": "dagseal.serialization.schema",
    "SerializedTaskGroup": "dagseal.serialization.schema",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS)
