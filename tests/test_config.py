"""Configuration precedence (flag > environment > default) and the instance secret."""

from __future__ import annotations

import logging.config
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from baas import cli, server
from baas.config import DEFAULT_HTTP, SECRET_FILE_NAME, load_config
from baas.log_config import JsonFormatter


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(in_tmp):
    config = load_config(env={})
    assert config.data_dir == in_tmp / "baas_data"
    assert config.database_url == f"sqlite:///{in_tmp / 'baas_data' / 'data.db'}"
    assert config.http == DEFAULT_HTTP == "127.0.0.1:8090"
    assert config.redis_url is None
    assert config.log_format == "text"
    assert config.dev is False and config.automigrate is False
    assert config.plugins_dir == in_tmp / "baas_plugins"
    assert config.migrations_dir == in_tmp / "baas_data" / "migrations"


def test_environment_overrides_defaults(in_tmp):
    env = {
        "BAAS_DATA_DIR": str(in_tmp / "from_env"),
        "BAAS_DATABASE_URL": "postgresql://u@db/x",
        "BAAS_REDIS_URL": "redis://cache:6379/1",
        "BAAS_SECRET_KEY": "env-secret",
        "BAAS_HTTP": "0.0.0.0:9000",
        "BAAS_LOG_FORMAT": "json",
        "BAAS_PLUGINS_DIR": str(in_tmp / "plugs"),
        "BAAS_DEV": "1",
        "BAAS_AUTOMIGRATE": "0",
        "BAAS_MIGRATIONS_DIR": str(in_tmp / "migs"),
    }
    config = load_config(env=env)
    assert config.data_dir == in_tmp / "from_env"
    assert config.database_url == "postgresql://u@db/x"
    assert config.redis_url == "redis://cache:6379/1"
    assert config.secret_key == "env-secret"
    assert config.http == "0.0.0.0:9000"
    assert config.log_format == "json"
    assert config.plugins_dir == in_tmp / "plugs"
    assert config.dev is True
    assert config.automigrate is False  # explicit BAAS_AUTOMIGRATE beats the dev default
    assert config.migrations_dir == in_tmp / "migs"


def test_dev_turns_automigrate_on_by_default(in_tmp):
    assert load_config(env={"BAAS_DEV": "true"}).automigrate is True


def test_flags_override_environment(in_tmp):
    env = {"BAAS_DATA_DIR": str(in_tmp / "env_dir"), "BAAS_HTTP": "0.0.0.0:9000", "BAAS_LOG_FORMAT": "json"}
    config = load_config(in_tmp / "flag_dir", env=env, http="127.0.0.1:7000", log_format="text", plugins_dir=str(in_tmp / "p"))
    assert config.data_dir == in_tmp / "flag_dir"
    assert config.http == "127.0.0.1:7000"
    assert config.log_format == "text"
    assert config.plugins_dir == in_tmp / "p"


@pytest.fixture
def captured_serve(monkeypatch):
    """`baas serve` up to the point where it would start the server; returns what it would start with."""
    calls: dict = {}
    monkeypatch.setattr(server, "serve", lambda config, workers: calls.update(config=config, workers=workers))
    monkeypatch.setattr(server, "serve_dev", lambda config: calls.update(config=config, dev=True))
    monkeypatch.setattr(logging.config, "dictConfig", lambda spec: calls.update(logging=spec))
    return calls


def logs_json(calls: dict) -> bool:
    return calls["logging"]["formatters"]["baas"].get("()") is JsonFormatter


def invoke(args, env):
    """Run the CLI with only `env` as BAAS_* settings (the developer's own ones are hidden)."""
    hidden = {key: None for key in os.environ if key.startswith("BAAS_")}
    return CliRunner().invoke(cli.main, args, env={**hidden, **env})


def test_serve_flags_win_over_environment(in_tmp, captured_serve):
    env = {"BAAS_HTTP": "0.0.0.0:9000", "BAAS_DATA_DIR": str(in_tmp / "env_dir"), "BAAS_LOG_FORMAT": "json"}
    flags = ["--http", "127.0.0.1:7001", "--dir", str(in_tmp / "flag_dir"), "--log-format", "text", "--workers", "3"]
    result = invoke(["serve", *flags], env)
    assert result.exit_code == 0, result.output
    config = captured_serve["config"]
    assert (config.http, config.data_dir, config.log_format) == ("127.0.0.1:7001", in_tmp / "flag_dir", "text")
    assert captured_serve["workers"] == 3
    assert not logs_json(captured_serve)


def test_serve_reads_environment(in_tmp, captured_serve):
    env = {"BAAS_HTTP": "0.0.0.0:9000", "BAAS_DATA_DIR": str(in_tmp / "env_dir"), "BAAS_LOG_FORMAT": "json"}
    result = invoke(["serve"], env)
    assert result.exit_code == 0, result.output
    config = captured_serve["config"]
    assert (config.http, config.data_dir, config.log_format) == ("0.0.0.0:9000", in_tmp / "env_dir", "json")
    assert captured_serve["workers"] == 2
    assert logs_json(captured_serve)


def test_serve_dev_flag_turns_on_automigrate(in_tmp, captured_serve):
    result = invoke(["serve", "--dev", "--dir", str(in_tmp / "d")], {"BAAS_AUTOMIGRATE": "0"})
    assert result.exit_code == 0, result.output
    assert captured_serve["dev"] is True
    assert captured_serve["config"].dev is True and captured_serve["config"].automigrate is True


@pytest.mark.parametrize("address", ["8090", "localhost", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000"])
def test_serve_rejects_a_bad_address(in_tmp, captured_serve, address):
    result = invoke(["serve", "--http", address, "--dir", str(in_tmp / "d")], {})
    assert result.exit_code == 2
    assert "invalid --http address" in result.output
    assert "config" not in captured_serve


def test_serve_rejects_an_unknown_log_format_from_the_environment(in_tmp, captured_serve):
    result = invoke(["serve", "--dir", str(in_tmp / "d")], {"BAAS_LOG_FORMAT": "xml"})
    assert result.exit_code == 2
    assert "unknown log format" in result.output


def test_secret_is_generated_once_with_mode_0600(tmp_path):
    first = load_config(tmp_path / "d", env={})
    path = Path(first.data_dir) / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert load_config(tmp_path / "d", env={}).secret_key == first.secret_key
    assert load_config(tmp_path / "other", env={}).secret_key != first.secret_key


def test_secret_from_environment_leaves_no_file(tmp_path):
    config = load_config(tmp_path / "d", env={"BAAS_SECRET_KEY": "s3cr3t-from-env"})
    assert config.secret_key == "s3cr3t-from-env"
    assert not (tmp_path / "d" / SECRET_FILE_NAME).exists()


def test_secret_is_not_in_the_config_repr(tmp_path):
    config = load_config(tmp_path / "d", env={})
    assert config.secret_key not in repr(config)
    assert config.secret_key not in str(config)


def test_secret_is_never_printed_by_the_cli(tmp_path):
    data_dir = tmp_path / "d"
    outputs = [
        invoke(["migrate", "up", "--dir", str(data_dir)], {}),
        invoke(["migrate", "history", "--dir", str(data_dir)], {}),
        invoke(["superuser", "upsert", "bad-email", "x", "--dir", str(data_dir)], {}),
    ]
    secret = load_config(data_dir, env={}).secret_key
    for result in outputs:
        assert secret not in result.output
