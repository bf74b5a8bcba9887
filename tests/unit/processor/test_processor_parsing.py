"""Validation of untrusted parse replies before anything reaches the DB (no sandbox needed)."""

from __future__ import annotations

from typing import Any

from dagseal import DAG, EmptyOperator
from dagseal.processor.parsing import outcome_from_reply
from dagseal.serialization import canonical_json, dag_envelope, dag_from_envelope, dag_hash, serialize_dag

DIGEST = "ab" * 32


def envelope(dag_id: str = "proc.valid", fileloc: str = "valid.py", digest: str = DIGEST) -> dict[str, Any]:
    with DAG(dag_id) as dag:
        EmptyOperator(task_id="t")
    return dag_envelope(serialize_dag(dag.validate(), fileloc=fileloc, source_digest=digest))


def reply(**fields: Any) -> dict[str, Any]:
    base = {"type": "parse_result", "id": 1, "file": "valid.py", "source_digest": DIGEST, "source": "x"}
    return {**base, **fields}


def test_valid_reply_is_hashed_on_the_host() -> None:
    sent = envelope()
    outcome = outcome_from_reply("valid.py", reply(dags=[sent]))
    assert outcome.errors == ()
    (parsed,) = outcome.dags
    assert parsed.data == canonical_json(sent)
    assert parsed.dag_hash == dag_hash(dag_from_envelope(sent))


def test_malformed_replies_become_import_errors() -> None:
    cases = {
        "not a parse result": ({"type": "parse_result", "id": 1}, "invalid parse result"),
        "another file": (reply(file="other.py"), "another file"),
        "bad envelope": (reply(dags=[{"__version": 99, "dag": {}}]), "invalid DAG"),
        "wrong fileloc": (reply(dags=[envelope(fileloc="elsewhere.py")]), "claims fileloc"),
        "wrong digest": (reply(dags=[envelope(digest="cd" * 32)]), "not serialized from the parsed source"),
        "no source": (reply(source=None, dags=[envelope()]), "without their source"),
    }
    for name, (message, needle) in cases.items():
        outcome = outcome_from_reply("valid.py", message)
        assert outcome.dags == (), name
        assert len(outcome.errors) == 1 and needle in outcome.errors[0], (name, outcome.errors)
        assert outcome.errors[0].startswith("valid.py: "), name


def test_sandbox_import_errors_end_with_their_one_line_message() -> None:
    error = {
        "filename": "valid.py",
        "message": "valid.py:3: NameError: x",
        "stacktrace": "Traceback...\nNameError",
    }
    outcome = outcome_from_reply("valid.py", reply(import_errors=[error]))
    assert outcome.errors == ("Traceback...\nNameError\n\nvalid.py:3: NameError: x",)
