"""Check a new run's conf against the DAG's ``Param`` schemas (host side, before the run exists).

Airflow validates params with JSON Schema when a run is triggered; so do we, with ``jsonschema``,
from the schemas the sandbox serialized (the host never imports the DAG file).
"""

from typing import Any

from dagseal.errors import DagsealError
from dagseal.serialization import SerializedDag


class InvalidRunConf(DagsealError):
    """The trigger conf (or a Param default) does not satisfy a Param's schema; one line names it."""


def effective_params(dag: SerializedDag, conf: dict[str, Any]) -> dict[str, Any]:
    """Params of a run: the DAG's defaults overridden by the conf (Airflow's default behaviour)."""
    return {**dag.params, **conf}


def validate_run_conf(dag: SerializedDag, conf: dict[str, Any]) -> None:
    """Raise InvalidRunConf for the first param (by name) that is missing or fails its schema."""
    if not dag.param_schemas:
        return
    import jsonschema

    params = effective_params(dag, conf)
    for name, spec in sorted(dag.param_schemas.items()):
        if name not in params:
            raise InvalidRunConf(f"DAG {dag.dag_id!r}: param {name!r} has no default and is not in the conf")
        try:
            jsonschema.validate(params[name], spec.get("schema") or {})
        except jsonschema.ValidationError as exc:
            raise InvalidRunConf(f"DAG {dag.dag_id!r}: param {name!r}: {exc.message}") from None
        except jsonschema.SchemaError as exc:
            raise InvalidRunConf(
                f"DAG {dag.dag_id!r}: param {name!r} has an invalid schema: {exc.message}"
            ) from None
