"""Config precedence, provenance, typed getters, docker runtime sections and secret masking."""

from pathlib import Path

import pytest

from dagseal.config import ConfigError, load_config, mask_secrets


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_only(tmp_path: Path) -> None:
    config = load_config({}, cwd=tmp_path)
    assert config.path is None
    assert config.get("core", "dags_folder") == "dag_repos"
    assert config.get("core", "sql_alchemy_conn") == f"sqlite:///{tmp_path / '.dagseal' / 'dagseal.db'}"
    assert config.getint("core", "parallelism") == 8
    assert config.getboolean("scheduler", "standalone_dag_processor") is False
    assert config.getint("scheduler", "zombie_detection_interval") == 30
    assert config.getfloat("scheduler", "scheduler_heartbeat_sec") == 1.0
    assert config.get("logging", "base_log_folder") == "logs"
    assert config.source("core", "parallelism") == "default"


def test_dagseal_home_moves_the_default_database(tmp_path: Path) -> None:
    config = load_config({"DAGSEAL_HOME": "/srv/dagseal"}, cwd=tmp_path)
    assert config.get("core", "sql_alchemy_conn") == "sqlite:////srv/dagseal/dagseal.db"


def test_file_then_env_override_with_sources(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "custom.cfg", "[core]\nparallelism = 4\n[Scheduler]\nParsing_Processes = 3\n")
    config = load_config(
        {"DAGSEAL_CONFIG": str(cfg), "DAGSEAL__SCHEDULER__PARSING_PROCESSES": "5"}, cwd=tmp_path
    )
    assert config.path == cfg
    assert (config.getint("core", "parallelism"), config.source("core", "parallelism")) == (4, str(cfg))
    assert config.getint("scheduler", "parsing_processes") == 5
    assert config.source("scheduler", "parsing_processes") == "env DAGSEAL__SCHEDULER__PARSING_PROCESSES"
    listing = config.as_dict_with_sources()
    assert listing["core"]["dags_folder"] == ("dag_repos", "default")


def test_local_dagseal_cfg_is_used_when_dagseal_config_is_unset(tmp_path: Path) -> None:
    _write(tmp_path / "dagseal.cfg", "[core]\ndags_folder = elsewhere\n")
    assert load_config({}, cwd=tmp_path).get("core", "dags_folder") == "elsewhere"


def test_percent_signs_are_not_interpolated(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "d.cfg", "[core]\nsql_alchemy_conn = postgresql+psycopg://u:p%%40ss@h/db\n")
    config = load_config({"DAGSEAL_CONFIG": str(cfg)}, cwd=tmp_path)
    assert config.get("core", "sql_alchemy_conn") == "postgresql+psycopg://u:p%%40ss@h/db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DAGSEAL_CONFIG": "/nonexistent/dagseal.cfg"}, "DAGSEAL_CONFIG points to /nonexistent/dagseal.cfg"),
        ({"DAGSEAL__CORE": "x"}, "must look like DAGSEAL__SECTION__KEY"),
    ],
)
def test_unusable_sources_are_errors(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(environ, cwd=tmp_path)


def test_malformed_file_names_the_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "bad.cfg", "parallelism = 4\n")
    with pytest.raises(ConfigError, match=f"cannot read config file {cfg}"):
        load_config({"DAGSEAL_CONFIG": str(cfg)}, cwd=tmp_path)


def test_typed_getters_say_what_and_where(tmp_path: Path) -> None:
    config = load_config({"DAGSEAL__CORE__PARALLELISM": "many", "DAGSEAL__CORE__X": "maybe"}, cwd=tmp_path)
    with pytest.raises(
        ConfigError, match=r"\[core\] parallelism = 'many' \(from env DAGSEAL__CORE__PARALLELISM\)"
    ):
        config.getint("core", "parallelism")
    with pytest.raises(ConfigError, match="not a boolean"):
        config.getboolean("core", "x")
    with pytest.raises(ConfigError, match=r"unknown configuration option \[core\] nope"):
        config.get("core", "nope")


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        (
            "sql_alchemy_conn",
            "postgresql+psycopg://dagseal:s3cret@127.0.0.1:54329/dagseal",
            "postgresql+psycopg://dagseal:***@127.0.0.1:54329/dagseal",
        ),
        ("sql_alchemy_conn", "sqlite:////tmp/dagseal.db", "sqlite:////tmp/dagseal.db"),
        ("registry_password", "hunter2", "***"),
        ("fernet_key", "0Nq2-key,1Ab3-old", "***"),
        ("backend_kwargs", '{"vault_token": "s.abc"}', "***"),
        ("dags_folder", "dag_repos", "dag_repos"),
    ],
)
def test_mask_secrets(key: str, value: str, shown: str) -> None:
    assert mask_secrets(key, value) == shown
