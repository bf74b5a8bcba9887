"""Serialized DAGs: schema shape, strict decoding, deterministic hashes across processes."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import pytest

from dagseal import DAG, BashOperator, task
from dagseal.serialization import (
    SerializationError,
    canonical_json,
    dag_envelope,
    dag_from_envelope,
    dag_hash,
    serialize_dag,
)

DAG_FILE = """
from datetime import datetime, timedelta
from dagseal import DAG, BashOperator, task

def alert(context):
    print(context)

with DAG("t.hash", schedule="@daily", start_date=datetime(2026, 1, 1),
         default_args={"retries": 2, "retry_delay": timedelta(seconds=5)}, on_failure_callback=alert,
         tags=["b", "a"], params={"n": 1}) as dag:
    @task
    def extract():
        return {"rows": 3}

    @task(retries=1)
    def load(data, mode="append"):
        return data

    load(extract(), mode="full") >> BashOperator(task_id="report", bash_command="echo done")
"""

AIRFLOW_DAG_FILE = """
from datetime import datetime
from airflow.sdk import DAG, Label, Param, TaskGroup, setup, task, teardown
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import BranchPythonOperator

with DAG("t.hash", schedule=None, start_date=datetime(2026, 1, 1), doc_md="# doc",
         params={"n": Param(1, type="integer", minimum=0), "m": Param("x", enum=["x", "y"])}):
    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "g.a")
    with TaskGroup("g", default_args={"retries": 2}) as group:
        for name in "dcba":
            BashOperator(task_id=name, bash_command="echo {{ ds }} " + name)
    pick >> Label("maybe") >> group >> BashOperator(task_id="report", bash_command="echo done")

    @setup
    def up():
        return 1

    @teardown
    def down():
        return 1

    made = up()
    made >> group >> down().as_teardown(setups=made)
"""

HASH_SCRIPT = """
import sys
from dagseal.sandbox.parse import parse_file
from dagseal.sandbox.protocol import ParseRequest
result = parse_file(ParseRequest(id=1, dag_folder=sys.argv[1], file="hashme.py"))
assert not result.import_errors, result.import_errors
from dagseal.serialization import dag_from_envelope, dag_hash
print(dag_hash(dag_from_envelope(result.dags[0])))
"""


def _hash_in_fresh_process(folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", HASH_SCRIPT, str(folder)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.fresh_interpreter
@pytest.mark.parametrize("source", [DAG_FILE, AIRFLOW_DAG_FILE], ids=["dagseal", "airflow"])
def test_same_file_same_hash_in_two_processes_and_one_char_changes_it(tmp_path: Path, source: str) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for folder in (first, second):
        folder.mkdir()
        (folder / "hashme.py").write_text(source)
    hashes = {_hash_in_fresh_process(first), _hash_in_fresh_process(second)}
    assert len(hashes) == 1
    assert len(next(iter(hashes))) == 64
    (second / "hashme.py").write_text(source.replace("echo done", "echo dune"))
    assert _hash_in_fresh_process(second) not in hashes


def _example_dag() -> DAG:
    with DAG("t.shape", schedule=timedelta(hours=1), start_date=datetime(2026, 1, 1), tags=["z", "a"]) as dag:

        @task
        def extract() -> dict:
            return {"rows": 3}

        @task
        def load(data: dict, *, label: str) -> None:
            return None

        load(extract(), label="x") >> BashOperator(task_id="b", bash_command="echo", env={"K": "v"})
    return dag


def test_envelope_matches_the_contract_schema() -> None:
    serialized = serialize_dag(_example_dag(), fileloc="sub/f.py", source_digest="d" * 64)
    envelope = json.loads(canonical_json(dag_envelope(serialized)))
    assert envelope["__version"] == 1
    body = envelope["dag"]
    assert body["fileloc"] == "sub/f.py"
    assert body["tags"] == ["a", "z"]
    assert body["schedule"] == {
        "kind": "timedelta",
        "cron": None,
        "seconds": 3600.0,
        "timetable": None,
        "timezone": None,
        "interval": 0.0,
        "assets": None,
    }
    assert body["start_date"] == "2026-01-01T00:00:00+00:00"
    assert [t["task_id"] for t in body["tasks"]] == ["b", "extract", "load"]
    load = body["tasks"][2]
    assert load["op_args"] == [{"__xcom__": "extract"}]
    assert load["op_kwargs"] == {"label": "x"}
    assert load["python_callable"]["qualname"].endswith("load")
    assert load["retry_delay"] == 300.0
    assert body["tasks"][0]["env"] == {"K": "v"}
    assert dag_from_envelope(envelope) == serialized


def test_non_json_op_args_are_a_serialization_error() -> None:
    with DAG("t.badargs") as dag:

        @task
        def use(value: object) -> None:
            return None

        use(datetime(2026, 1, 1))
    with pytest.raises(
        SerializationError, match=r"task 'use' op_args\[0\]: datetime is not JSON-serializable"
    ):
        serialize_dag(dag, fileloc="f.py", source_digest="0" * 64)


def test_decoding_refuses_unknown_versions_and_keys() -> None:
    serialized = serialize_dag(_example_dag(), fileloc="f.py", source_digest="0" * 64)
    envelope = dag_envelope(serialized)
    with pytest.raises(SerializationError, match="unsupported serialized DAG schema version 2"):
        dag_from_envelope({**envelope, "__version": 2})
    with pytest.raises(SerializationError, match="invalid SerializedDag"):
        dag_from_envelope({**envelope, "dag": {**envelope["dag"], "surprise": 1}})


def test_hash_depends_on_content_only() -> None:
    one = serialize_dag(_example_dag(), fileloc="f.py", source_digest="0" * 64)
    two = serialize_dag(_example_dag(), fileloc="f.py", source_digest="0" * 64)
    assert dag_hash(one) == dag_hash(two)
    assert dag_hash(one) != dag_hash(attrs.evolve(one, catchup=True))
    assert dag_hash(one) != dag_hash(attrs.evolve(one, source_digest="1" * 64))
