"""The worker log server on loopback: signed requests read a log, anything else is refused."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from dagseal.config import ConfigError, load_config
from dagseal.executor.serve_logs import LogServer, LogServerSettings, RemoteLogError, fetch, sign

LOG = "dag/manual__1/task/1.log"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LogServerSettings]:
    (tmp_path / "logs" / LOG).parent.mkdir(parents=True)
    (tmp_path / "logs" / LOG).write_text("hello from the worker\n")
    (tmp_path / "secret.txt").write_text("not a log")
    settings = LogServerSettings(
        base_log_folder=str(tmp_path / "logs"), host="127.0.0.1", port=0, secret_key="s3cret" * 16
    )
    server = LogServer(settings)
    server.start()
    yield attrs.evolve(settings, port=server.port)
    server.stop()


def test_a_signed_request_reads_the_log(served: LogServerSettings) -> None:
    assert fetch(served, "127.0.0.1", LOG) == "hello from the worker\n"


def test_a_token_signed_with_another_secret_is_refused(served: LogServerSettings) -> None:
    with pytest.raises(RemoteLogError, match=r"answered 403: invalid token: Signature verification failed"):
        fetch(attrs.evolve(served, secret_key="guess" * 16), "127.0.0.1", LOG)


def _get(settings: LogServerSettings, path: str, token: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.port}/log/{path}", headers={"Authorization": f"Bearer {token}"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_token_opens_only_its_own_file_only_for_a_while(served: LogServerSettings) -> None:
    key = served.secret_key
    assert _get(served, LOG, sign(key, LOG)) == 200
    assert _get(served, LOG, sign(key, "dag/manual__1/task/2.log")) == 403
    assert _get(served, LOG, sign(key, LOG, now=time.time() - 3600)) == 403
    assert _get(served, "../secret.txt", sign(key, "../secret.txt")) == 404
    assert _get(served, "dag/manual__1/task/9.log", sign(key, "dag/manual__1/task/9.log")) == 404


def test_an_unreachable_worker_is_named(served: LogServerSettings) -> None:
    with pytest.raises(RemoteLogError, match=r"^log server on 127.0.0.1:1 unreachable: .*Connection refused"):
        fetch(attrs.evolve(served, port=1), "127.0.0.1", LOG)


def test_settings_need_the_shared_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^\[api\] secret_key is empty"):
        LogServerSettings.from_config(load_config({}, tmp_path))
    settings = LogServerSettings.from_config(load_config({"DAGSEAL__API__SECRET_KEY": "k"}, tmp_path))
    assert (settings.host, settings.port) == ("127.0.0.1", 8793)
