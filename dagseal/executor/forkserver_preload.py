"""Imported once by the LocalExecutor's fork server, so every supervisor forks warm.

Importing the supervisor loads SQLAlchemy, the models and the runtime; configuring the mappers
here saves each supervisor the ~200 ms its first ORM statement would otherwise spend on it, and
encoding one ``run_task`` request builds cattrs' generated unstructure hook once (~7 ms a try).
"""

from sqlalchemy.orm import configure_mappers

import dagseal.executor.supervisor  # noqa: F401  (the import is the point)
from dagseal.runtime.base import RunTaskRequest
from dagseal.sandbox.protocol import encode

configure_mappers()
encode(RunTaskRequest(id=0, dag_folder="", file="", source="", dag_id="", task_id="", run_id=""))
