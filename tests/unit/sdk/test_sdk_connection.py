"""Airflow's connection URI and JSON forms, both ways, and their one-line errors."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dagseal.sdk.connection import Connection, ConnectionFormatError, is_sensitive_name


def test_uri_parses_every_part_and_unquotes() -> None:
    conn = Connection.from_uri(
        "wh", "postgresql://user%40x:p%40ss%2Fw@warehouse:5432/analytics?sslmode=require"
    )
    assert (conn.conn_type, conn.login, conn.password) == ("postgres", "user@x", "p@ss/w")
    assert (conn.host, conn.port, conn.schema) == ("warehouse", 5432, "analytics")
    assert conn.extra_dejson == {"sslmode": "require"}


def test_extra_with_nested_values_travels_as_the_extra_key() -> None:
    conn = Connection(conn_id="a", conn_type="http", host="h", extra=json.dumps({"headers": {"k": 1}}))
    assert "__extra__" in conn.get_uri()
    assert Connection.from_uri("a", conn.get_uri()).extra_dejson == {"headers": {"k": 1}}


text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(
    login=st.none() | text,
    password=st.none() | text,
    host=st.none() | text,
    port=st.none() | st.integers(1, 65535),
    schema=st.none() | text,
)
def test_uri_round_trip(login, password, host, port, schema) -> None:
    conn = Connection(
        conn_id="c", conn_type="my_type", login=login, password=password, host=host, port=port, schema=schema
    )
    back = Connection.from_uri("c", conn.get_uri())
    expected_login = login if (login or password) else None
    assert (back.conn_type, back.password, back.port) == ("my_type", password, port)
    assert (back.login or None, back.host, back.schema) == (expected_login or None, host, schema)


def test_json_form_round_trip_and_errors() -> None:
    conn = Connection.from_dict(
        "c", {"conn_type": "postgres", "host": "h", "port": "5432", "extra": {"a": "b"}}
    )
    assert conn.port == 5432 and conn.extra_dejson == {"a": "b"}
    assert Connection.from_dict("c", conn.to_dict()) == conn
    with pytest.raises(ConnectionFormatError, match="connection 'c': unknown field"):
        Connection.from_dict("c", {"conn_type": "x", "hots": "h"})
    with pytest.raises(ConnectionFormatError, match="'port' must be an integer"):
        Connection.from_dict("c", {"conn_type": "x", "port": "http"})


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("warehouse:5432", "URI has no scheme"),
        ("postgres://u:p@h:notaport/db", "malformed URI"),
        ("postgres://u:p@h/db?__extra__=[1]", "extra must be a JSON object"),
    ],
)
def test_bad_uris_are_one_line_and_never_quote_the_password(uri: str, message: str) -> None:
    with pytest.raises(ConnectionFormatError, match=message) as caught:
        Connection.from_uri("wh", uri)
    assert "connection 'wh'" in str(caught.value) and ":p@" not in str(caught.value)


def test_secret_values_are_the_password_and_sensitive_extras() -> None:
    conn = Connection(
        conn_id="c", conn_type="http", password="pw", extra=json.dumps({"api_key": "k1", "region": "eu"})
    )
    assert conn.secret_values() == ["pw", "k1"]
    assert is_sensitive_name("WAREHOUSE_PASSWORD") and not is_sensitive_name("region")
