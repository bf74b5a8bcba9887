"""Protocol 3's supervisor requests and answers round-trip as one line; the masker catches values
split anywhere across writes."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dagseal.sandbox import protocol, supervisor_protocol
from dagseal.secrets.masker import SecretsMasker
from dagseal.serialization.converter import structure

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | names,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
ids = st.integers(0, 2**31)
requests = st.one_of(
    st.builds(supervisor_protocol.GetConnection, id=ids, conn_id=names),
    st.builds(supervisor_protocol.GetVariable, id=ids, key=names),
    st.builds(supervisor_protocol.SetVariable, id=ids, key=names, value=names, description=st.none() | names),
    st.builds(supervisor_protocol.XComPush, id=ids, key=names, value=json_values),
    st.builds(
        supervisor_protocol.XComPull,
        id=ids,
        task_ids=st.lists(names, max_size=3),
        key=names,
        include_prior_dates=st.booleans(),
    ),
)
answers = st.one_of(
    st.builds(
        supervisor_protocol.ConnectionResult,
        id=ids,
        connection=st.dictionaries(names, json_values, max_size=3),
    ),
    st.builds(
        supervisor_protocol.VariableResult,
        id=ids,
        found=st.booleans(),
        value=st.none() | names,
        message=st.none() | names,
    ),
    st.builds(supervisor_protocol.XComResult, id=ids, values=st.lists(json_values, max_size=3)),
    st.builds(supervisor_protocol.Done, id=ids),
    st.builds(supervisor_protocol.RequestFailed, id=ids, message=names),
)


@given(requests)
def test_supervisor_requests_round_trip(message: Any) -> None:
    line = protocol.encode(message)
    assert line.count(b"\n") == 1
    assert supervisor_protocol.decode_supervisor_request(line) == message


@given(answers)
def test_supervisor_answers_round_trip(message: Any) -> None:
    line = protocol.encode(message)
    assert line.count(b"\n") == 1
    assert structure(json.loads(line), type(message)) == message


secrets = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=5, max_size=16)


@given(secrets, st.lists(st.text(max_size=20), min_size=1, max_size=4), st.data())
def test_masked_log_hides_secrets_split_anywhere(secret: str, around: list[str], data: st.DataObject) -> None:
    masker = SecretsMasker()
    masker.add(secret)
    text = secret.join(around).encode("utf-8", "surrogatepass")
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    out = io.BytesIO()
    log = masker.wrap(out)
    for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True):
        log.write(text[start:end])
    log.finish()
    assert out.getvalue() == masker.mask_bytes(text)
    assert secret.encode() not in out.getvalue()


def test_short_values_are_not_masked_and_forms_are() -> None:
    masker = SecretsMasker()
    masker.add("abcd")
    masker.add('pa"ss/w0rd')
    assert masker.mask("abcd") == "abcd"
    assert masker.mask('{"p": "pa\\"ss/w0rd"} pa%22ss%2Fw0rd') == '{"p": "***"} ***'
