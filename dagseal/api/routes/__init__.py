"""The ``/api/v2`` routers, one module per resource; ``ROUTERS`` is what the app mounts.

A new resource (pools, variables, connections, backfills) is a new module here added to ``ROUTERS``.
"""

from fastapi import APIRouter

from dagseal.api.routes import (
    connections,
    dag_runs,
    dag_versions,
    dags,
    deployments,
    import_errors,
    monitor,
    task_instances,
    task_logs,
    variables,
)

ROUTERS: tuple[APIRouter, ...] = (
    dags.router,
    dag_runs.router,
    task_instances.router,
    task_logs.router,
    dag_versions.router,
    import_errors.router,
    deployments.router,
    variables.router,
    connections.router,
    monitor.router,
)

__all__ = ["ROUTERS"]
