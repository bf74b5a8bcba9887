"""Log pieces and continuation tokens; the params schema that checks a trigger's conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagseal.api.params import conf_error, params_schema
from dagseal.api.task_log import BadContinuationToken, decode_token, encode_token, read_piece


def test_token_round_trip_and_forgeries() -> None:
    assert decode_token(encode_token(1234)) == 1234
    assert decode_token(None) == 0
    for forged in ["@@@", "e30", encode_token(-1), "eyJvZmZzZXQiOiB0cnVlfQ"]:  # {}, -1, {"offset": true}
        with pytest.raises(BadContinuationToken):
            decode_token(forged)


def test_live_piece_holds_back_a_partial_line(tmp_path: Path) -> None:
    log = tmp_path / "1.log"
    log.write_bytes(b"one\ntwo\nthr")
    live = read_piece(log, 0, final=False)
    assert (live.lines, live.next_offset) == (["one", "two"], 8)
    final = read_piece(log, live.next_offset, final=True)
    assert final.lines == ["thr"]


def test_missing_file_and_offset_past_end_are_empty(tmp_path: Path) -> None:
    assert read_piece(tmp_path / "none.log", 0, final=True).exists is False
    log = tmp_path / "1.log"
    log.write_text("a\n")
    piece = read_piece(log, 99, final=True)
    assert (piece.lines, piece.next_offset) == ([], 99)


def test_params_schema_types_from_defaults() -> None:
    schema = params_schema(
        {"n": 1, "flag": True, "ratio": 0.5, "name": "x", "items": [], "cfg": {}, "any": None}
    )
    types = {k: v.get("type") for k, v in schema["properties"].items()}
    assert types == {
        "n": "integer",
        "flag": "boolean",
        "ratio": "number",
        "name": "string",
        "items": "array",
        "cfg": "object",
        "any": None,
    }


def test_conf_error_names_the_key() -> None:
    assert conf_error({"n": 1}, {"n": 2, "extra": "ok"}) is None
    assert conf_error({"n": 1}, {"n": "two"}) == "conf field 'n': 'two' is not of type 'integer'"
    assert conf_error({"flag": False}, {"flag": 1}) is not None
