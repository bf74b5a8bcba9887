"""Imported once by the LocalExecutor's fork server, so every supervisor forks warm.

Whatever a supervisor would otherwise import or build on its first try, it would do again in every
try (each is a new process), so it is done here once: SQLAlchemy, the models and mappers (~200 ms
for the first ORM statement), the process runtime and the SQLite dialect (imported lazily), and
cattrs' generated hooks for the pinned DAG and the ``run_task`` request (a few ms each).
"""

import json
import sqlite3  # noqa: F401  (the SQLite driver, imported by the dialect on first connect)

import sqlalchemy.dialects.sqlite  # noqa: F401  (create_engine imports the dialect on first use)
from sqlalchemy.orm import configure_mappers

# the supervisor, and the process runtime it imports lazily: the imports are the point
import dagseal.executor.supervisor
import dagseal.runtime.process  # noqa: F401
from dagseal.runtime.base import RunTaskRequest
from dagseal.sandbox.protocol import encode
from dagseal.sdk import DAG, EmptyOperator
from dagseal.serialization import dag_envelope, dag_from_envelope, serialize_dag


def _warm_converters() -> None:
    with DAG("forkserver-warm-up", schedule=None) as dag:
        EmptyOperator(task_id="noop")
    envelope = json.loads(json.dumps(dag_envelope(serialize_dag(dag, fileloc="warm.py", source_digest="0"))))
    dag_from_envelope(envelope)
    encode(RunTaskRequest(id=0, dag_folder="", file="", source="", dag_id="", task_id="", run_id=""))


configure_mappers()
_warm_converters()
