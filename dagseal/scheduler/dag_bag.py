"""Serialized DAG versions by dag_hash: the scheduler's only view of a DAG (it never imports DAG files)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from dagseal.db.models import SerializedDagModel
from dagseal.errors import DagsealError
from dagseal.serialization import SerializedDag, dag_from_envelope


class MissingDagVersionError(DagsealError):
    """A DAG run points at a dag_hash that has no serialized_dag row."""


class SerializedDagBag:
    """Parsed ``serialized_dag`` rows; a row never changes once written, so each is parsed once."""

    def __init__(self) -> None:
        self._by_hash: dict[str, SerializedDag] = {}

    def get(self, session: Session, dag_hash: str) -> SerializedDag:
        cached = self._by_hash.get(dag_hash)
        if cached is not None:
            return cached
        row = session.get(SerializedDagModel, dag_hash)
        if row is None:
            raise MissingDagVersionError(f"serialized DAG {dag_hash} is not in the database")
        dag = dag_from_envelope(json.loads(row.data))
        self._by_hash[dag_hash] = dag
        return dag
