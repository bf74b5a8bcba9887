"""The REST API server and web UI (``dagseal api-server``): reads the metadata DB, calls the host
functions the CLI uses, never imports DAG files and never talks to the Docker engine.

Nothing is imported here, so ``dagseal users`` can use :mod:`dagseal.api.auth` without FastAPI's
routes; the app is :func:`dagseal.api.app.create_app`.
"""

__all__: list[str] = []
